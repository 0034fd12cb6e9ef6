package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestLifecycle(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	repo := strings.TrimPrefix(srv.URL, "http://") + "/libpod/fedora"
	img, _ := random.Image(256, 1)
	const tag = "c20261001t080000z-aaaaaaa"
	if err := remote.Write(ref(t, repo+":"+tag), img); err != nil {
		t.Fatal(err)
	}
	bucket := "file://" + t.TempDir()
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	cmd := func(args ...string) (int, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(t.Context(), append([]string{"-bucket", bucket}, args...), clock, &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := cmd("touch", repo+":"+tag); code != 0 {
		t.Fatalf("touch: %d %s", code, out)
	}
	now = t0.Add(40 * 24 * time.Hour)
	if code, out := cmd("apply", repo); code != 0 || !strings.Contains(out, "safety net: 1 to obsolete, fewer than 50, so none is") {
		t.Fatalf("apply (dry run) with the default safety net: %d %s", code, out)
	}
	if code, out := cmd("apply", "-min", "1", repo); code != 0 || !strings.Contains(out, "obsolete  "+repo+":"+tag) {
		t.Fatalf("apply (dry run): %d %s", code, out)
	}
	if _, err := remote.Head(ref(t, repo+":"+tag)); err != nil {
		t.Fatalf("a dry run moved the tag: %v", err)
	}
	if code, out := cmd("apply", "-dry-run=false", "-min", "1", repo); code != 0 {
		t.Fatalf("apply: %d %s", code, out)
	}
	if _, err := remote.Head(ref(t, repo+":"+tag)); err == nil {
		t.Fatal("the obsolete tag still pulls")
	}
	if code, out := cmd("restore", repo+":"+tag); code != 0 {
		t.Fatalf("restore: %d %s", code, out)
	}
	if _, err := remote.Head(ref(t, repo+":"+tag)); err != nil {
		t.Fatalf("restored: %v", err)
	}
	if code, out := cmd("suffix", "-kind", "c", "-commit", "f9152e2c"); code != 0 || out != "c20270109t080000z-f9152e2\n" {
		t.Errorf("suffix: %d %q", code, out)
	}
	if code, out := cmd("suffix", "-fedora", "43", "-prior-fedora", "42", "-debian", "14"); code != 0 || out != "20270109t080000z-f43f42d14\n" {
		t.Errorf("suffix as IMG_SFX: %d %q", code, out)
	}
	for _, args := range [][]string{{"touch"}, {"frob", repo}, {"restore", repo}, {"keep", repo + ":" + tag}, {"plan", "-lock", "/nonexistent", repo}} {
		if code, out := cmd(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, out)
		}
	}
}

func ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
