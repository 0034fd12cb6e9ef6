package main

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPin(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, _ := mutate.Config(empty.Image, v1.Config{Labels: map[string]string{"app": "web"}})
	ref, _ := name.ParseReference(host + "/web:1.0")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()

	dir := t.TempDir()
	file := filepath.Join(dir, "values.yaml")
	in := "# web\nimage: " + host + "/web:1.0  # the server\n"
	if err := os.WriteFile(file, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run(t.Context(), config{check: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 1 || !strings.Contains(out.String(), "values.yaml:2: image: "+host+"/web:1.0: not pinned") {
		t.Errorf("check before pinning: exit %d\n%s%s", code, out.String(), errs.String())
	}
	lock := filepath.Join(dir, "images.lock.yaml")
	out.Reset()
	if code := run(t.Context(), config{lock: lock, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 0 {
		t.Fatalf("pin: exit %d\n%s", code, errs.String())
	}
	got, _ := os.ReadFile(file)
	if want := "# web\nimage: " + host + "/web:1.0@" + d.String() + "  # the server\n"; string(got) != want {
		t.Errorf("pinned file:\n%s\nwant:\n%s", got, want)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
	// The registry is gone: the lock file alone pins another copy, offline.
	srv.Close()
	other := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(other, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run(t.Context(), config{lock: lock, offline: true, jobs: 4, files: []string{other}}, io.Discard, &errs, authn.DefaultKeychain); code != 0 {
		t.Fatalf("offline pin from the lock: exit %d\n%s", code, errs.String())
	}
	if again, _ := os.ReadFile(other); string(again) != string(got) {
		t.Errorf("offline pin:\n%s", again)
	}
	out.Reset()
	if code := run(t.Context(), config{check: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 0 || out.Len() != 0 {
		t.Errorf("check after pinning: exit %d\n%s", code, out.String())
	}
}

// TestBadFiles: a file that is not YAML, too large, or has a word that is no reference under an
// image key exits 2, and is left as it was.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"invalid.yaml": []byte("image: [unclosed\n"),
		"word.yaml":    []byte("image: 'UPPER:::bad'\n"),
		"large.yaml":   bytes.Repeat([]byte("# filler line\n"), (32<<20)/14+1),
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, check := range []bool{false, true} {
			var out, errs bytes.Buffer
			if code := run(t.Context(), config{check: check, offline: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 2 {
				t.Errorf("%s (check %v): exit %d, want 2: %s", name, check, code, errs.String())
			}
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, data) {
			t.Errorf("%s was changed", name)
		}
	}
}
