package github_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/github"
)

// fakeGitData answers GitHub's git data endpoints for tags and references, as GitHub does:
// 404 for a missing reference, 422 for one that exists.
type fakeGitData struct {
	mu      sync.Mutex
	refs    map[string]map[string]any // "repo refs/tags/x" → the reference's object
	tags    map[string]map[string]any // "repo sha" → the tag object
	created []string
}

func (f *fakeGitData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	send := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/repos/mesh/"), "/", 4) // repo, git, ref|refs|tags, rest
	if len(parts) < 3 || parts[1] != "git" || r.Header.Get("Authorization") != "Bearer "+token {
		send(404, map[string]string{"message": "Not Found"})
		return
	}
	repo := parts[0]
	switch {
	case r.Method == http.MethodGet && parts[2] == "ref":
		ref := "refs/" + parts[3]
		if obj, ok := f.refs[repo+" "+ref]; ok {
			send(200, map[string]any{"ref": ref, "object": obj})
			return
		}
		send(404, map[string]string{"message": "Not Found"})
	case r.Method == http.MethodGet && parts[2] == "tags":
		if tag, ok := f.tags[repo+" "+parts[3]]; ok {
			send(200, tag)
			return
		}
		send(404, map[string]string{"message": "Not Found"})
	case r.Method == http.MethodPost && parts[2] == "tags":
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		sha := fmt.Sprintf("%040d", len(f.tags)+1)
		tag := map[string]any{"sha": sha, "tag": req["tag"], "message": req["message"], "tagger": req["tagger"],
			"object": map[string]any{"type": req["type"], "sha": req["object"]}}
		f.tags[repo+" "+sha] = tag
		send(201, tag)
	case r.Method == http.MethodPost && parts[2] == "refs":
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		if _, ok := f.refs[repo+" "+req["ref"]]; ok {
			send(422, map[string]string{"message": "Reference already exists"})
			return
		}
		f.refs[repo+" "+req["ref"]] = map[string]any{"type": "tag", "sha": req["sha"]}
		f.created = append(f.created, repo+" "+req["ref"])
		send(201, map[string]any{"ref": req["ref"], "object": f.refs[repo+" "+req["ref"]]})
	default:
		send(404, map[string]string{"message": "Not Found"})
	}
}

// TestTags: Istio's --github ORG tags every dependency's repository in the organization at its
// resolved commit (and v<version> with goversionenabled); a rerun leaves them, and a tag at
// another commit is refused, never moved.
func TestTags(t *testing.T) {
	ctx := t.Context()
	fake := &fakeGitData{refs: map[string]map[string]any{}, tags: map[string]map[string]any{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	dir := t.TempDir()
	istio, api, proxy := strings.Repeat("a", 40), strings.Repeat("b", 40), strings.Repeat("c", 40)
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(`version: 1.30.0
releaseTime: "2026-11-30T08:00:00Z"
dependencies:
  istio: {git: https://github.com/istio/istio, sha: `+istio+`, goversionenabled: true, resolved: {from: branch release-1.30, commitTime: "2026-11-30T08:00:00Z"}}
  api: {git: https://github.com/istio/api, sha: `+api+`, resolved: {from: branch release-1.30, commitTime: "2026-11-30T08:00:00Z"}}
  proxy: {git: https://github.com/istio/proxy, sha: `+proxy+`, resolved: {from: branch release-1.30, commitTime: "2026-11-30T08:00:00Z"}}
`), 0o644)
	rel, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// proxy is tagged already, at another commit.
	fake.refs["proxy refs/tags/1.30.0"] = map[string]any{"type": "commit", "sha": strings.Repeat("d", 40)}
	target, err := github.Tags(client(t, srv, token), "mesh")
	if err != nil {
		t.Fatal(err)
	}
	plan := func() map[string]string {
		t.Helper()
		actions, err := target.Plan(ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range actions {
			got[a.Object] = a.Op.String() + " " + a.Detail
		}
		return got
	}
	want := map[string]string{
		"github.com/mesh/api tag 1.30.0":    "push ",
		"github.com/mesh/istio tag 1.30.0":  "push ",
		"github.com/mesh/istio tag v1.30.0": "push ",
		"github.com/mesh/proxy tag 1.30.0":  "refuse (exists with other content) tags commit " + strings.Repeat("d", 40) + ", release is " + proxy,
	}
	if got := plan(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("plan:\n%v\nwant:\n%v", got, want)
	}
	actions, _ := target.Plan(ctx, rel)
	var push []publish.Action
	for _, a := range actions {
		if a.Op == publish.Push {
			push = append(push, a)
		}
	}
	if err := target.Apply(ctx, rel, push); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fake.created, ", "); got != "api refs/tags/1.30.0, istio refs/tags/1.30.0, istio refs/tags/v1.30.0" {
		t.Errorf("created %s", got)
	}
	for _, tag := range fake.tags {
		if tagger := tag["tagger"].(map[string]any); tagger["date"] != "2026-11-30T08:00:00Z" {
			t.Errorf("tag %v dated %v, want the release time", tag["tag"], tagger["date"])
		}
	}
	// A rerun leaves them all: the annotated tags are peeled to their commits.
	want["github.com/mesh/api tag 1.30.0"], want["github.com/mesh/istio tag 1.30.0"], want["github.com/mesh/istio tag v1.30.0"] = "skip (identical) ", "skip (identical) ", "skip (identical) "
	if got := plan(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rerun:\n%v\nwant:\n%v", got, want)
	}
	// Applied against a tag made meanwhile at another commit: refused.
	if err := target.Apply(ctx, rel, []publish.Action{{Object: "github.com/mesh/proxy tag 1.30.0"}}); err == nil || !strings.Contains(err.Error(), "tags commit") {
		t.Errorf("a tag moved under the plan: %v", err)
	}
}
