package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBump(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run("", "../../validate/policy/testdata/release-25.0.0.yaml", "../../validate/policy/testdata/release-25.1.0.yaml", &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "release 25.0.0 -> 25.1.0: minor\n") || !strings.Contains(out.String(), "Version policy FAILED (5 violations)") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run("", "../../validate/policy/testdata/release-25.0.0.yaml", "../../validate/policy/testdata/release-25.0.0.yaml", &out, &errOut); code != 0 || !strings.Contains(out.String(), "Version policy PASSED") {
		t.Errorf("same release: exit %d:\n%s", code, out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: [\n"), 0o644)
	if code := run("", bad, bad, &out, &errOut); code != 2 {
		t.Errorf("bad input: exit %d", code)
	}
}
