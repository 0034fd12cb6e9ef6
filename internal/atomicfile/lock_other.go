//go:build !unix

package atomicfile

import "os"

// Without flock, the lock is advisory within this process only.
func flock(*os.File) error { return nil }

func funlock(*os.File) {}
