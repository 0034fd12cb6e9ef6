package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub is the part of GitHub's API a release takes, behind a bearer token.
type fakeGitHub struct {
	token  string
	mu     sync.Mutex
	assets []string
	bodies []string // of the releases created
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	send := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		send(http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/repos/o/r/releases/tags/"):
		send(http.StatusNotFound, map[string]string{"message": "Not Found"})
	case r.Method == http.MethodGet && p == "/repos/o/r/releases":
		send(http.StatusOK, []any{})
	case r.Method == http.MethodPost && p == "/repos/o/r/releases":
		var req struct{ Body string }
		json.NewDecoder(r.Body).Decode(&req)
		f.bodies = append(f.bodies, req.Body)
		send(http.StatusCreated, map[string]any{"id": 1, "tag_name": "1.0.0", "body": req.Body})
	case r.Method == http.MethodGet && p == "/repos/o/r/releases/1/assets":
		send(http.StatusOK, []any{})
	case r.Method == http.MethodPost && p == "/api/uploads/repos/o/r/releases/1/assets":
		data, _ := io.ReadAll(r.Body)
		f.assets = append(f.assets, r.URL.Query().Get("name"))
		send(http.StatusCreated, map[string]any{"id": len(f.assets), "name": r.URL.Query().Get("name"), "size": len(data)})
	default:
		send(http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// TestGitHubToken publishes a release to a GitHub API with the token from GITHUB_TOKEN, then
// from a token file, and with a wrong token: the token is in no output or error.
func TestGitHubToken(t *testing.T) {
	const token = "ghp_s3cr3t0k3nVALUE"
	fake := &fakeGitHub{token: token}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	var all bytes.Buffer
	for name, c := range map[string]struct {
		env  map[string]string
		file string
		code int
	}{
		"GITHUB_TOKEN":  {env: map[string]string{"GITHUB_TOKEN": token}, code: 0},
		"a token file":  {file: tokenFile, code: 0},
		"a wrong token": {env: map[string]string{"GH_TOKEN": token + "-wrong"}, code: 1},
	} {
		cfg := config{release: releaseDir(t), github: "o/r", githubAPI: srv.URL + "/", tokenFile: c.file, dryRun: false, jobs: 1, skipValidation: true}
		var out, errOut bytes.Buffer
		code := run(t.Context(), cfg, func(k string) string { return c.env[k] }, &out, &errOut)
		fmt.Fprintf(&all, "%s\n%s%s", name, out.String(), errOut.String())
		if code != c.code {
			t.Errorf("%s: exit %d, want %d:\n%s%s", name, code, c.code, out.String(), errOut.String())
		}
	}
	if len(fake.assets) == 0 {
		t.Error("no asset was uploaded")
	}
	if strings.Contains(all.String(), "s3cr3t") {
		t.Errorf("the token is in the output:\n%s", all.String())
	}
	if !strings.Contains(all.String(), "401") {
		t.Errorf("the wrong token's error does not say 401:\n%s", all.String())
	}
}
