// Package branch cuts release branches across many repositories in numbered steps (update
// dependencies, create release-X.Y, edit files, open pull requests), as a dry run by default.
//
// It may import manifest, resolve and internal packages.
package branch
