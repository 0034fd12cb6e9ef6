package blob_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

func TestBucket(t *testing.T) {
	for _, url := range []string{"mem://", "file://" + t.TempDir()} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			ctx := t.Context()
			b, err := blob.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if _, err := b.Stat(ctx, "x"); !errors.Is(err, publish.ErrNotExist) {
				t.Fatalf("stat missing: %v", err)
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(b.Write(ctx, "x", strings.NewReader("one"), publish.WriteOptions{SHA256: "abc", Condition: &publish.Condition{}}))
			o, err := b.Stat(ctx, "x")
			must(err)
			if o.Size != 3 || o.SHA256 != "abc" || o.Generation == "" {
				t.Errorf("stat = %+v", o)
			}
			// Must not exist: it does.
			if err := b.Write(ctx, "x", strings.NewReader("two"), publish.WriteOptions{Condition: &publish.Condition{}}); !errors.Is(err, publish.ErrConflict) {
				t.Errorf("create over existing: %v", err)
			}
			// At the generation read: succeeds; at a stale one: conflict.
			data, o, err := b.Read(ctx, "x")
			must(err)
			if string(data) != "one" {
				t.Errorf("read %q", data)
			}
			must(b.Write(ctx, "x", strings.NewReader("three"), publish.WriteOptions{Condition: &publish.Condition{Generation: o.Generation}}))
			if err := b.Write(ctx, "x", strings.NewReader("four"), publish.WriteOptions{Condition: &publish.Condition{Generation: o.Generation}}); !errors.Is(err, publish.ErrConflict) {
				t.Errorf("write at a stale generation: %v", err)
			}
			if data, _, _ := b.Read(ctx, "x"); string(data) != "three" {
				t.Errorf("after conflict: %q", data)
			}
			// A reader that fails leaves nothing behind.
			err = b.Write(ctx, "y", failing{}, publish.WriteOptions{})
			if err == nil {
				t.Fatal("write of a failing reader succeeded")
			}
			if _, err := b.Stat(ctx, "y"); !errors.Is(err, publish.ErrNotExist) {
				t.Errorf("failed write left an object: %v", err)
			}
		})
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("checksum mismatch") }

func TestURL(t *testing.T) {
	dir := t.TempDir()
	b, err := blob.Open(t.Context(), "file://"+dir+"?create_dir=true")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := b.URL("a/b"); got != "file://"+dir+"/a/b" {
		t.Errorf("URL = %s", got)
	}
	if _, err := blob.Open(t.Context(), "nosuch://user:secret@bucket"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("open with an unknown scheme: %v", err)
	}
	os.RemoveAll(filepath.Join(dir, "x"))
}
