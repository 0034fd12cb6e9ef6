package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/pgzip"
)

// Format is an archive format.
type Format string

// The formats Write knows.
const (
	TarGz Format = "tar.gz"
	Zip   Format = "zip"
	// Tar is uncompressed, as image layers are before the registry's compression.
	Tar Format = "tar"
)

// Entry is one file, folder or symbolic link of an archive.
type Entry struct {
	// Name is the slash-separated path inside the archive: relative, with no "..".
	Name string
	// Mode holds the type (0 for a regular file, fs.ModeDir or fs.ModeSymlink) and, for files,
	// whether any execute bit is set; other permission bits are normalised away.
	Mode fs.FileMode
	// Src is the file a regular entry's content is read from, unless Data is set.
	Src  string
	Data []byte
	// Link is a symbolic link's target.
	Link string
	// Size is filled by List.
	Size int64
}

func (e Entry) isDir() bool  { return e.Mode&fs.ModeDir != 0 }
func (e Entry) isLink() bool { return e.Mode&fs.ModeSymlink != 0 }

// perm is the normalised permission of e.
func (e Entry) perm() fs.FileMode {
	switch {
	case e.isDir():
		return 0o755
	case e.isLink():
		return 0o777
	case e.Mode&0o111 != 0:
		return 0o755
	}
	return 0o644
}

// CheckName reports whether name is a safe entry name: relative, clean, without "..".
func CheckName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name ||
		name == ".." || strings.HasPrefix(name, "../") || name == "." {
		return fmt.Errorf("unsafe entry name %q", name)
	}
	// A drive letter ("c:x") leaves the folder on Windows.
	if len(name) > 1 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z') {
		return fmt.Errorf("unsafe entry name %q", name)
	}
	// A backslash is a legal character in a Unix file name, and a separator to Windows tools:
	// read either way, the name must stay inside.
	if strings.Contains(name, `\`) {
		if strings.HasPrefix(name, `\`) {
			return fmt.Errorf("unsafe entry name %q", name)
		}
		for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == ".." || part == "." {
				return fmt.Errorf("unsafe entry name %q", name)
			}
		}
	}
	return nil
}

// Sorted checks entries, adds the folders that hold them and returns them sorted by name.
func Sorted(entries []Entry) ([]Entry, error) {
	byName := make(map[string]Entry, len(entries))
	for _, e := range entries {
		if err := CheckName(e.Name); err != nil {
			return nil, err
		}
		if old, ok := byName[e.Name]; ok && !(old.isDir() && e.isDir()) {
			return nil, fmt.Errorf("entry %q added twice", e.Name)
		}
		byName[e.Name] = e
	}
	for _, e := range entries {
		for dir := path.Dir(e.Name); dir != "."; dir = path.Dir(dir) {
			if old, ok := byName[dir]; ok {
				if !old.isDir() {
					return nil, fmt.Errorf("entry %q is inside %q, which is not a folder", e.Name, dir)
				}
				break
			}
			byName[dir] = Entry{Name: dir, Mode: fs.ModeDir}
		}
	}
	out := make([]Entry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Write writes entries to w as an archive of format, every entry modified at mtime.
func Write(w io.Writer, format Format, entries []Entry, mtime time.Time) error {
	if mtime.IsZero() {
		return errors.New("archive: no modification time")
	}
	sorted, err := Sorted(entries)
	if err != nil {
		return err
	}
	mtime = mtime.UTC().Truncate(time.Second)
	switch format {
	case TarGz:
		return writeTarGz(w, sorted, mtime)
	case Tar:
		return writeTar(w, sorted, mtime)
	case Zip:
		return writeZip(w, sorted, mtime)
	}
	return fmt.Errorf("archive: unknown format %q", format)
}

// NewGzipWriter returns a gzip writer whose header has no name and no time, compressing blocks
// on every processor; its output does not depend on how many there are.
func NewGzipWriter(w io.Writer) (io.WriteCloser, error) {
	gz, err := pgzip.NewWriterLevel(w, pgzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	gz.ModTime = time.Unix(0, 0) // the zero time.Time would be written as a date in 1754
	if err := gz.SetConcurrency(1<<20, 2*runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	return gz, nil
}

func writeTarGz(w io.Writer, entries []Entry, mtime time.Time) error {
	gz, err := NewGzipWriter(w)
	if err != nil {
		return err
	}
	if err := writeTar(gz, entries, mtime); err != nil {
		return err
	}
	return gz.Close()
}

func writeTar(w io.Writer, entries []Entry, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if err := writeTarEntry(tw, e, mtime); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeTarEntry(tw *tar.Writer, e Entry, mtime time.Time) error {
	h := &tar.Header{Name: e.Name, Mode: int64(e.perm()), ModTime: mtime, Format: tar.FormatPAX}
	switch {
	case e.isDir():
		h.Typeflag, h.Name = tar.TypeDir, e.Name+"/"
		return tw.WriteHeader(h)
	case e.isLink():
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.Link
		return tw.WriteHeader(h)
	}
	h.Typeflag = tar.TypeReg
	return withContent(e, func(r io.Reader, size int64) error {
		h.Size = size
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%s changed while being archived", e.Name)
		}
		return err
	})
}

// withContent calls f with a regular entry's content and size.
func withContent(e Entry, f func(io.Reader, int64) error) error {
	if e.Src == "" {
		return f(bytes.NewReader(e.Data), int64(len(e.Data)))
	}
	file, err := os.Open(e.Src)
	if err != nil {
		return err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", e.Src)
	}
	return f(file, st.Size())
}

func writeZip(w io.Writer, entries []Entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.DefaultCompression)
	})
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(e.Mode&(fs.ModeDir|fs.ModeSymlink) | e.perm())
		if e.isDir() {
			h.Name, h.Method = e.Name+"/", zip.Store
		}
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		switch {
		case e.isDir():
		case e.isLink():
			_, err = io.WriteString(fw, e.Link)
		default:
			err = withContent(e, func(r io.Reader, _ int64) error {
				_, err := io.Copy(fw, r)
				return err
			})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
	}
	return zw.Close()
}
