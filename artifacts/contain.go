package artifacts

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/internal/fserr"
)

// A dependency's tree is not trusted: a path a spec names, or a symbolic link in the tree, must
// never bring a file of the build host into a release. These read the tree through os.Root.

// errLink is the problem of a spec that names a symbolic link where its target would be read.
var errLink = errors.New("is a symbolic link, which would be followed: name the file it points to")

// openInTree opens the regular file rel of the tree at dir. A path that leaves the tree, through
// ".." or a link, a link itself, or a special file is an error.
func openInTree(dir, rel string) (*os.File, error) {
	if err := archive.CheckName(rel); err != nil {
		return nil, fmt.Errorf("%q is not a path inside the tree", rel)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	name := filepath.FromSlash(rel)
	st, err := root.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, fserr.Unwrap(err))
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s %w", rel, errLink)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a file", rel)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, fserr.Unwrap(err))
	}
	if opened, err := f.Stat(); err != nil || !os.SameFile(st, opened) {
		f.Close()
		return nil, fmt.Errorf("%s changed while it was opened", rel)
	}
	return f, nil
}

// checkTreeDir checks that the folder rel of the tree at dir is a folder inside it, reached
// without a link, and that nothing under it is a link or special file: what helm loads from a
// chart folder, it follows.
func checkTreeDir(dir, rel string) error {
	if rel != "." {
		if err := archive.CheckName(rel); err != nil {
			return fmt.Errorf("%q is not a path inside the tree", rel)
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	// Each element of the path is looked at, so that no link on the way is followed.
	for p := rel; p != "." && p != "/"; p = path.Dir(p) {
		st, err := root.Lstat(filepath.FromSlash(p))
		if err != nil {
			return fmt.Errorf("%s: %w", rel, fserr.Unwrap(err))
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s %w", p, errLink)
		}
	}
	sub, err := root.OpenRoot(filepath.FromSlash(rel))
	if err != nil {
		return fmt.Errorf("%s: %w", rel, fserr.Unwrap(err))
	}
	defer sub.Close()
	return fs.WalkDir(sub.FS(), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s %w", path.Join(rel, p), errLink)
		case !e.IsDir() && !e.Type().IsRegular():
			return fmt.Errorf("%s is not a file", path.Join(rel, p))
		}
		return nil
	})
}

// stageFile copies the regular file rel of the tree at dir to dest, for a tool that reads
// files by name: the copy is what was checked, whatever the tree holds later.
func stageFile(dir, rel, dest string) error {
	f, err := openInTree(dir, rel)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dest, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	})
}

// linkLeaves reports whether a link at rel in a tree, pointing to target, leads out of it.
func linkLeaves(rel, target string) bool {
	if path.IsAbs(target) || strings.Contains(target, `\`) {
		return true
	}
	p := path.Join(path.Dir(rel), target)
	return p == ".." || strings.HasPrefix(p, "../")
}
