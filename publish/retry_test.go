package publish_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/releasekit/releasekit/publish"
)

// unavailable is a registry that answers 503 to the requests its fail function picks, and
// otherwise says every blob is there and no manifest is; it counts requests by method and kind.
type unavailable struct {
	fail func(r *http.Request) bool
	mu   sync.Mutex
	seen map[string]int // "HEAD manifests", "PUT manifests", …
}

func (u *unavailable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind := "other"
	for _, k := range []string{"manifests", "blobs"} {
		if strings.Contains(r.URL.Path, "/"+k+"/") {
			kind = k
		}
	}
	u.mu.Lock()
	u.seen[r.Method+" "+kind]++
	u.mu.Unlock()
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case u.fail(r):
		w.WriteHeader(http.StatusServiceUnavailable)
	case kind == "blobs" && r.Method == http.MethodHead:
		w.Header().Set("Content-Length", "1")
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestRetryCount: a request is tried exactly as many times as WithRetry says, whether the
// transport repeats it (a HEAD while planning) or go-containerregistry repeats the operation (a
// manifest write): one retry layer, not one inside another.
func TestRetryCount(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	for _, steps := range []int{1, 3, 8} {
		retry := publish.WithRetry(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: steps})

		// Planning: the HEAD of one tag.
		u := &unavailable{seen: map[string]int{}, fail: func(r *http.Request) bool { return r.Method == http.MethodHead }}
		srv := httptest.NewServer(u)
		images, err := publish.Images(strings.TrimPrefix(srv.URL, "http://")+"/org", retry, publish.WithJobs(1))
		if err != nil {
			t.Fatal(err)
		}
		p, err := publish.New(open(t, f), []publish.Target{images})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Plan(ctx); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("steps %d: plan: %v, want the 503", steps, err)
		}
		if got := u.seen["HEAD manifests"]; got != steps {
			t.Errorf("steps %d: a HEAD answered 503 was sent %d times", steps, got)
		}
		srv.Close()

		// Applying: manifests are missing, blobs present, and every manifest write fails.
		u = &unavailable{seen: map[string]int{}, fail: func(r *http.Request) bool { return r.Method == http.MethodPut }}
		srv = httptest.NewServer(u)
		images, err = publish.Images(strings.TrimPrefix(srv.URL, "http://")+"/org", retry, publish.WithJobs(1))
		if err != nil {
			t.Fatal(err)
		}
		p, err = publish.New(open(t, f), []publish.Target{images})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := p.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(ctx, pl); err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("steps %d: apply: %v, want the 503", steps, err)
		}
		// One image's first manifest write fails, and nothing is written after it.
		if got := u.seen["PUT manifests"]; got != steps {
			t.Errorf("steps %d: a manifest write answered 503 was sent %d times", steps, got)
		}
		srv.Close()
	}
}
