package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is wrapped by Lock's error when another process holds the lock.
var ErrLocked = errors.New("in use")

// Lock takes the lock file at path, so that one process at a time works on what it guards,
// and writes this process's id into it. The lock is the operating system's (flock), so it ends
// with the process however the process ends; the file stays, and is reused. unlock releases it.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := flock(f); err != nil {
		data := make([]byte, 32)
		n, _ := f.ReadAt(data, 0)
		f.Close()
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(data[:n]))); perr == nil {
			return nil, fmt.Errorf("%w by process %d (lock %s)", ErrLocked, pid, path)
		}
		return nil, fmt.Errorf("%w (lock %s): %v", ErrLocked, path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		f.Truncate(0)
		funlock(f)
		f.Close()
	}, nil
}
