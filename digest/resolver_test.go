package digest_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/releasekit/releasekit/digest"
)

// image is a small image that differs by its label.
func image(t testing.TB, label string) v1.Image {
	t.Helper()
	img, err := mutate.Config(empty.Image, v1.Config{Labels: map[string]string{"name": label}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// serve starts an in-process registry holding the tags, behind handler wrappers, and returns its host.
type counter struct {
	head, get  atomic.Int64
	refuseHead atomic.Bool
}

func serve(t testing.TB, refuseHead bool, tags ...string) (string, *counter, map[string]digest.Digest) {
	t.Helper()
	c := &counter{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			switch r.Method {
			case http.MethodHead:
				c.head.Add(1)
				if c.refuseHead.Load() {
					w.WriteHeader(http.StatusMethodNotAllowed)
					return
				}
			case http.MethodGet:
				c.get.Add(1)
			}
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	digests := map[string]digest.Digest{}
	for _, tag := range tags {
		ref, err := name.ParseReference(host + "/" + tag)
		if err != nil {
			t.Fatal(err)
		}
		img := image(t, tag)
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		digests[host+"/"+tag] = digest.Digest(d.String())
	}
	c.refuseHead.Store(refuseHead)
	c.head.Store(0)
	c.get.Store(0)
	return host, c, digests
}

func TestRegistry(t *testing.T) {
	for _, refuseHead := range []bool{false, true} {
		t.Run(fmt.Sprintf("refuseHead=%v", refuseHead), func(t *testing.T) {
			host, c, want := serve(t, refuseHead, "app/a:1.0", "app/b:2.0")
			r, err := digest.NewRegistry()
			if err != nil {
				t.Fatal(err)
			}
			// Many references to two tags are asked once each.
			var refs []digest.Reference
			for i := range 50 {
				ref, _ := digest.Parse(fmt.Sprintf("%s/app/%s", host, map[bool]string{true: "a:1.0", false: "b:2.0"}[i%2 == 0]))
				refs = append(refs, ref)
			}
			got, err := digest.ResolveAll(t.Context(), r, refs, 8)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"app/a:1.0", "app/b:2.0"} {
				ref, _ := digest.Parse(host + "/" + s)
				if got[ref.Key()] != want[host+"/"+s] {
					t.Errorf("%s resolved to %s, want %s", s, got[ref.Key()], want[host+"/"+s])
				}
			}
			heads, gets := c.head.Load(), c.get.Load()
			if refuseHead && (heads != 2 || gets != 2) || !refuseHead && (heads != 2 || gets != 0) {
				t.Errorf("%d HEAD and %d GET requests", heads, gets)
			}
			missing, _ := digest.Parse(host + "/app/none:1.0")
			if _, err := r.Resolve(t.Context(), missing); !errors.Is(err, digest.ErrNotFound) {
				t.Errorf("resolving a missing tag: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestChainRecord(t *testing.T) {
	img := image(t, "built")
	built, _ := img.Digest()
	l := digest.NewLock()
	ref, _ := digest.Parse("registry.example/demo/hello:0.1.0")
	l.Add(ref, digest.Digest(built.String()))
	third := lockFor(t, "busybox:1.36")
	recorded := digest.NewLock()
	r := digest.Record(digest.Chain{l, third}, recorded)

	in := []byte("app:\n  image: registry.example/demo/hello:0.1.0\nhelper:\n  image: docker.io/library/busybox:1.36\n")
	out, _, err := digest.Pin(t.Context(), in, "values.yaml", r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "hello:0.1.0@"+built.String()) {
		t.Errorf("the built image is not pinned to its layout digest:\n%s", out)
	}
	// The lock written from what was resolved pins the same file with nothing else.
	lock, err := digest.ReadLock(recorded.Marshal(), digest.LockFile)
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := digest.Pin(t.Context(), in, "values.yaml", lock)
	if err != nil || string(again) != string(out) {
		t.Errorf("pinning from the lock: %v\n%s", err, again)
	}
	want := "# Image references and the digests they resolved to.\nimages:\n" +
		"  index.docker.io/library/busybox:1.36: " + string(fakeDigest(digest.Reference{Repository: "busybox", Tag: "1.36"})) + "\n" +
		"  registry.example/demo/hello:0.1.0: " + built.String() + "\n"
	if got := string(recorded.Marshal()); got != want {
		t.Errorf("lock file:\n%s\nwant:\n%s", got, want)
	}
	if _, err := digest.ReadLock([]byte("images:\n  busybox:1.36: sha256:short\n"), "images.lock.yaml"); err == nil || !strings.Contains(err.Error(), "images.lock.yaml: images.busybox:1.36:") {
		t.Errorf("a bad lock file: %v", err)
	}
	if _, err := (digest.Chain{l}).Resolve(t.Context(), digest.Reference{Repository: "nope"}); !errors.Is(err, digest.ErrNotFound) {
		t.Errorf("chain without an answer: %v", err)
	}
}

func TestParse(t *testing.T) {
	d := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		in   string
		want digest.Reference
		key  string
		bad  bool
	}{
		{in: "nginx", want: digest.Reference{Repository: "nginx"}, key: "index.docker.io/library/nginx:latest"},
		{in: "localhost:5000/a/b:1.0", want: digest.Reference{Repository: "localhost:5000/a/b", Tag: "1.0"}, key: "localhost:5000/a/b:1.0"},
		{in: "ghcr.io/x/y:v1@" + d, want: digest.Reference{Repository: "ghcr.io/x/y", Tag: "v1", Digest: digest.Digest(d)}, key: "ghcr.io/x/y:v1"},
		{in: "ghcr.io/x/y@" + d, want: digest.Reference{Repository: "ghcr.io/x/y", Digest: digest.Digest(d)}, key: "ghcr.io/x/y:latest"},
		{in: "Upper/case", bad: true},
		{in: "x@sha256:abc", bad: true},
		{in: "x:bad tag", bad: true},
		// An empty value under a tag key, pinned: no runtime pulls it.
		{in: "ghcr.io/example/app:@sha256:" + strings.Repeat("a", 64), bad: true},
		{in: "ghcr.io/example/app:", bad: true},
	}
	for _, tt := range tests {
		got, err := digest.Parse(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want || got.Key() != tt.key || got.String() != tt.in {
			t.Errorf("Parse(%q) = %+v (key %s), %v; want %+v (key %s)", tt.in, got, got.Key(), err, tt.want, tt.key)
		}
	}
}

// TestReadLockErrors: a lock file's problems are reported where they are, as a manifest's are.
func TestReadLockErrors(t *testing.T) {
	for in, want := range map[string]string{
		"images:\n  busybox:1.36: sha256:" + strings.Repeat("b", 64) + "\nother: 1\n": `images.lock.yaml:3:1: other: unknown field "other"`,
		"images:\n  a: [1\n":                       "images.lock.yaml:1:1: syntax error:",
		"images: [a, b]\n":                         "images.lock.yaml:1:9: images: want a mapping",
		"images:\n  busybox:1.36: sha256:nothex\n": "images.lock.yaml: images.busybox:1.36:",
	} {
		_, err := digest.ReadLock([]byte(in), "images.lock.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
