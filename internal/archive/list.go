package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// List returns the entries of an archive without their content, in archive order. It fails on
// an entry that could write outside the folder it is unpacked to: an absolute or ".." name, or a
// link whose target leaves the archive.
func List(r io.ReaderAt, size int64, format Format) ([]Entry, error) {
	var out []Entry
	err := Walk(r, size, format, func(e Entry, _ io.Reader) error {
		if err := Check(e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Check reports whether e could write outside the folder it is unpacked to: an absolute or ".."
// name, or a link whose target leaves the archive.
func Check(e Entry) error {
	if err := CheckName(e.Name); err != nil {
		return err
	}
	if e.Mode&fs.ModeSymlink != 0 && escapes(e.Name, e.Link) {
		return fmt.Errorf("link %q points outside the archive to %q", e.Name, e.Link)
	}
	return nil
}

// WalkFile walks the archive in file with [Walk].
func WalkFile(file string, format Format, fn func(e Entry, content io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return WalkOpen(f, format, fn)
}

// WalkOpen walks the archive in the open file f with [Walk].
func WalkOpen(f *os.File, format Format, fn func(e Entry, content io.Reader) error) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return Walk(f, st.Size(), format, fn)
}

// Limits bound what reading an archive may cost, so that a small hostile file (a bomb) is an
// error, not an exhausted machine.
type Limits struct {
	// Entry is the largest an entry may be, in bytes.
	Entry int64
	// Total is the most an archive may expand to, in bytes, all entries together.
	Total int64
	// Entries is the most entries an archive may hold.
	Entries int
}

// DefaultLimits are the limits of [Walk]: entries up to 1 GiB, 8 GiB and a million entries
// in all. They bound time and disk, not memory: what fn keeps of an entry is its own to bound.
var DefaultLimits = Limits{Entry: 1 << 30, Total: 8 << 30, Entries: 1 << 20}

// ErrLimit is wrapped by the error of an archive that exceeds its limits.
var ErrLimit = errors.New("exceeds the limit")

// Walk calls fn for every entry of an archive, in archive order, with a reader of its content,
// within [DefaultLimits]. Names are as stored, without a trailing slash and unchecked: callers
// that unpack use [Check]. A tar hard link is an error, as releases never hold one.
func Walk(r io.ReaderAt, size int64, format Format, fn func(e Entry, content io.Reader) error) error {
	return WalkLimited(r, size, format, DefaultLimits, fn)
}

// WalkLimited is [Walk] within limits.
func WalkLimited(r io.ReaderAt, size int64, format Format, limits Limits, fn func(e Entry, content io.Reader) error) error {
	n, total := 0, int64(0)
	check := func(e Entry) error {
		n++
		switch {
		case n > limits.Entries:
			return fmt.Errorf("more than %d entries: %w", limits.Entries, ErrLimit)
		case e.Size > limits.Entry:
			return fmt.Errorf("entry %q: %d bytes, larger than %d: %w", e.Name, e.Size, limits.Entry, ErrLimit)
		}
		total += max(e.Size, 0)
		if total > limits.Total {
			return fmt.Errorf("entries of more than %d bytes in all: %w", limits.Total, ErrLimit)
		}
		return nil
	}
	switch format {
	case TarGz:
		gz, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return err
		}
		// What gzip may expand to: the entries, and tar's headers and padding around them.
		expanded := &limitedReader{r: gz, left: limits.Total + int64(limits.Entries+1)*2048}
		tr := tar.NewReader(expanded)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				// Read to the end, so that gzip checks its checksum.
				_, err := io.Copy(io.Discard, expanded)
				return err
			}
			if err != nil {
				return err
			}
			if h.Typeflag == tar.TypeLink {
				return fmt.Errorf("hard link %q is not allowed", h.Name)
			}
			e := Entry{Name: strings.TrimSuffix(h.Name, "/"), Mode: h.FileInfo().Mode(), Link: h.Linkname, Size: h.Size}
			if err := check(e); err != nil {
				return err
			}
			if err := fn(e, tr); err != nil {
				return err
			}
		}
	case Zip:
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return err
		}
		for _, f := range zr.File {
			e := Entry{Name: strings.TrimSuffix(f.Name, "/"), Mode: f.Mode(), Size: int64(f.UncompressedSize64)}
			if f.UncompressedSize64 > uint64(limits.Entry) {
				e.Size = limits.Entry + 1
			}
			if err := check(e); err != nil {
				return err
			}
			rc, err := f.Open()
			if err != nil {
				return err
			}
			var content io.Reader = rc
			if f.Mode()&fs.ModeSymlink != 0 {
				b, err := io.ReadAll(io.LimitReader(rc, 4096))
				if err != nil {
					rc.Close()
					return err
				}
				e.Link = string(bytes.TrimSpace(b))
				content = bytes.NewReader(nil)
			}
			err = fn(e, content)
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("archive: unknown format %q", format)
}

// limitedReader fails, rather than ending, when more than left bytes are read.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("expands past its limit: %w", ErrLimit)
	}
	return n, err
}

// escapes reports whether a link at name pointing to target leaves the archive's root.
func escapes(name, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	p := path.Join(path.Dir(name), target)
	return p == ".." || strings.HasPrefix(p, "../")
}

// ReadAll reads r to its end, or fails with an error wrapping ErrLimit past limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes: %w", limit, ErrLimit)
	}
	return data, nil
}
