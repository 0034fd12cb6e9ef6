// Package fserr keeps build hosts' paths out of errors: an error about a file of a release or
// of a dependency's tree names it by its place there.
//
// It imports no top-level package of the module.
package fserr
