package digest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/golden"
)

// fakeDigest is the digest the test resolver gives a reference: a hash of its key.
func fakeDigest(ref digest.Reference) digest.Digest {
	s := sha256.Sum256([]byte(ref.Key()))
	return digest.Digest("sha256:" + hex.EncodeToString(s[:]))
}

// lockFor returns a lock that resolves every reference in refs to its fake digest.
func lockFor(t *testing.T, refs ...string) *digest.Lock {
	t.Helper()
	l := digest.NewLock()
	for _, s := range refs {
		ref, err := digest.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		l.Add(ref, fakeDigest(ref))
	}
	return l
}

var known = []string{
	"openservicemesh/osm-controller:v1.2.0", "openservicemesh/osm-injector:v1.2.0", "openservicemesh/osm-crds:v1.2.0",
	"envoyproxy/envoy:v1.19.3", "curlimages/curl", "docker.io/istio/pilot:1.2.3", "docker.io/istio/proxyv2:1.2.3",
	"grafana/grafana:6.5.2", "docker.io/bitnami/redis:7.2.4-debian-12-r9", "docker.io/bitnami/redis-exporter:1.58.0",
	"docker.io/bitnami/os-shell:12-debian-12-r16", "busybox:1.36", "prom/prometheus:v2.18.1",
	"ghcr.io/example/reloader:v0.5.0", "quay.io/prometheus/prometheus:v2.50.0", "quay.io/thanos/thanos:v0.34.1",
	"quay.io/prometheus/alertmanager:v0.27.0",
}

func TestPin(t *testing.T) {
	tests := []struct {
		file     string
		unpinned []string // Path of each image Check reports, in file order
		shapes   []digest.Shape
	}{
		{"osm.yaml",
			[]string{"osm.image.digest.osmController", "osm.image.digest.osmInjector", "osm.image.digest.osmCRDs", "osm.sidecarImage", "osm.curlImage"},
			[]digest.Shape{digest.ShapeNames, digest.ShapeNames, digest.ShapeNames, digest.ShapeString, digest.ShapeString}},
		{"istio.yaml",
			[]string{"pilot.image", "proxy.image", "grafana.image"},
			[]digest.Shape{digest.ShapeHub, digest.ShapeHub, digest.ShapeString}},
		{"bitnami.yaml",
			[]string{"image.digest", "metrics.image.tag", "volumePermissions.image.digest"},
			[]digest.Shape{digest.ShapeMap, digest.ShapeMap, digest.ShapeMap}},
		{"prometheus.yaml",
			[]string{"prometheus.prometheusSpec.image.sha", "prometheus.prometheusSpec.thanos.image.sha", "alertmanager.alertmanagerSpec.image.sha"},
			[]digest.Shape{digest.ShapeMap, digest.ShapeMap, digest.ShapeMap}},
		{"deployment.yaml",
			[]string{"spec.template.spec.initContainers[0].image", "spec.template.spec.containers[0].image", "spec.template.spec.containers[1].image"},
			[]digest.Shape{digest.ShapeString, digest.ShapeString, digest.ShapeString}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata/pin", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			unpinned, err := digest.Check(in, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			var shapes []digest.Shape
			for _, im := range unpinned {
				paths = append(paths, im.Path)
				shapes = append(shapes, im.Shape)
			}
			if diff := cmp.Diff(tt.unpinned, paths); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.shapes, shapes); diff != "" {
				t.Errorf("shapes (-want +got):\n%s", diff)
			}

			out, changes, err := digest.Pin(t.Context(), in, tt.file, lockFor(t, known...))
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("testdata/pin", strings.TrimSuffix(tt.file, ".yaml")+".pinned.golden"), out)
			if len(changes) != len(tt.unpinned) {
				t.Errorf("%d changes, want %d", len(changes), len(tt.unpinned))
			}
			// Only the pinned values' lines differ.
			var changed []int
			for _, c := range changes {
				changed = append(changed, c.Line)
			}
			if diff := cmp.Diff(changed, differingLines(t, in, out)); diff != "" {
				t.Errorf("lines that differ (-pinned +differ):\n%s", diff)
			}
			if left, err := digest.Check(out, tt.file); err != nil || len(left) != 0 {
				t.Errorf("after Pin, Check = %v, %v; want nothing unpinned", left, err)
			}
			again, changes, err := digest.Pin(t.Context(), out, tt.file, lockFor(t, known...))
			if err != nil || len(changes) != 0 || string(again) != string(out) {
				t.Errorf("pinning twice: %d changes, err %v, same bytes %v", len(changes), err, string(again) == string(out))
			}
		})
	}
}

func differingLines(t *testing.T, a, b []byte) []int {
	t.Helper()
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(al) != len(bl) {
		t.Fatalf("pinning changed the number of lines: %d, then %d", len(al), len(bl))
	}
	var lines []int
	for i := range al {
		if al[i] != bl[i] {
			lines = append(lines, i+1)
		}
	}
	return lines
}

func TestPinErrors(t *testing.T) {
	wrong := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name, yaml string
		opts       []digest.Option
		want       []string // each must appear in the error
		mismatch   bool
	}{
		{
			name: "unresolvable",
			yaml: "a:\n  image: example.com/nothing:1.0\nb:\n  image: example.com/none:2.0\n",
			want: []string{"values.yaml:2: a.image: cannot resolve example.com/nothing:1.0", "values.yaml:4: b.image: cannot resolve example.com/none:2.0"},
		},
		{
			name:     "mismatch",
			yaml:     "# comment\nimage: busybox:1.36@" + wrong + "\n",
			want:     []string{"values.yaml:2: image: busybox:1.36@" + wrong, "the tag resolves to " + string(fakeDigest(digest.Reference{Repository: "busybox", Tag: "1.36"}))},
			mismatch: true,
		},
		{
			name: "bad digest",
			yaml: "image:\n  repository: busybox\n  tag: \"1.36\"\n  digest: sha256:nothex\n",
			want: []string{"values.yaml:4: image.digest: busybox:1.36: digest \"sha256:nothex\""},
		},
		{
			name: "nothing to pin",
			yaml: "image:\n  repository: busybox\n",
			want: []string{"values.yaml:2: image: busybox: it has neither a tag nor a digest value to pin"},
		},
		{
			name: "missing explicit path",
			yaml: "image:\n  repository: busybox\n  tag: \"1.36\"\n",
			opts: []digest.Option{digest.WithImages(map[string]string{"nope.tag": "busybox"})},
			want: []string{"values.yaml: nope.tag: no such value for an image"},
		},
		{
			name: "block scalar",
			yaml: "image: >-\n  busybox:1.36\n",
			want: []string{"values.yaml:1: image: cannot pin a block scalar"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := digest.Pin(t.Context(), []byte(tt.yaml), "values.yaml", lockFor(t, known...), tt.opts...)
			if err == nil {
				t.Fatalf("Pin succeeded:\n%s", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := errors.Is(err, digest.ErrMismatch); got != tt.mismatch {
				t.Errorf("errors.Is(err, ErrMismatch) = %v", got)
			}
		})
	}
}

func TestPinExplicit(t *testing.T) {
	in := []byte(`# Istio's charts name images by component; the caller says which is which.
pilot:
  image: pilot   # no hub in this file
hello:
  registry: "{{.Docker}}"
  repo: hello
  tag: "0.1.0"
  digest: ""
`)
	paths := map[string]string{
		"pilot.image":  "docker.io/istio/pilot:1.2.3",
		"hello.tag":    "registry.example/hello",
		"hello.digest": "registry.example/hello:0.1.0",
	}
	l := lockFor(t, "docker.io/istio/pilot:1.2.3", "registry.example/hello:0.1.0")
	out, changes, err := digest.Pin(t.Context(), in, "values.yaml", l, digest.WithImages(paths))
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) string { r, _ := digest.Parse(s); return string(fakeDigest(r)) }
	want := strings.NewReplacer(
		"image: pilot ", "image: docker.io/istio/pilot:1.2.3@"+d("docker.io/istio/pilot:1.2.3")+" ",
		`tag: "0.1.0"`, `tag: "0.1.0@`+d("registry.example/hello:0.1.0")+`"`,
		`digest: ""`, `digest: "`+d("registry.example/hello:0.1.0")+`"`,
	).Replace(string(in))
	if diff := cmp.Diff(want, string(out)); diff != "" {
		t.Errorf("pinned (-want +got):\n%s", diff)
	}
	var shapes []digest.Shape
	for _, c := range changes {
		shapes = append(shapes, c.Shape)
	}
	if !slices.Equal(shapes, []digest.Shape{digest.ShapeExplicit, digest.ShapeExplicit, digest.ShapeExplicit}) {
		t.Errorf("shapes %v, want explicit only", shapes)
	}
}

// TestWriteFile: a pinned file is written back whole, keeping its mode, with nothing left
// beside it; a file that is not there is not made.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(p, []byte("image: busybox:1.36\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := digest.WriteFile(p, []byte("image: busybox:1.36@sha256:"+strings.Repeat("a", 64)+"\n")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want the one", len(entries))
	}
	if err := digest.WriteFile(filepath.Join(dir, "missing.yaml"), nil); err == nil {
		t.Error("wrote a file that was not there")
	}
}
