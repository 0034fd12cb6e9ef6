// Package internal holds helpers shared by releasekit's packages: gitx (the git command line),
// atomicfile (files that appear complete or not at all) and golden (golden-file tests). Internal
// packages import no top-level releasekit package.
package internal
