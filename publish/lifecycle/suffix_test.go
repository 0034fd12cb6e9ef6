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
	s, err := lifecycle.CommitSuffix('c', when, "f9152e2c0ffee")
	if err != nil || s.String() != "c20261130t070102z-f9152e2" {
		t.Fatalf("CommitSuffix = %q, %v", s, err)
	}
	// automation_images' IMG_SFX: the time, then the distributions, no kind letter.
	img, err := lifecycle.NewSuffix(0, when, lifecycle.Distributions("43", "42", "14"))
	if err != nil || img.String() != "20261130t070102z-f43f42d14" {
		t.Fatalf("NewSuffix = %q, %v", img, err)
	}
	for _, c := range []struct {
		in   string
		kind byte
		rest string
	}{
		{"c20261130t070102z-f9152e2", 'c', "f9152e2"},
		// The shapes automation_images committed: its IMG_SFX (Fedora, prior Fedora, Debian),
		// its first values (Ubuntu 22.04), and a name's kind letter in front.
		{"20260425t010036z-f43f42d14", 0, "f43f42d14"},
		{"20230120t152650z-f37f36u2204", 0, "f37f36u2204"},
		{"b20260425t010036z-f43f42d14", 'b', "f43f42d14"},
	} {
		got, err := lifecycle.ParseSuffix(c.in)
		if err != nil || got.Kind != c.kind || got.Rest != c.rest || got.String() != c.in {
			t.Errorf("ParseSuffix(%q) = %+v, %v", c.in, got, err)
		}
	}
	if at, _ := lifecycle.ParseSuffix(s.String()); !at.Time.Equal(when.Truncate(time.Second)) {
		t.Errorf("time %v, want %v", at.Time, when)
	}
	for _, bad := range []string{"", "C20261130t070102z-f9152e2", "20261130t070102z", "20261130t070102z-F43", "20261130t250102z-f43", "20261130T070102Z-f43", "x20261130t070102z-f43 "} {
		if _, err := lifecycle.ParseSuffix(bad); err == nil {
			t.Errorf("ParseSuffix(%q) accepted", bad)
		}
	}
	for _, bad := range []struct {
		kind byte
		rest string
	}{{'C', "f43"}, {'c', ""}, {'c', "F43"}, {'c', "a-b"}, {0, strings.Repeat("a", 40)}} {
		if _, err := lifecycle.NewSuffix(bad.kind, when, bad.rest); err == nil {
			t.Errorf("NewSuffix(%c, %q) accepted", bad.kind, bad.rest)
		}
	}
	for _, bad := range []string{"f9152", "not-hex"} {
		if _, err := lifecycle.CommitSuffix('c', when, bad); err == nil {
			t.Errorf("CommitSuffix(%q) accepted", bad)
		}
	}
}

// TestCheckSuffixChange: automation_images' validate rule, at its boundaries. The new suffix
// sorts after the old by time (the same second passes, one second before fails), no tag in
// use holds it, every pull request commits a new one unless it is CI:DOCS; with inputs, only
// a change to one of them must.
func TestCheckSuffixChange(t *testing.T) {
	old := "20260425t010036z-f43f42d14"
	for _, c := range []struct {
		name string
		c    lifecycle.SuffixChange
		err  string
	}{
		{"a second later", lifecycle.SuffixChange{Old: old, New: "20260425t010037z-f43f42d14"}, ""},
		{"the same second", lifecycle.SuffixChange{Old: old, New: "20260425t010036z-f44f43d14"}, ""},
		{"a second before", lifecycle.SuffixChange{Old: old, New: "20260425t010035z-f44f43d14"}, "does not come after"},
		{"the first values (Ubuntu) to Debian", lifecycle.SuffixChange{Old: "20230207t150657z-f37f36u2204", New: "20230215t175929z-f37f36d12"}, ""},
		{"unchanged", lifecycle.SuffixChange{Old: old, New: old, Changed: []string{"README.md"}}, "the change changes the images, but the suffix is still " + old},
		{"unchanged, CI:DOCS", lifecycle.SuffixChange{Old: old, New: old, Docs: true}, ""},
		{"in use", lifecycle.SuffixChange{Old: old, New: "20260426t000000z-f43f42d14", InUse: []string{"latest", "c20260426t000000z-f43f42d14"}},
			"the new suffix 20260426t000000z-f43f42d14 is in use already (tag c20260426t000000z-f43f42d14)"},
		{"not a suffix", lifecycle.SuffixChange{Old: old, New: "x"}, "the new suffix"},
		{"inputs untouched", lifecycle.SuffixChange{Old: old, New: old, Changed: []string{"README.md"}, Inputs: []string{"cache_images/", "*.sh"}}, ""},
		{"inputs touched", lifecycle.SuffixChange{Old: old, New: old, Changed: []string{"cache_images/fedora.sh"}, Inputs: []string{"cache_images/", "*.sh"}},
			"cache_images/fedora.sh changes the images, but the suffix is still"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := lifecycle.CheckSuffixChange(c.c)
			if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v, want %q", err, c.err)
			}
		})
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
