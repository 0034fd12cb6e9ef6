package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// listTree returns the files of a source tree (what git tracks, and new files when the tree is
// dirty) and a string identifying its content.
func listTree(ctx context.Context, s resolve.Source) ([]string, string, error) {
	args := []string{"ls-files", "-z", "--cached"}
	if s.Dirty {
		args = append(args, "--others", "--exclude-standard")
	}
	out, err := gitx.At(s.Dir).Output(ctx, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", s.Name, err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f == "" {
			continue
		}
		// A dirty tree may have deleted tracked files; they are not part of it.
		if _, err := os.Lstat(filepath.Join(s.Dir, filepath.FromSlash(f))); errors.Is(err, fs.ErrNotExist) && s.Dirty {
			continue
		}
		files = append(files, f)
	}
	slices.Sort(files)
	files = slices.Compact(files)
	if !s.Dirty {
		return files, s.SHA, nil
	}
	h := sha256.New()
	for _, f := range files {
		e, err := fileEntry(s.Dir, f, f)
		if err != nil {
			return nil, "", err
		}
		fmt.Fprintf(h, "%s\x00%o\x00%s\x00", f, e.Mode, e.Link)
		if e.Src != "" {
			if err := hashFile(h, e.Src); err != nil {
				return nil, "", err
			}
		}
	}
	return files, "dirty:" + hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// fileEntry makes an archive entry named name for the file rel of the tree at dir. Links are
// kept as links.
func fileEntry(dir, rel, name string) (archive.Entry, error) {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	st, err := os.Lstat(p)
	if err != nil {
		return archive.Entry{}, err
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return archive.Entry{}, err
		}
		return archive.Entry{Name: name, Mode: fs.ModeSymlink, Link: filepath.ToSlash(target)}, nil
	case st.Mode().IsRegular():
		return archive.Entry{Name: name, Src: p, Mode: st.Mode() & 0o111}, nil
	}
	return archive.Entry{}, fmt.Errorf("%s: not a file or link", p)
}

// match reports whether glob matches p or one of the folders holding it.
func match(glob, p string) bool {
	glob = strings.TrimSuffix(glob, "/")
	for ; p != "."; p = path.Dir(p) {
		if ok, _ := path.Match(glob, p); ok {
			return true
		}
	}
	return false
}

// excluded reports whether glob excludes p. As in .gitignore, a glob without a slash matches a
// name at any depth ("*.tmp"); one with a slash matches from the dependency's root.
func excluded(glob, p string) bool {
	glob = strings.TrimSuffix(glob, "/")
	if strings.Contains(glob, "/") {
		return match(glob, p)
	}
	for ; p != "."; p = path.Dir(p) {
		if ok, _ := path.Match(glob, path.Base(p)); ok {
			return true
		}
	}
	return false
}

// selectFiles returns the entries f selects from its dependency's tree, placed under prefix and
// f.Dest, with the content identity of each. Every include must match something.
func (b *builder) selectFiles(ctx context.Context, f manifest.Files, prefix string) ([]archive.Entry, []string, error) {
	if f.Dependency == "" {
		return nil, nil, nil // reported by the manifest's own validation
	}
	s, err := b.source(f.Dependency)
	if err != nil {
		return nil, nil, err
	}
	files, id, err := s.tree(ctx)
	if err != nil {
		return nil, nil, err
	}
	var entries []archive.Entry
	var ids []string
	seen := map[string]bool{}
	for i, g := range f.Include {
		n := 0
		for _, file := range files {
			if !match(g, file) || slices.ContainsFunc(f.Exclude, func(x string) bool { return excluded(x, file) }) {
				continue
			}
			n++
			name := path.Join(prefix, f.Dest, file)
			if seen[name] {
				continue // matched by an earlier include
			}
			seen[name] = true
			e, err := fileEntry(s.Dir, file, name)
			if err != nil {
				return nil, nil, err
			}
			if e.Link != "" && linkLeaves(file, e.Link) {
				// Kept as a link, it would point at the host of whoever unpacks it.
				b.problem(f.Pos.Errorf(fmt.Sprintf("include[%d]", i), "%s is a link to %q, outside %s", file, e.Link, f.Dependency))
				continue
			}
			entries = append(entries, e)
			ids = append(ids, id+":"+file)
		}
		if n == 0 {
			b.problem(f.Pos.Errorf(fmt.Sprintf("include[%d]", i), "%q matches no file in %s", g, f.Dependency))
		}
	}
	return entries, ids, nil
}
