// Package github opens the pull requests of branch steps on GitHub through go-github: one per
// repository and work branch, updated rather than duplicated when it is open already.
//
// It may import branch and internal packages; it is the only branch package that imports
// go-github.
package github
