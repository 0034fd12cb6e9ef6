// Package gitx runs the git command line. It is the only place releasekit starts git.
//
// It must not read the environment beyond what git itself inherits, and it imports no releasekit
// package.
package gitx
