package fserr

import (
	"errors"
	"io/fs"
)

// Unwrap drops the host path from an *fs.PathError and returns the cause, for errors that name a
// file by its place in a release or a tree, not on the build host.
func Unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
