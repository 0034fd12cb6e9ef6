package registrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Server is a registry for a test.
type Server struct {
	// URL is "http://127.0.0.1:port"; Host is "127.0.0.1:port", the registry part of references.
	URL, Host string

	// Requests counts requests that reached the registry; Faults those answered by a fault.
	Requests, Faults atomic.Int64
	// BlobBytes counts the bytes of blob uploads (PATCH and PUT bodies) that reached it.
	BlobBytes atomic.Int64

	upstream http.Handler
	rate     float64
	user     string
	password string

	mu         sync.Mutex
	rng        *rand.Rand
	violations []string
}

// Option configures a Server.
type Option func(*Server)

// WithFaults answers rate (0..1) of requests with a fault, chosen with seed: the connection
// dropped before or after the registry saw the request, or a 500, 503 or 429.
func WithFaults(rate float64, seed uint64) Option {
	return func(s *Server) {
		s.rate = rate
		s.rng = rand.New(rand.NewPCG(seed, seed^0x5eed))
	}
}

// WithBasicAuth asks for these credentials.
func WithBasicAuth(user, password string) Option {
	return func(s *Server) { s.user, s.password = user, password }
}

// New serves go-containerregistry's in-process registry.
func New(t testing.TB, opts ...Option) *Server {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	return start(t, reg, opts)
}

// Proxy serves a proxy to the registry at upstream (e.g. a distribution registry).
func Proxy(t testing.TB, upstream string, opts ...Option) *Server {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.ErrorLog = log.New(io.Discard, "", 0)
	return start(t, p, opts)
}

func start(t testing.TB, upstream http.Handler, opts []Option) *Server {
	s := &Server{upstream: upstream}
	for _, o := range opts {
		o(s)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	s.Host = strings.TrimPrefix(srv.URL, "http://")
	return s
}

// Violations lists the tags that were written while something they point to was missing.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

type fault int

const (
	none fault = iota
	dropBefore
	dropAfter
	status500
	status503
	status429
)

func (s *Server) fault() fault {
	if s.rate == 0 {
		return none
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rng.Float64() >= s.rate {
		return none
	}
	return fault(1 + s.rng.IntN(5))
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
	}
	f := s.fault()
	if f != none {
		s.Faults.Add(1)
	}
	switch f {
	case dropBefore:
		drop(w)
		return
	case status500, status503, status429:
		code := map[fault]int{status500: 500, status503: 503, status429: 429}[f]
		io.Copy(io.Discard, r.Body)
		http.Error(w, http.StatusText(code), code)
		return
	}
	s.Requests.Add(1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if strings.Contains(r.URL.Path, "/blobs/uploads/") && (r.Method == http.MethodPatch || r.Method == http.MethodPut) {
		s.BlobBytes.Add(int64(len(body)))
	}
	if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
		s.checkTag(r, body)
	}
	if f == dropAfter {
		s.upstream.ServeHTTP(httptest.NewRecorder(), r)
		drop(w)
		return
	}
	s.upstream.ServeHTTP(w, r)
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("registrytest: cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}

// checkTag records a violation when a manifest put by tag names a blob or manifest that the
// registry does not have.
func (s *Server) checkTag(r *http.Request, body []byte) {
	repo, ref, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/")
	if !ok || strings.HasPrefix(ref, "sha256:") {
		return
	}
	var m struct {
		Config    *struct{ Digest string }
		Layers    []struct{ Digest string }
		Manifests []struct{ Digest string }
	}
	if json.Unmarshal(body, &m) != nil {
		return
	}
	var missing []string
	exists := func(kind, d string) {
		req := httptest.NewRequest(http.MethodHead, "/v2/"+repo+"/"+kind+"/"+d, nil)
		req.Host = r.Host
		req.Header = r.Header.Clone()
		req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json")
		rec := httptest.NewRecorder()
		s.upstream.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			missing = append(missing, d)
		}
	}
	if m.Config != nil {
		exists("blobs", m.Config.Digest)
	}
	for _, l := range m.Layers {
		exists("blobs", l.Digest)
	}
	for _, c := range m.Manifests {
		exists("manifests", c.Digest)
	}
	if len(missing) > 0 {
		s.mu.Lock()
		s.violations = append(s.violations, fmt.Sprintf("%s:%s -> missing %s", repo, ref, strings.Join(missing, ", ")))
		s.mu.Unlock()
	}
}
