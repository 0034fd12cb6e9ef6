package chart_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
)

// fake is the digest the test lock gives a reference: a hash of its key.
func fake(s string) digest.Digest {
	ref, _ := digest.Parse(s)
	h := sha256.Sum256([]byte(ref.Key()))
	return digest.Digest("sha256:" + hex.EncodeToString(h[:]))
}

func lock(refs ...string) *digest.Lock {
	l := digest.NewLock()
	for _, s := range refs {
		ref, _ := digest.Parse(s)
		l.Add(ref, fake(s))
	}
	return l
}

var releaseImages = []string{"registry.example/mesh/mesh-controller:1.2.3", "registry.example/mesh/mesh-injector:1.2.3"}

func spec(t *testing.T, pin string, images digest.Resolver) *artifacts.ChartSpec {
	t.Helper()
	return &artifacts.ChartSpec{
		Chart:   &manifest.Chart{Name: "mesh", Path: "charts/mesh", Pin: pin},
		Dir:     "testdata/mesh",
		Version: "1.2.3",
		Docker:  "registry.example/mesh",
		Values:  map[string]string{"mesh.image.registry": "registry.example/mesh", "mesh.image.tag": "1.2.3"},
		Images:  images,
		Time:    time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
	}
}

func pack(t *testing.T, s *artifacts.ChartSpec) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	err := chart.New().Package(t.Context(), s, &buf)
	return buf.Bytes(), err
}

func TestPackage(t *testing.T) {
	all := lock(append(releaseImages, "envoyproxy/envoy:v1.19.3")...)
	one, err := pack(t, spec(t, "", all))
	if err != nil {
		t.Fatal(err)
	}
	two, err := pack(t, spec(t, "", all))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one, two) {
		t.Errorf("two packages of the same chart differ")
	}
	later := spec(t, "", all)
	later.Time = later.Time.Add(time.Hour)
	if three, _ := pack(t, later); bytes.Equal(one, three) {
		t.Errorf("the release time does not reach the package")
	}
	ch, err := loader.LoadArchive(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.Version != "1.2.3" || ch.Metadata.AppVersion != "1.2.3" {
		t.Errorf("version %q appVersion %q", ch.Metadata.Version, ch.Metadata.AppVersion)
	}
	if sub := ch.Dependencies(); len(sub) != 1 || sub[0].Metadata.Version != "1.2.3" {
		t.Errorf("the file:// subchart is not stamped: %v", sub)
	}
	if ch.Metadata.Dependencies[0].Version != "1.2.3" {
		t.Errorf("Chart.yaml's dependency version is %q", ch.Metadata.Dependencies[0].Version)
	}
	for _, f := range ch.Raw {
		if f.Name == "values.yaml" {
			golden.Assert(t, "testdata/values.pinned.golden", f.Data)
		}
	}
}

func TestPackageProblems(t *testing.T) {
	// A third-party image the resolver does not know.
	_, err := pack(t, spec(t, "", lock(releaseImages...)))
	if err == nil || !strings.Contains(err.Error(), "charts/mesh/values.yaml:15: mesh.sidecarImage: cannot resolve envoyproxy/envoy:v1.19.3") {
		t.Errorf("unresolvable image: %v", err)
	}
	// A template that writes an image of its own, unpinned.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/mesh")); err != nil {
		t.Fatal(err)
	}
	extra := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\nspec:\n  containers:\n  - name: debug\n    image: busybox:1.36\n"
	if err := os.WriteFile(filepath.Join(dir, "templates", "debug.yaml"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	s := spec(t, "", lock(append(releaseImages, "envoyproxy/envoy:v1.19.3")...))
	s.Dir = dir
	if _, err = pack(t, s); err == nil || !strings.Contains(err.Error(), `templates/debug.yaml: image "busybox:1.36" is not pinned`) {
		t.Errorf("unpinned template image: %v", err)
	}
	// With floating tags the same chart passes: its own images carry the release tag.
	tags := spec(t, "tag", nil)
	tags.Dir = dir
	if _, err := pack(t, tags); err != nil {
		t.Errorf("tags mode: %v", err)
	}
	tags.Values["mesh.image.tag"] = "latest"
	if _, err := pack(t, tags); err == nil || !strings.Contains(err.Error(), `does not have the release tag 1.2.3`) {
		t.Errorf("tags mode with another tag: %v", err)
	}
}

// TestHelmCLI runs the real helm client over a packaged chart; RELEASEKIT_HELM names it (.ci/run
// installs it).
func TestHelmCLI(t *testing.T) {
	helm := os.Getenv("RELEASEKIT_HELM")
	if helm == "" {
		t.Skip("RELEASEKIT_HELM is not set")
	}
	tgz, err := pack(t, spec(t, "", lock(append(releaseImages, "envoyproxy/envoy:v1.19.3")...)))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "mesh-1.2.3.tgz")
	if err := os.WriteFile(p, tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	run := func(args ...string) string {
		cmd := exec.CommandContext(t.Context(), helm, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("lint", "--strict", p)
	rendered := run("template", "release", p)
	images, err := digest.Find([]byte(rendered), "helm template")
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 4 {
		t.Errorf("helm template renders %d images, want 4:\n%s", len(images), rendered)
	}
	for _, im := range images {
		if !im.Ref.Pinned() {
			t.Errorf("helm template renders an unpinned image: %s", im)
		}
	}
}
