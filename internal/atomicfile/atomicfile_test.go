package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/releasekit/releasekit/internal/atomicfile"
)

func TestWriteAppearsWhole(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := atomicfile.WriteFile(p, []byte("first\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := atomicfile.Write(p, 0o644, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the sec")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "first\n" {
		t.Errorf("a failed write changed the file: %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("a failed write left %d entries, want 1 (no temporary file)", len(entries))
	}
	if err := atomicfile.WriteFile(p, []byte("second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestAbortAfterCommit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x")
	f, err := atomicfile.Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("x"); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if got, err := os.ReadFile(p); err != nil || string(got) != "x" {
		t.Errorf("Abort after Commit removed the file: %q, %v", got, err)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit: no error")
	}
}

func TestMissingDirectory(t *testing.T) {
	err := atomicfile.WriteFile(filepath.Join(t.TempDir(), "no", "such", "dir", "f"), nil, 0o644)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}
