package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/internal/archive"
)

var mtime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// tree writes the same files with the given host modes and times, so that two trees differ in
// everything but content.
func tree(t *testing.T, exec, plain fs.FileMode, touched time.Time) []archive.Entry {
	t.Helper()
	dir := t.TempDir()
	files := []struct {
		name string
		mode fs.FileMode
	}{{"bin/hello", exec}, {"LICENSE", plain}}
	var out []archive.Entry
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+f.name+"\n"), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, touched, touched); err != nil {
			t.Fatal(err)
		}
		out = append(out, archive.Entry{Name: "hello-1.0/" + f.name, Src: p, Mode: f.mode})
	}
	return append(out,
		archive.Entry{Name: "hello-1.0/VERSION", Data: []byte("1.0\n")},
		archive.Entry{Name: "hello-1.0/latest", Mode: fs.ModeSymlink, Link: "bin/hello"})
}

func write(t *testing.T, format archive.Format, entries []archive.Entry) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := archive.Write(&b, format, entries, mtime); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSameBytes(t *testing.T) {
	for _, format := range []archive.Format{archive.TarGz, archive.Zip} {
		t.Run(string(format), func(t *testing.T) {
			a := write(t, format, tree(t, 0o755, 0o644, time.Now()))
			// Other host modes and times, entries in reverse order, fewer processors.
			other := tree(t, 0o700, 0o600, time.Unix(0, 0))
			for i, j := 0, len(other)-1; i < j; i, j = i+1, j-1 {
				other[i], other[j] = other[j], other[i]
			}
			prev := runtime.GOMAXPROCS(1)
			b := write(t, format, other)
			runtime.GOMAXPROCS(prev)
			if sha256.Sum256(a) != sha256.Sum256(b) {
				t.Errorf("two archives of the same content differ (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

func TestListing(t *testing.T) {
	want := []string{
		"hello-1.0 d 0755",
		"hello-1.0/LICENSE - 0644 19",
		"hello-1.0/VERSION - 0644 4",
		"hello-1.0/bin d 0755",
		"hello-1.0/bin/hello - 0755 21",
		"hello-1.0/latest L 0777 -> bin/hello",
	}
	for _, format := range []archive.Format{archive.TarGz, archive.Zip} {
		t.Run(string(format), func(t *testing.T) {
			data := write(t, format, tree(t, 0o750, 0o640, time.Now()))
			entries, err := archive.List(bytes.NewReader(data), int64(len(data)), format)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, describe(e))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("listing (-want +got):\n%s", diff)
			}
		})
	}
}

func describe(e archive.Entry) string {
	switch {
	case e.Mode.IsDir():
		return fmt.Sprintf("%s d %04o", e.Name, e.Mode.Perm())
	case e.Mode&fs.ModeSymlink != 0:
		return fmt.Sprintf("%s L %04o -> %s", e.Name, e.Mode.Perm(), e.Link)
	}
	return fmt.Sprintf("%s - %04o %d", e.Name, e.Mode.Perm(), e.Size)
}

func TestTarHeaders(t *testing.T) {
	data := write(t, archive.TarGz, tree(t, 0o755, 0o644, time.Now()))
	// RFC 1952: bytes 4-7 are the modification time; FLG (byte 3) would announce a name.
	if data[3] != 0 || !bytes.Equal(data[4:8], []byte{0, 0, 0, 0}) {
		t.Errorf("gzip header carries a name or time: % x", data[:10])
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(mtime) ||
			!h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s: uid %d gid %d uname %q gname %q mtime %v atime %v ctime %v",
				h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, h.AccessTime, h.ChangeTime)
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		entries []archive.Entry
		want    string
	}{
		{"parent", []archive.Entry{{Name: "../evil"}}, `unsafe entry name "../evil"`},
		{"absolute", []archive.Entry{{Name: "/etc/passwd"}}, `unsafe entry name "/etc/passwd"`},
		{"unclean", []archive.Entry{{Name: "a//b"}}, `unsafe entry name "a//b"`},
		{"twice", []archive.Entry{{Name: "a"}, {Name: "a"}}, `entry "a" added twice`},
		{"file as folder", []archive.Entry{{Name: "a"}, {Name: "a/b"}}, `entry "a/b" is inside "a", which is not a folder`},
		{"missing source", []archive.Entry{{Name: "a", Src: "/nonexistent/file"}}, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := archive.Write(&b, archive.TarGz, tt.entries, mtime)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := archive.Write(&bytes.Buffer{}, archive.TarGz, nil, time.Time{}); err == nil {
		t.Error("wrote an archive with no modification time")
	}
}

func TestListRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		h    tar.Header
		want string
	}{
		{"parent", tar.Header{Name: "../x", Typeflag: tar.TypeReg}, `unsafe entry name "../x"`},
		{"absolute", tar.Header{Name: "/x", Typeflag: tar.TypeReg}, `unsafe entry name "/x"`},
		{"link up", tar.Header{Name: "a/l", Typeflag: tar.TypeSymlink, Linkname: "../../etc"}, `link "a/l" points outside`},
		{"link absolute", tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, `link "l" points outside`},
		{"hard link", tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "x"}, `hard link "h"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			gz := gzip.NewWriter(&b)
			tw := tar.NewWriter(gz)
			if err := tw.WriteHeader(&tt.h); err != nil {
				t.Fatal(err)
			}
			tw.Close()
			gz.Close()
			_, err := archive.List(bytes.NewReader(b.Bytes()), int64(b.Len()), archive.TarGz)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// bomb is a tar.gz of n entries of size bytes of zeros each.
func bomb(t *testing.T, n int, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i := range n {
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f%d", i), Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(tw, io.LimitReader(zeros{}, size)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestWalkLimits(t *testing.T) {
	limits := archive.Limits{Entry: 1 << 20, Total: 4 << 20, Entries: 10}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"an entry too large": {bomb(t, 1, 2<<20), `entry "f0": 2097152 bytes, larger than 1048576`},
		"too much in all":    {bomb(t, 5, 1<<20), "entries of more than 4194304 bytes in all"},
		"too many entries":   {bomb(t, 11, 1), "more than 10 entries"},
	} {
		err := archive.WalkLimited(bytes.NewReader(c.data), int64(len(c.data)), archive.TarGz, limits, func(archive.Entry, io.Reader) error { return nil })
		if !errors.Is(err, archive.ErrLimit) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	// A header that claims 3 GiB is refused before a byte of it is read.
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o755, Size: 3 << 30, Typeflag: tar.TypeReg})
	tw.Flush()
	gz.Close()
	err := archive.Walk(bytes.NewReader(buf.Bytes()), int64(buf.Len()), archive.TarGz, func(archive.Entry, io.Reader) error {
		t.Error("fn called for an entry over the limit")
		return nil
	})
	if !errors.Is(err, archive.ErrLimit) {
		t.Errorf("a 3 GiB entry: %v", err)
	}
	// Within its limits, a bomb walks.
	ok := bomb(t, 4, 1<<20)
	if err := archive.WalkLimited(bytes.NewReader(ok), int64(len(ok)), archive.TarGz, limits, func(archive.Entry, io.Reader) error { return nil }); err != nil {
		t.Errorf("within limits: %v", err)
	}
}

// TestCheckNameBackslash: a backslash is a legal character of a Unix name, but read as a
// Windows separator the name must still stay inside.
func TestCheckNameBackslash(t *testing.T) {
	for name, ok := range map[string]bool{
		`dir\name.txt`: true, `a/b\c`: true, `weird\\name`: true,
		`..\x`: false, `a\..\..\x`: false, `\x`: false, `C:\x`: false, `c:x`: false, `a\.\b`: false,
	} {
		if err := archive.CheckName(name); (err == nil) != ok {
			t.Errorf("CheckName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}
