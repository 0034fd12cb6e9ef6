package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// tempName matches the names Create gives its temporary files: .<name>.tmp-<digits>.
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// IsTemp reports whether a file name is one of Create's temporary files.
func IsTemp(name string) bool { return tempName.MatchString(name) }

// Clean removes, under dir, the temporary files that writes cut short left behind (a killed
// process leaves them), and returns how many it removed. Call it only while holding the lock of
// dir: another writer's files in progress would be removed too.
func Clean(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !e.IsDir() && IsTemp(e.Name()) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
