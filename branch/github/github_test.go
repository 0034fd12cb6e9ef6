package github_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/branch/github"
)

func TestRepository(t *testing.T) {
	for _, tc := range []struct {
		owner, url, want, err string
	}{
		{"", "https://github.com/istio/istio", "istio/istio", ""},
		{"", "https://x-access-token:ghs_x@github.com/kubernetes-csi/livenessprobe.git", "kubernetes-csi/livenessprobe", ""},
		{"my-org", "https://github.com/istio/api", "my-org/api", ""},
		{"my-org", "/srv/git/istio/client-go.git", "my-org/client-go", ""},
		{"", "https://gitlab.com/istio/istio", "", "https://gitlab.com/istio/istio is not a github.com repository (name the owner to use it)"},
		{"", "https://github.com/", "", "https://github.com/: no owner/name"},
	} {
		p, err := github.New(newClient(), tc.owner)
		if err != nil {
			t.Fatal(err)
		}
		owner, name, err := p.Repository(tc.url)
		got := owner + "/" + name
		if err != nil {
			got = ""
			if err.Error() != tc.err {
				t.Errorf("%s: error %v, want %s", tc.url, err, tc.err)
			}
		}
		if got != tc.want && !(got == "" && tc.want == "") {
			t.Errorf("%s (owner %q) = %s, want %s", tc.url, tc.owner, got, tc.want)
		}
	}
}

// TestOpenedMeanwhile checks the race GitHub answers with 422: no open pull request was listed,
// but one was opened before ours; it is found and updated, not duplicated.
func TestOpenedMeanwhile(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	lists := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		open := map[string]any{"number": 7, "title": "old", "html_url": "https://github.com/istio/istio/pull/7"}
		switch r.Method {
		case http.MethodGet:
			lists++
			if lists == 1 {
				json.NewEncoder(w).Encode([]any{})
				return
			}
			json.NewEncoder(w).Encode([]any{open})
		case http.MethodPost:
			w.WriteHeader(422)
			json.NewEncoder(w).Encode(map[string]any{"message": "Validation Failed", "errors": []map[string]string{{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for istio:automatedBranchStep4."}}})
		case http.MethodPatch:
			json.NewEncoder(w).Encode(open)
		}
	}))
	defer srv.Close()
	base, upload := srv.URL+"/", srv.URL+"/uploads/"
	c, err := gh.NewClient(gh.WithURLs(&base, &upload))
	if err != nil {
		t.Fatal(err)
	}
	p, err := github.New(c, "")
	if err != nil {
		t.Fatal(err)
	}
	url, created, err := p.OpenPullRequest(t.Context(), branch.PullRequest{
		Repo: "istio", URL: "https://github.com/istio/istio", Base: "release-1.30", Head: "automatedBranchStep4", Title: "[release-1.30] Automated branching step 4",
	})
	if err != nil || created || url != "https://github.com/istio/istio/pull/7" {
		t.Errorf("got %s, created %v, %v", url, created, err)
	}
	want := "GET /repos/istio/istio/pulls?base=release-1.30&head=istio%3AautomatedBranchStep4&state=open\n" +
		"POST /repos/istio/istio/pulls?\n" +
		"GET /repos/istio/istio/pulls?base=release-1.30&head=istio%3AautomatedBranchStep4&state=open\n" +
		"PATCH /repos/istio/istio/pulls/7?"
	if got := strings.Join(calls, "\n"); got != want {
		t.Errorf("calls:\n%s\nwant:\n%s", got, want)
	}
}

// TestHeadFromURL: release-builder's --prRepoOrg. The branch is pushed to the repository the
// manifest names (istio-testing's), and the pull request is opened in the organization's, from
// that owner's branch; a repository already in the organization opens one from its own branch.
func TestHeadFromURL(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			calls = append(calls, "GET "+r.URL.Path+" "+r.URL.Query().Get("head"))
			json.NewEncoder(w).Encode([]any{})
			return
		}
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		calls = append(calls, r.Method+" "+r.URL.Path+" "+req["head"].(string))
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]any{"number": 1, "html_url": "https://github.com" + r.URL.Path + "/1"})
	}))
	defer srv.Close()
	base, upload := srv.URL+"/", srv.URL+"/uploads/"
	c, err := gh.NewClient(gh.WithURLs(&base, &upload))
	if err != nil {
		t.Fatal(err)
	}
	p := &github.PullRequests{Client: c, Owner: "istio", HeadFromURL: true}
	for _, url := range []string{"https://github.com/istio-testing/api", "https://github.com/istio/istio"} {
		if _, created, err := p.OpenPullRequest(t.Context(), branch.PullRequest{URL: url, Base: "release-1.30", Head: "automatedBranchStep4", Title: "t"}); err != nil || !created {
			t.Errorf("%s: created %v, %v", url, created, err)
		}
	}
	want := "GET /repos/istio/api/pulls istio-testing:automatedBranchStep4\nPOST /repos/istio/api/pulls istio-testing:automatedBranchStep4\n" +
		"GET /repos/istio/istio/pulls istio:automatedBranchStep4\nPOST /repos/istio/istio/pulls automatedBranchStep4"
	if got := strings.Join(calls, "\n"); got != want {
		t.Errorf("calls:\n%s\nwant:\n%s", got, want)
	}
}

func newClient() *gh.Client {
	c, err := gh.NewClient()
	if err != nil {
		panic(err)
	}
	return c
}

func TestPushURL(t *testing.T) {
	push := github.PushURL("ghs_Secret")
	for in, want := range map[string]string{
		"https://github.com/istio/istio": "https://x-access-token:ghs_Secret@github.com/istio/istio",
		"https://gitlab.com/istio/istio": "https://gitlab.com/istio/istio",
		"/srv/git/istio.git":             "/srv/git/istio.git",
		"git@github.com:istio/istio.git": "git@github.com:istio/istio.git",
	} {
		if got := push("istio", in); got != want {
			t.Errorf("PushURL(%s) = %s, want %s", in, got, want)
		}
	}
	if got := github.ForkURL("istio-bot", "tok")("istio", "https://github.com/istio/istio.git"); got != "https://x-access-token:tok@github.com/istio-bot/istio.git" {
		t.Errorf("ForkURL = %s", got)
	}
}
