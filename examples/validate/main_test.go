package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A directory that is not a release fails the manifest check, and every other check is skipped;
// the JUnit report says the same.
func TestNotARelease(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(t.TempDir(), "junit_release_validation.xml")
	var out strings.Builder
	passed, err := check(t.Context(), dir, junit, &out)
	if err != nil {
		t.Fatal(err)
	}
	if passed {
		t.Error("an empty directory passed")
	}
	want := `FAIL manifest: manifest.yaml: missing: the release directory must hold its resolved manifest
SKIP checksums: the manifest did not load
SKIP archives: the manifest did not load
SKIP binaries: the manifest did not load
SKIP images: the manifest did not load
SKIP charts: the manifest did not load
SKIP packages: the manifest did not load
SKIP licenses: the manifest did not load
SKIP grafana: the manifest did not load
SKIP scanner: the manifest did not load
SKIP sbom: the manifest did not load
SKIP provenance: the manifest did not load
SKIP sources: the manifest did not load
Release validation FAILED (1 of 1 checks)
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suite struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatal(err)
	}
	if s := suites.Suite; s.Tests != 13 || s.Failures != 1 || s.Skipped != 12 {
		t.Errorf("JUnit suite: %+v", s)
	}
	// Nothing but the report is left beside it.
	entries, _ := os.ReadDir(filepath.Dir(junit))
	if len(entries) != 1 {
		t.Errorf("the report's folder holds %d files", len(entries))
	}
}

func TestMissingDirectory(t *testing.T) {
	if _, err := check(t.Context(), filepath.Join(t.TempDir(), "nope"), "", &strings.Builder{}); err == nil {
		t.Error("no error for a missing directory")
	}
}
