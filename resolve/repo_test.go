package resolve_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasekit/releasekit/internal/gitx"
)

// repo is a git repository made by a test, with fixed identities and dates so that its commit
// SHAs are the same on every run.
type repo struct {
	t    *testing.T
	dir  string
	when time.Time
}

func newRepo(t *testing.T, dir string) *repo {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := &repo{t: t, dir: dir, when: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	r.git("init", "--quiet", "--initial-branch=main")
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	date := r.when.Format(time.RFC3339)
	g := gitx.At(r.dir,
		"GIT_AUTHOR_NAME=Release Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Release Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE="+date,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := g.Run(r.t.Context(), args...)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// commit writes files (path → content; empty content deletes) and commits them, an hour after the
// previous commit. It returns the commit's SHA.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.when = r.when.Add(time.Hour)
	for name, content := range files {
		p := filepath.Join(r.dir, filepath.FromSlash(name))
		if content == "" {
			r.git("rm", "--quiet", name)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
		r.git("add", name)
	}
	r.git("commit", "--quiet", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// pseudo returns a Go pseudo-version naming commit sha made at the repo's current time.
func (r *repo) pseudo(sha string) string {
	return fmt.Sprintf("v0.0.0-%s-%s", r.when.UTC().Format("20060102150405"), sha[:12])
}

// scrub replaces the test's temporary directory in s, so that golden files do not depend on it.
func scrub(s, dir string) string {
	return strings.ReplaceAll(s, dir, "$WORK")
}
