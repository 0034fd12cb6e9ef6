package archive_test

import (
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/releasekit/releasekit/internal/archive"
)

// BenchmarkWriteTree archives and checksums the folder named by RELEASEKIT_BENCH_TREE (bench/archive.sh
// makes a 1 GiB one of mixed files), as a release build does: tar.gz streamed through SHA-256 to a file.
func BenchmarkWriteTree(b *testing.B) {
	root := os.Getenv("RELEASEKIT_BENCH_TREE")
	if root == "" {
		b.Skip("RELEASEKIT_BENCH_TREE is not set; see bench/archive.sh")
	}
	var entries []archive.Entry
	var size int64
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		entries = append(entries, archive.Entry{Name: filepath.ToSlash(rel), Src: p})
		size += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	out := filepath.Join(b.TempDir(), "tree.tar.gz")
	for b.Loop() {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if err := archive.Write(io.MultiWriter(f, h), archive.TarGz, entries, time.Unix(1714564800, 0)); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		h.Sum(nil)
	}
}
