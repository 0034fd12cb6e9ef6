package branch_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	ggcr "github.com/google/go-containerregistry/pkg/v1/remote"
	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/branch/github"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
)

// fakePulls answers GitHub's pull request endpoints as GitHub does, including 422 for a second
// open pull request from the same head into the same base, and records every pull request.
type fakePulls struct {
	mu       sync.Mutex
	requests []string
	pulls    []map[string]any
}

func (f *fakePulls) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	send := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		send(401, map[string]string{"message": "Bad credentials"})
		return
	}
	var owner, repo string
	var number int
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != "repos" || parts[3] != "pulls" {
		send(404, map[string]string{"message": "Not Found"})
		return
	}
	owner, repo = parts[1], parts[2]
	if len(parts) == 5 {
		fmt.Sscan(parts[4], &number)
	}
	full := owner + "/" + repo
	switch {
	case r.Method == http.MethodGet && number == 0:
		q := r.URL.Query()
		out := []map[string]any{}
		for _, p := range f.pulls {
			if p["repo"] == full && p["state"] == q.Get("state") && p["head_label"] == q.Get("head") && p["base_ref"] == q.Get("base") {
				out = append(out, p)
			}
		}
		send(200, out)
	case r.Method == http.MethodPost && number == 0:
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		head, _ := req["head"].(string)
		if !strings.Contains(head, ":") {
			head = owner + ":" + head
		}
		for _, p := range f.pulls {
			if p["repo"] == full && p["state"] == "open" && p["head_label"] == head && p["base_ref"] == req["base"] {
				send(422, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for " + head + "."}}})
				return
			}
		}
		n := len(f.pulls) + 1
		p := map[string]any{"number": n, "repo": full, "state": "open", "head_label": head, "base_ref": req["base"],
			"title": req["title"], "body": req["body"], "html_url": fmt.Sprintf("https://github.com/%s/pull/%d", full, n)}
		f.pulls = append(f.pulls, p)
		send(201, p)
	case r.Method == http.MethodPatch && number > 0 && number <= len(f.pulls):
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		p := f.pulls[number-1]
		p["title"], p["body"] = req["title"], req["body"]
		send(200, p)
	default:
		send(404, map[string]string{"message": "Not Found"})
	}
}

// summary lists the recorded pull requests, sorted.
func (f *fakePulls) summary() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, p := range f.pulls {
		out = append(out, fmt.Sprintf("%s %s→%s %q", p["repo"], p["head_label"], p["base_ref"], p["title"]))
	}
	slices.Sort(out)
	return out
}

const testToken = "ghp_BranchSecretToken5678"

func pullRequests(t *testing.T, f *fakePulls) *github.PullRequests {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	base, upload := srv.URL+"/", srv.URL+"/uploads/"
	c, err := gh.NewClient(gh.WithURLs(&base, &upload), gh.WithAuthToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	prs, err := github.New(c, "istio")
	if err != nil {
		t.Fatal(err)
	}
	return prs
}

// istioManifest is Istio's branch manifest over the test's repositories: every one on master.
func istioManifest(remotes map[string]*remote) *manifest.Manifest {
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{}}
	for name, r := range remotes {
		m.Dependencies[name] = &manifest.Dependency{Git: r.bare, Branch: "master"}
	}
	return m
}

func reportText(t *testing.T, r *branch.Report) string {
	t.Helper()
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestIstioSteps runs the five steps of branch/plans/istio.yaml over ten repositories shaped
// like Istio's: a dry run of each against a golden report, and real runs of steps 2 and
// 4, the second after a failure half-way and then once more.
func TestIstioSteps(t *testing.T) {
	dir := t.TempDir()
	remotes := istioRepos(t, dir)
	m := istioManifest(remotes)
	plan, err := branch.Load("plans/istio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Step 5 reads the build-tools tags from a registry of the test's: builds of the release
	// branch by commit and by date (tools' build-and-push.sh), newer per-architecture and
	// master builds, and the newest build not the highest in string order.
	host := buildTools(t, map[string]time.Time{
		"release-1.30-" + strings.Repeat("a", 40):            time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC),
		"release-1.30-" + strings.Repeat("b", 40):            time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC),
		"master-" + strings.Repeat("c", 40):                  time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
		"release-1.30-" + strings.Repeat("d", 40) + "-amd64": time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC),
		"release-1.30-latest-amd64":                          time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC),
		"release-1.30-2026-03-01T10-00-00":                   time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
	})
	newest := plan.Steps[4].Actions[1].Replace.NewestTag
	newest.Image = strings.Replace(newest.Image, "gcr.io", host, 1)
	env := goEnv(t, goProxy(t, filepath.Join(dir, "proxy")))
	fake := &fakePulls{}
	prs := pullRequests(t, fake)
	step := func(n int, dry bool) (*branch.Report, error) {
		t.Helper()
		return branch.Run(t.Context(), plan, m, "1.30", n,
			branch.WithWorkDir(filepath.Join(dir, "branch")), branch.WithEnv(env), branch.WithDryRun(dry),
			branch.WithPullRequests(prs), branch.WithJobs(2))
	}
	dry := func(n int) {
		t.Helper()
		r, err := step(n, true)
		if err != nil {
			t.Fatalf("step %d: %v\n%s", n, err, reportText(t, r))
		}
		text := strings.ReplaceAll(reportText(t, r), host, "registry.test")
		golden.Assert(t, fmt.Sprintf("testdata/istio/step%d.txt", n), []byte(text))
	}

	dry(1)
	dry(2)
	if got := remotes["istio"].head("release-1.30"); got != "" {
		t.Fatalf("a dry run created release-1.30 at %s", got)
	}
	r, err := step(2, false)
	if err != nil {
		t.Fatalf("step 2: %v\n%s", err, reportText(t, r))
	}
	for name, rm := range remotes {
		want := rm.head("master")
		if name == "test-infra" {
			want = ""
		}
		if got := rm.head("release-1.30"); got != want {
			t.Errorf("%s: release-1.30 at %q, want %q", name, got, want)
		}
	}
	// Again: every branch exists at its commit, so nothing is pushed.
	r, err = step(2, false)
	if err != nil {
		t.Fatal(err)
	}
	if text := reportText(t, r); strings.Count(text, "exists at") != len(remotes)-1 || strings.Contains(text, "created") {
		t.Errorf("second run of step 2:\n%s", text)
	}

	dry(3)
	dry(4)
	dry(5)

	// Step 4 for real, with api refusing pushes: every other repository still gets its pull
	// request, and the step fails naming api.
	hook := filepath.Join(remotes["api"].bare, "hooks", "pre-receive")
	if err := os.WriteFile(hook, []byte("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err = step(4, false)
	var failed []string
	for _, o := range r.Repos {
		if o.Err != nil {
			failed = append(failed, o.Repo)
		}
	}
	if err == nil || !strings.HasPrefix(err.Error(), "api: ") || !slices.Equal(failed, []string{"api"}) {
		t.Fatalf("step 4 with api closed: got %v, failed %q, want api alone\n%s", err, failed, reportText(t, r))
	}
	first := fake.summary()
	if len(first) != 7 {
		t.Errorf("after the failed run: %d pull requests, want 7 (8 changed repositories, api failed):\n%s", len(first), strings.Join(first, "\n"))
	}
	if err := os.Remove(hook); err != nil {
		t.Fatal(err)
	}
	r, err = step(4, false)
	if err != nil {
		t.Fatalf("rerun of step 4: %v\n%s", err, reportText(t, r))
	}
	rerun := reportText(t, r)
	if got := strings.Count(rerun, "is already at it"); got != 7 {
		t.Errorf("rerun: %d repositories already pushed, want 7:\n%s", got, rerun)
	}
	if !strings.Contains(rerun, "opened pull request https://github.com/istio/api/pull/") {
		t.Errorf("rerun did not open api's pull request:\n%s", rerun)
	}
	all := fake.summary()
	golden.Assert(t, "testdata/istio/step4-pulls.txt", []byte(strings.Join(all, "\n")+"\n"))
	for _, name := range []string{"istio", "api", "tools", "release-builder", "enhancements"} {
		if got := remotes[name].file("automatedBranchStep4", "CODEOWNERS"); got != "* @istio/release-managers-1-30" {
			t.Errorf("%s: CODEOWNERS on the work branch is %q", name, got)
		}
	}
	// Once more: the same commits, nothing pushed, no pull request opened twice.
	if _, err := step(4, false); err != nil {
		t.Fatal(err)
	}
	if got := fake.summary(); !slices.Equal(got, all) {
		t.Errorf("third run changed the pull requests:\n%s", strings.Join(got, "\n"))
	}
	if strings.Contains(strings.Join(fake.requests, "\n"), testToken) {
		t.Error("the token reached a request path")
	}
}

// buildTools serves an in-process registry holding istio-testing/build-tools at each tag,
// an image created at the time given, and returns the registry's host.
func buildTools(t *testing.T, tags map[string]time.Time) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for tag, created := range tags {
		img, err := mutate.CreatedAt(empty.Image, v1.Time{Time: created})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := name.NewTag(host + "/istio-testing/build-tools:" + tag)
		if err != nil {
			t.Fatal(err)
		}
		if err := ggcr.Write(ref, img); err != nil {
			t.Fatal(err)
		}
	}
	return host
}
