package github_test

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/github"
)

// fakeGitHub answers the release endpoints as GitHub does, including 422 for a release or an
// asset that exists, and records every request.
type fakeGitHub struct {
	mu       sync.Mutex
	token    string
	requests []string
	releases []map[string]any
	assets   map[int][]map[string]any
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"message": "Bad credentials"})
		return
	}
	send := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/repos/o/r/releases/tags/"):
		tag := strings.TrimPrefix(p, "/repos/o/r/releases/tags/")
		for _, rel := range f.releases {
			if rel["tag_name"] == tag && rel["draft"] != true {
				send(200, rel)
				return
			}
		}
		send(404, map[string]string{"message": "Not Found"})
	case r.Method == http.MethodGet && p == "/repos/o/r/releases":
		send(200, f.releases)
	case r.Method == http.MethodPost && p == "/repos/o/r/releases":
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		for _, rel := range f.releases {
			if rel["tag_name"] == req["tag_name"] {
				send(422, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "Release", "code": "already_exists", "field": "tag_name"}}})
				return
			}
		}
		req["id"] = len(f.releases) + 1
		f.releases = append(f.releases, req)
		send(201, req)
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/assets"):
		var id int
		fmt.Sscanf(p, "/repos/o/r/releases/%d/assets", &id)
		list := f.assets[id]
		if list == nil {
			list = []map[string]any{}
		}
		send(200, list)
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/api/uploads/repos/o/r/releases/"):
		var id int
		fmt.Sscanf(p, "/api/uploads/repos/o/r/releases/%d/assets", &id)
		name := r.URL.Query().Get("name")
		for _, a := range f.assets[id] {
			if a["name"] == name {
				send(422, map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}}})
				return
			}
		}
		data, _ := io.ReadAll(r.Body)
		a := map[string]any{"id": len(f.assets[id]) + 1, "name": name, "size": len(data), "digest": fmt.Sprintf("sha256:%x", sha256.Sum256(data))}
		f.assets[id] = append(f.assets[id], a)
		send(201, a)
	default:
		send(404, map[string]string{"message": "Not Found"})
	}
}

const token = "ghp_SecretTokenValue1234"

func client(t *testing.T, srv *httptest.Server, tok string) *gh.Client {
	base, upload := srv.URL+"/", srv.URL+"/api/uploads/"
	c, err := gh.NewClient(gh.WithURLs(&base, &upload), gh.WithAuthToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// releaseDir writes a minimal release directory: an archive, its checksum, SHA256SUMS, manifest.
func releaseDir(t *testing.T) *release.Dir {
	dir := t.TempDir()
	files := map[string]string{"app-1.0.0.tar.gz": "archive bytes", "deb/app.deb": "a deb"}
	var sums strings.Builder
	for _, name := range []string{"app-1.0.0.tar.gz", "deb/app.deb"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644)
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256([]byte(files[name])), name)
	}
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(`version: 1.0.0
releaseTime: "2024-05-01T12:00:00Z"
dependencies:
  app:
    git: https://github.com/o/r
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: branch main, commitTime: "2024-05-01T12:00:00Z"}
`), 0o644)
	r, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRelease(t *testing.T) {
	ctx := t.Context()
	fake := &fakeGitHub{token: token, assets: map[int][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	target, err := github.New(client(t, srv, token), "o/r", github.WithPrerelease())
	if err != nil {
		t.Fatal(err)
	}
	rel := releaseDir(t)
	p, _ := publish.New(rel, []publish.Target{target})
	plan, err := p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	plan.WriteTo(&text)
	if plan.Count(publish.Push) != 3 { // the release, the archive, SHA256SUMS
		t.Fatalf("plan:\n%s", text.String())
	}
	if err := p.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if len(fake.releases) != 1 || fake.releases[0]["prerelease"] != true || fake.releases[0]["tag_name"] != "1.0.0" {
		t.Errorf("releases = %v", fake.releases)
	}
	var names []string
	for _, a := range fake.assets[1] {
		names = append(names, a["name"].(string))
	}
	if strings.Join(names, ",") != "SHA256SUMS,app-1.0.0.tar.gz" {
		t.Errorf("assets = %v", names)
	}
	// The SHA256SUMS asset lists the assets, so that sha256sum -c passes on the downloads: not
	// deb/app.deb, which is not one.
	want := fmt.Sprintf("%x  app-1.0.0.tar.gz\n", sha256.Sum256([]byte("archive bytes")))
	if got := fake.assets[1][0]; got["size"] != len(want) || got["digest"] != fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(want))) {
		t.Errorf("the SHA256SUMS asset is %v, want %q", got, want)
	}

	// Again: identical, nothing is written.
	n := len(fake.requests)
	p, _ = publish.New(releaseDir(t), []publish.Target{target})
	plan, err = p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Count(publish.Skip) != 3 {
		text.Reset()
		plan.WriteTo(&text)
		t.Errorf("second plan:\n%s", text.String())
	}
	if err := p.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	for _, r := range fake.requests[n:] {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("second run wrote: %s", r)
		}
	}

	// An asset with other content is refused.
	fake.assets[1][1]["digest"] = "sha256:0000"
	p, _ = publish.New(releaseDir(t), []publish.Target{target})
	plan, err = p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx, plan); !errors.Is(err, publish.ErrExists) {
		t.Errorf("apply: %v, want ErrExists", err)
	}
}

// TestRace: the release is created by someone else between plan and apply (GitHub answers 422).
func TestRace(t *testing.T) {
	ctx := t.Context()
	fake := &fakeGitHub{token: token, assets: map[int][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	target, _ := github.New(client(t, srv, token), "o/r", github.WithDraft())
	p, _ := publish.New(releaseDir(t), []publish.Target{target})
	plan, err := p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fake.releases = append(fake.releases, map[string]any{"id": 1, "tag_name": "1.0.0", "draft": true})
	if err := p.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if len(fake.releases) != 1 || len(fake.assets[1]) != 2 {
		t.Errorf("releases %v, assets %v", fake.releases, fake.assets)
	}
}

// TestToken: a wrong token fails with an error that does not show it.
func TestToken(t *testing.T) {
	fake := &fakeGitHub{token: token, assets: map[int][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	wrong := token + "-wrong"
	target, _ := github.New(client(t, srv, wrong), "o/r")
	p, _ := publish.New(releaseDir(t), []publish.Target{target})
	_, err := p.Plan(t.Context())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("plan: %v", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error shows the token: %v", err)
	}
}

// TestChecksumsName: the checksums asset takes goreleaser's name from a template; a second run
// finds it by that name; a template that fails or gives no file name, or a name that an asset
// has already, is refused before anything is written.
func TestChecksumsName(t *testing.T) {
	ctx := t.Context()
	fake := &fakeGitHub{token: token, assets: map[int][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	target, err := github.New(client(t, srv, token), "o/r", github.WithTag("v1.0.0"), github.WithChecksumsName("{{.Name}}_{{.Version}}_checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		p, _ := publish.New(releaseDir(t), []publish.Target{target})
		plan, err := p.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(ctx, plan); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, a := range fake.assets[1] {
		names = append(names, a["name"].(string))
	}
	if strings.Join(names, ",") != "r_1.0.0_checksums.txt,app-1.0.0.tar.gz" {
		t.Errorf("assets = %v", names)
	}

	if _, err := github.New(client(t, srv, token), "o/r", github.WithChecksumsName("{{.Name")); err == nil {
		t.Error("a bad template was taken")
	}
	for _, tmpl := range []string{"{{.Project}}.txt", "../{{.Name}}.txt", "", "app-{{.Version}}.tar.gz"} {
		n := len(fake.requests)
		target, err := github.New(client(t, srv, token), "o/r", github.WithTag("v2"), github.WithChecksumsName(tmpl))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := publish.New(releaseDir(t), []publish.Target{target})
		if _, err := p.Plan(ctx); err == nil {
			t.Errorf("%q: planned", tmpl)
		}
		for _, r := range fake.requests[n:] {
			if !strings.HasPrefix(r, "GET ") {
				t.Errorf("%q: wrote %s", tmpl, r)
			}
		}
	}
}

// TestNotes: the release is created with the notes; the same notes again write nothing; other
// notes are a refusal, never an edit.
func TestNotes(t *testing.T) {
	ctx := t.Context()
	fake := &fakeGitHub{token: token, assets: map[int][]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	const body = "## Changes since 0.9.0\n\n### Features\n\n- list releases (0123456789ab)\n"
	publishWith := func(notes string) (*publish.Plan, error) {
		target, err := github.New(client(t, srv, token), "o/r", github.WithNotes(notes))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := publish.New(releaseDir(t), []publish.Target{target})
		plan, err := p.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return plan, p.Apply(ctx, plan)
	}
	if _, err := publishWith(body); err != nil {
		t.Fatal(err)
	}
	if len(fake.releases) != 1 || fake.releases[0]["body"] != body {
		t.Fatalf("releases = %v", fake.releases)
	}
	n := len(fake.requests)
	plan, err := publishWith(body)
	if err != nil || plan.Count(publish.Skip) != 3 {
		t.Errorf("again: %v, %d skipped", err, plan.Count(publish.Skip))
	}
	for _, r := range fake.requests[n:] {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("again: wrote %s", r)
		}
	}
	plan, err = publishWith("other notes\n")
	if !errors.Is(err, publish.ErrExists) || plan.Count(publish.Refuse) != 1 || fake.releases[0]["body"] != body {
		t.Errorf("other notes: %v, %d refused, body %q", err, plan.Count(publish.Refuse), fake.releases[0]["body"])
	}
	if _, err := github.New(client(t, srv, token), "o/r", github.WithNotes("")); err == nil {
		t.Error("empty notes were taken")
	}
	if _, err := github.New(client(t, srv, token), "o/r", github.WithNotes(strings.Repeat("x", 200_000))); err == nil {
		t.Error("notes past GitHub's limit were taken")
	}
}
