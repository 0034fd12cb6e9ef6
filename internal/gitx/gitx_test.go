package gitx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/internal/gitx"
)

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"https://user:token@github.com/x/y.git":           "https://github.com/x/y.git",
		"fatal: unable to access 'https://t0k3n@host/x/'": "fatal: unable to access 'https://host/x/'",
		"ssh://git@github.com/x/y":                        "ssh://github.com/x/y",
		"/local/path and https://host/x":                  "/local/path and https://host/x",
		"clone 'https://user:p@ss@host/r.git' failed":     "clone 'https://host/r.git' failed",
		"https://tok@host":                                "https://host",
	}
	for in, want := range tests {
		if got := gitx.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"https://a:b@h/p?q=1": "https://h/p?q=1", "https://user:p@ss@host/r.git": "https://host/r.git"} {
		if got := gitx.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorCarriesStderrWithoutSecrets(t *testing.T) {
	g := gitx.At(t.TempDir())
	_, err := g.Run(t.Context(), "ls-remote", "https://someone:hunter2@127.0.0.1:1/repo.git")
	var gerr *gitx.Error
	if !errors.As(err, &gerr) {
		t.Fatalf("err = %v, want *gitx.Error", err)
	}
	if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "someone") {
		t.Errorf("error shows credentials: %v", err)
	}
	if !strings.Contains(err.Error(), "git ls-remote https://127.0.0.1:1/repo.git") || gerr.Stderr == "" {
		t.Errorf("error lacks the command or git's message: %v", err)
	}
}

func TestIsFullSHA(t *testing.T) {
	for s, want := range map[string]bool{
		strings.Repeat("a", 40): true, strings.Repeat("A", 40): false, "abc": false, strings.Repeat("g", 40): false,
	} {
		if got := gitx.IsFullSHA(s); got != want {
			t.Errorf("IsFullSHA(%q) = %v", s, got)
		}
	}
}
