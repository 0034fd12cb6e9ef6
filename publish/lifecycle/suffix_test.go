package lifecycle_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/lifecycle"
)

func TestSuffix(t *testing.T) {
	when := time.Date(2026, 11, 30, 8, 1, 2, 0, time.FixedZone("CET", 3600))
	s, err := lifecycle.Suffix('c', when, "f9152e2c0ffee")
	if err != nil || s != "c20261130t070102z-f9152e2" {
		t.Fatalf("Suffix = %q, %v", s, err)
	}
	kind, at, commit, err := lifecycle.ParseSuffix(s)
	if err != nil || kind != 'c' || !at.Equal(when) || commit != "f9152e2" {
		t.Errorf("ParseSuffix = %c %v %s %v", kind, at, commit, err)
	}
	later, _ := lifecycle.Suffix('c', when.Add(time.Second), "0000000")
	if !(later > s) {
		t.Errorf("%s does not sort after %s", later, s)
	}
	for _, bad := range []struct {
		kind   byte
		commit string
	}{{'C', "f9152e2"}, {'c', "f9152"}, {'c', "not-hex"}} {
		if _, err := lifecycle.Suffix(bad.kind, when, bad.commit); err == nil {
			t.Errorf("Suffix(%c, %q) accepted", bad.kind, bad.commit)
		}
	}
	inputs := []string{"cache_images/", "*.sh"}
	for _, c := range []struct {
		changed       []string
		old, new, err string
	}{
		{[]string{"README.md"}, s, s, ""},
		{[]string{"cache_images/fedora.sh"}, s, later, ""},
		{[]string{"cache_images/fedora.sh"}, s, s, "cache_images/fedora.sh changes the images, but the suffix is still " + s},
		{[]string{"build.sh"}, later, s, "does not come after"},
		{[]string{"build.sh"}, s, "x", "the new suffix"},
	} {
		err := lifecycle.CheckSuffixChange(c.changed, inputs, c.old, c.new)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%v %s→%s: %v, want %q", c.changed, c.old, c.new, err, c.err)
		}
	}
}

// TestConcurrentTouches: CI jobs recording uses at once lose none.
func TestConcurrentTouches(t *testing.T) {
	bucket, err := blob.Open(t.Context(), "file://"+t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	store, _ := lifecycle.NewStore(bucket, "")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			im := lifecycle.Image{Repo: "quay.io/libpod/fedora", Tag: fmt.Sprint(i), Digest: fmt.Sprintf("sha256:%064x", i)}
			if err := store.Touch(t.Context(), im, time.Unix(int64(1e9+i), 0)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	table, err := store.Table(t.Context(), "quay.io/libpod/fedora")
	if err != nil || len(table.Images) != 16 {
		t.Errorf("%d records after 16 concurrent touches (%v)", len(table.Images), err)
	}
}
