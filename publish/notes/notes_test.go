package notes_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/publish/notes"
)

// repo is a git repository whose commits are dated a minute apart.
type repo struct {
	t   *testing.T
	dir string
	n   int
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	date := fmt.Sprintf("2024-05-01T12:%02d:00Z", r.n)
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE="+date, "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *repo) commit(subject string) string {
	r.n++
	r.git("commit", "-q", "--allow-empty", "-m", subject)
	return r.git("rev-parse", "HEAD")
}

func newRepo(t *testing.T) *repo {
	r := &repo{t: t, dir: t.TempDir()}
	r.git("init", "-q", "-b", "main")
	return r
}

// TestFromGit: the notes of 1.1.0 list the commits since 1.0.0 (not since 1.1.0-rc.1, a
// pre-release, nor 0.9.0), merges left out, grouped by type, breaking changes first, with
// credentials removed from subjects; the same commits give the same notes.
func TestFromGit(t *testing.T) {
	r := newRepo(t)
	r.commit("feat: the first feature")
	r.git("tag", "0.9.0")
	r.commit("fix: an old bug")
	r.git("tag", "v1.0.0")
	feat := r.commit("feat(api): list releases")
	r.git("tag", "1.1.0-rc.1")
	r.git("checkout", "-q", "-b", "topic")
	fix := r.commit("fix: fetch from https://bot:ghp_Secret123@git.example/app.git again")
	r.git("checkout", "-q", "main")
	brk := r.commit("refactor(cli)!: drop -old")
	r.n++
	r.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
	other := r.commit("bump dependencies")
	head := r.git("rev-parse", "HEAD")
	r.git("tag", "1.2.0") // later than the release: not the previous one

	c, err := notes.FromGit(t.Context(), r.dir, head, "1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	want := `## Changes since v1.0.0

### Breaking changes

- **cli:** drop -old (` + brk[:12] + `)

### Features

- **api:** list releases (` + feat[:12] + `)

### Bug fixes

- fetch from https://git.example/app.git again (` + fix[:12] + `)

### Other changes

- bump dependencies (` + other[:12] + `)
`
	if diff := cmp.Diff(want, c.Markdown()); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	again, _ := notes.FromGit(t.Context(), r.dir, head, "1.1.0")
	if again.Markdown() != c.Markdown() {
		t.Error("the same commits gave other notes")
	}

	// A pre-release follows the tag before it, pre-releases included.
	if c, err := notes.FromGit(t.Context(), r.dir, head, "1.1.0-rc.2"); err != nil || c.Previous != "1.1.0-rc.1" || len(c.Commits) != 3 {
		t.Errorf("rc.2: %+v, %v", c, err)
	}
	// The first release lists every commit.
	if c, err := notes.FromGit(t.Context(), r.dir, head, "0.1.0"); err != nil || c.Previous != "" || len(c.Commits) != 6 {
		t.Errorf("first release: %+v, %v", c, err)
	}
	for _, tc := range []struct{ to, version string }{{"main", "1.1.0"}, {head, "one"}, {strings.Repeat("0", 40), "1.1.0"}} {
		if _, err := notes.FromGit(t.Context(), r.dir, tc.to, tc.version); err == nil {
			t.Errorf("%s %s: no error", tc.to, tc.version)
		}
	}
}

// TestPlain: without any conventional subject the commits are one list.
func TestPlain(t *testing.T) {
	r := newRepo(t)
	r.commit("Initial import")
	r.git("tag", "v0.1.0")
	a := r.commit("Add the list command")
	c, err := notes.FromGit(t.Context(), r.dir, a, "0.2.0")
	if err != nil {
		t.Fatal(err)
	}
	want := "## Changes since v0.1.0\n\n### Commits\n\n- Add the list command (" + a[:12] + ")\n"
	if got := c.Markdown(); got != want {
		t.Errorf("notes:\n%s\nwant:\n%s", got, want)
	}
	if got := (&notes.Changes{Version: "0.2.0", Previous: "v0.1.0"}).Markdown(); !strings.Contains(got, "No changes.") {
		t.Errorf("no commits: %q", got)
	}
}

// TestBounded: past MaxCommits the older commits are counted, and the body never passes
// MaxBody.
func TestBounded(t *testing.T) {
	long := strings.Repeat("x", 2000)
	c := &notes.Changes{Version: "2.0.0", More: 7}
	for i := range notes.MaxCommits {
		c.Commits = append(c.Commits, notes.Commit{SHA: fmt.Sprintf("%040x", i), Subject: long})
	}
	md := c.Markdown()
	if len(md) > notes.MaxBody+100 || !strings.HasSuffix(md, "(cut: the notes are longer than GitHub takes)\n") {
		t.Errorf("%d bytes, ends %q", len(md), md[len(md)-60:])
	}
	c.Commits = c.Commits[:2]
	if md := c.Markdown(); !strings.Contains(md, "And 7 older commits.") {
		t.Errorf("more: %s", md[len(md)-40:])
	}
}

// TestShallowRefused: the notes of a shallow clone would miss commits: refused, saying why.
func TestShallowRefused(t *testing.T) {
	r := newRepo(t)
	r.commit("feat: one")
	r.git("tag", "v1.0.0")
	r.commit("feat: two")
	head := r.commit("fix: three")
	shallow := filepath.Join(t.TempDir(), "shallow")
	if out, err := exec.Command("git", "clone", "--quiet", "--depth", "1", "--no-local", "file://"+r.dir, shallow).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if _, err := notes.FromGit(t.Context(), shallow, head, "1.1.0"); err == nil || !strings.Contains(err.Error(), "is a shallow repository") {
		t.Errorf("shallow: %v", err)
	}
}
