package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotes: the GitHub release's notes come from -notes-file, or from -notes-git's commits
// since the previous tag up to the commit the release records; bad combinations are exit 2.
func TestNotes(t *testing.T) {
	repo := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE=2024-05-01T12:00:00Z",
			"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE=2024-05-01T12:00:00Z", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q", "-b", "main")
	git("commit", "-q", "--allow-empty", "-m", "feat: the start")
	git("tag", "v0.9.0")
	git("commit", "-q", "--allow-empty", "-m", "feat(api): list releases")
	sha := git("rev-parse", "HEAD")
	git("commit", "-q", "--allow-empty", "-m", "fix: after the release")

	fake := &fakeGitHub{token: "tok"}
	server := httptest.NewServer(fake)
	defer server.Close()
	srv := server.URL
	env := func(k string) string { return map[string]string{"GITHUB_TOKEN": "tok"}[k] }
	notesFile := filepath.Join(t.TempDir(), "NOTES.md")
	os.WriteFile(notesFile, []byte("Hand-written notes.\n"), 0o644)
	for name, tc := range map[string]struct {
		c    config
		code int
		body string
	}{
		"git":          {config{notesGit: repo}, 0, "## Changes since v0.9.0\n\n### Features\n\n- **api:** list releases (" + sha[:12] + ")\n"},
		"file":         {config{notesFile: notesFile}, 0, "Hand-written notes.\n"},
		"both":         {config{notesFile: notesFile, notesGit: repo}, 2, ""},
		"unknown dep":  {config{notesGit: repo, notesDependency: "nope"}, 2, ""},
		"missing file": {config{notesFile: notesFile + ".missing"}, 2, ""},
	} {
		fake.mu.Lock()
		fake.bodies = nil
		fake.mu.Unlock()
		c := tc.c
		c.release, c.github, c.githubAPI, c.jobs, c.skipValidation = releaseDirAt(t, sha), "o/r", srv+"/", 1, true
		var out, errOut bytes.Buffer
		code := run(t.Context(), c, env, &out, &errOut)
		fake.mu.Lock()
		bodies := fake.bodies
		fake.mu.Unlock()
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d: %s", name, code, tc.code, errOut.String())
			continue
		}
		if code == 0 && (len(bodies) != 1 || bodies[0] != tc.body) {
			t.Errorf("%s: bodies %q, want %q", name, bodies, tc.body)
		}
		if code != 0 && len(bodies) != 0 {
			t.Errorf("%s: created a release", name)
		}
	}
}
