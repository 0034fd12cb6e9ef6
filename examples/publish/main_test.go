package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// releaseDir writes a small release directory, as a build records one: an archive, its
// .sha256, the manifest and SHA256SUMS.
func releaseDir(t *testing.T) string {
	return releaseDirAt(t, "0123456789abcdef0123456789abcdef01234567")
}

// releaseDirAt is releaseDir with the dependency at commit sha.
func releaseDirAt(t *testing.T, sha string) string {
	dir := t.TempDir()
	data := []byte("archive")
	if err := os.WriteFile(filepath.Join(dir, "app-1.0.0.tar.gz"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Parse(strings.NewReader(`version: 1.0.0
dependencies:
  app:
    git: https://example.com/app.git
    sha: `+sha+`
    resolved: {from: branch main, commitTime: "2024-05-01T12:00:00Z"}
`), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = release.Write(dir, release.Record{Manifest: m, Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Files: []manifest.Artifact{{Path: "app-1.0.0.tar.gz", Kind: manifest.OutputArchive, SHA256: fmt.Sprintf("%x", sha256.Sum256(data))}}})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPublish(t *testing.T) {
	rel := releaseDir(t)
	bucket := filepath.Join(t.TempDir(), "not", "yet") // a file:// folder is made when missing
	c := config{release: rel, bucket: "file://" + bucket, prefix: "app", aliases: "latest.txt", dryRun: true, jobs: 2, skipValidation: true}
	var out, errOut bytes.Buffer
	noenv := func(string) string { return "" }
	if code := run(t.Context(), c, noenv, &out, &errOut); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"push  files  file   file://" + bucket + "/app/1.0.0/app-1.0.0.tar.gz", "plan: 5 to push, 0 identical, 0 refused", "dry run: nothing written"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
	if entries, _ := os.ReadDir(bucket); len(entries) != 0 {
		t.Fatalf("dry run wrote %d entries", len(entries))
	}
	c.dryRun = false
	out.Reset()
	if code := run(t.Context(), c, noenv, &out, &errOut); code != 0 {
		t.Fatalf("publish: exit %d: %s", code, errOut.String())
	}
	if data, err := os.ReadFile(filepath.Join(bucket, "app", "latest.txt")); err != nil || string(data) != "1.0.0\n" {
		t.Errorf("alias: %q %v", data, err)
	}
	out.Reset()
	if code := run(t.Context(), c, noenv, &out, &errOut); code != 0 || !strings.Contains(out.String(), "plan: 0 to push, 5 identical, 0 refused") {
		t.Errorf("second run: exit %d:\n%s", code, out.String())
	}
}

// TestRefusesInvalid: a release that fails validation is not published, unless asked.
func TestRefusesInvalid(t *testing.T) {
	rel := releaseDir(t)
	if err := os.WriteFile(filepath.Join(rel, "app-1.0.0.tar.gz"), []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	bucket := t.TempDir()
	c := config{release: rel, bucket: "file://" + bucket, dryRun: false, jobs: 2}
	var out, errOut bytes.Buffer
	noenv := func(string) string { return "" }
	if code := run(t.Context(), c, noenv, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, errOut.String())
	}
	for _, want := range []string{"FAIL checksums: app-1.0.0.tar.gz: sha256", "the release fails validation: nothing published"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	if entries, _ := os.ReadDir(bucket); len(entries) != 0 {
		t.Errorf("an invalid release wrote %d entries", len(entries))
	}
	// -skip-validation publishes what is there, checked file by file against SHA256SUMS: the
	// damaged archive is still refused.
	c.skipValidation = true
	if code := run(t.Context(), c, noenv, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "app-1.0.0.tar.gz: sha256") {
		t.Errorf("skip validation: exit %d:\n%s", code, errOut.String())
	}
}

func TestUsage(t *testing.T) {
	rel := releaseDir(t)
	noenv := func(string) string { return "" }
	for name, c := range map[string]config{
		"no release": {bucket: "mem://"},
		"no target":  {release: rel},
		"no token":   {release: rel, github: "o/r"},
		"bad hub":    {release: rel, dockerHubs: hubs{"UPPER case"}},
		"helm url":   {release: rel, helmBucket: "mem://"},
		// More bad input, each exit 2 with nothing written.
		"a helm hub of another scheme": {release: rel, helmHubs: hubs{"http://x"}},
		"a docker hub with a scheme":   {release: rel, dockerHubs: hubs{"https://ghcr.io/org"}},
		"a missing release":            {release: filepath.Join(rel, "nowhere"), bucket: "mem://"},
		"a folder with no release":     {release: t.TempDir(), bucket: "mem://"},
		"a bucket of no known scheme":  {release: rel, bucket: "ftp://host/x"},
		"a missing sign key":           {release: rel, dockerHubs: hubs{"ghcr.io/org"}, signKey: filepath.Join(rel, "cosign.key")},
		"a sign key that is no key":    {release: rel, dockerHubs: hubs{"ghcr.io/org"}, signKey: filepath.Join(rel, "SHA256SUMS")},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), c, noenv, &out, &errOut); code != 2 {
			t.Errorf("%s: exit %d, want 2: %s", name, code, errOut.String())
		}
	}
	tok, err := githubToken("", func(k string) string { return map[string]string{"GH_TOKEN": "b"}[k] })
	if err != nil || tok != "b" {
		t.Errorf("GH_TOKEN: %q %v", tok, err)
	}
	if _, err := githubToken(filepath.Join(t.TempDir(), "missing"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing token file: %v", err)
	}
}
