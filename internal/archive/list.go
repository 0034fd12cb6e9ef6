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

// Walk calls fn for every entry of an archive, in archive order, with a reader of its content.
// Names are as stored, without a trailing slash and unchecked: callers that unpack use [Check].
// A tar hard link is an error, as releases never hold one.
func Walk(r io.ReaderAt, size int64, format Format, fn func(e Entry, content io.Reader) error) error {
	switch format {
	case TarGz:
		gz, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				// Read to the end, so that gzip checks its checksum.
				_, err := io.Copy(io.Discard, gz)
				return err
			}
			if err != nil {
				return err
			}
			if h.Typeflag == tar.TypeLink {
				return fmt.Errorf("hard link %q is not allowed", h.Name)
			}
			e := Entry{Name: strings.TrimSuffix(h.Name, "/"), Mode: h.FileInfo().Mode(), Link: h.Linkname, Size: h.Size}
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
			rc, err := f.Open()
			if err != nil {
				return err
			}
			e := Entry{Name: strings.TrimSuffix(f.Name, "/"), Mode: f.Mode(), Size: int64(f.UncompressedSize64)}
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

// escapes reports whether a link at name pointing to target leaves the archive's root.
func escapes(name, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	p := path.Join(path.Dir(name), target)
	return p == ".." || strings.HasPrefix(p, "../")
}
