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
	"path"
	"strings"
)

// List returns the entries of an archive without their content, in archive order. It fails on
// an entry that could write outside the folder it is unpacked to: an absolute or ".." name, or a
// link whose target leaves the archive.
func List(r io.ReaderAt, size int64, format Format) ([]Entry, error) {
	var out []Entry
	add := func(name string, mode fs.FileMode, link string, n int64) error {
		name = strings.TrimSuffix(name, "/")
		if err := CheckName(name); err != nil {
			return err
		}
		if mode&fs.ModeSymlink != 0 && escapes(name, link) {
			return fmt.Errorf("link %q points outside the archive to %q", name, link)
		}
		out = append(out, Entry{Name: name, Mode: mode, Link: link, Size: n})
		return nil
	}
	switch format {
	case TarGz:
		gz, err := gzip.NewReader(io.NewSectionReader(r, 0, size))
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			if h.Typeflag == tar.TypeLink {
				return nil, fmt.Errorf("hard link %q is not allowed", h.Name)
			}
			if err := add(h.Name, h.FileInfo().Mode(), h.Linkname, h.Size); err != nil {
				return nil, err
			}
		}
	case Zip:
		zr, err := zip.NewReader(r, size)
		if err != nil {
			return nil, err
		}
		for _, f := range zr.File {
			var link string
			if f.Mode()&fs.ModeSymlink != 0 {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				b, err := io.ReadAll(io.LimitReader(rc, 4096))
				rc.Close()
				if err != nil {
					return nil, err
				}
				link = string(bytes.TrimSpace(b))
			}
			if err := add(f.Name, f.Mode(), link, int64(f.UncompressedSize64)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("archive: unknown format %q", format)
}

// escapes reports whether a link at name pointing to target leaves the archive's root.
func escapes(name, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	p := path.Join(path.Dir(name), target)
	return p == ".." || strings.HasPrefix(p, "../")
}
