package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1.0.0\ndependencies:\n  api: {branch: main}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), config{path: bad}, &stdout, &stderr); code != 2 {
		t.Errorf("bad manifest: exit %d, want 2", code)
	}
	if want := bad + ":3:17: dependencies.api.branch: needs git\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a bad manifest wrote output: %v", err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	if code := run(t.Context(), config{path: missing}, &stdout, &stderr); code != 1 {
		t.Errorf("missing manifest: exit %d, want 1", code)
	}

	unresolvable := filepath.Join(dir, "unresolvable.yaml")
	text := "version: 1.0.0\ndirectory: " + dir + "\ndependencies:\n  api: {localpath: " + filepath.Join(dir, "nowhere") + "}\n"
	if err := os.WriteFile(unresolvable, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(t.Context(), config{path: unresolvable}, &stdout, &stderr); code != 1 {
		t.Errorf("unresolvable: exit %d, want 1", code)
	}
	if !strings.HasPrefix(stderr.String(), "resolve api: localpath ") {
		t.Errorf("stderr = %q, want a resolve error naming the dependency", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "manifest.yaml")); !os.IsNotExist(err) {
		t.Errorf("a failed resolve wrote a manifest: %v", err)
	}

	stderr.Reset()
	if code := run(t.Context(), config{path: unresolvable, epoch: "yesterday"}, &stdout, &stderr); code != 2 {
		t.Errorf("bad SOURCE_DATE_EPOCH: exit %d, want 2 (%s)", code, stderr.String())
	}
}
