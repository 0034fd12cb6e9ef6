package release_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
)

const resolved = `version: 1.2.3
docker: registry.example/org
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.2.3, commitTime: "2024-05-01T12:00:00Z"}
`

var releaseTime = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

func sha(data []byte) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

func writeFile(t *testing.T, dir, rel string, data []byte) manifest.Artifact {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return manifest.Artifact{Path: rel, SHA256: sha(data)}
}

// chartTgz packages files (by path inside the chart) under the folder name.
func chartTgz(t *testing.T, name string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, p := range []string{"Chart.yaml", "values.yaml", "templates/deployment.yaml", "../escape"} {
		if data, ok := files[p]; ok {
			tw.WriteHeader(&tar.Header{Name: name + "/" + p, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
			tw.Write([]byte(data))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// built writes a release the way a build does: an archive, a chart, an image layout, a lock.
func built(t *testing.T) (string, v1.Hash) {
	t.Helper()
	dir := t.TempDir()
	m, err := manifest.Parse(strings.NewReader(resolved), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	archive := writeFile(t, dir, "app-1.2.3-linux-amd64.tar.gz", []byte("an archive"))
	archive.Kind = manifest.OutputArchive
	chart := writeFile(t, dir, "helm/app-1.2.3.tgz", chartTgz(t, "app", map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: 1.2.3\n",
		"values.yaml": "image: registry.example/org/app:1.2.3\n",
	}))
	chart.Kind = manifest.OutputHelm
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := layout.Write(filepath.Join(dir, release.ImagesDir), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{release.RefNameAnnotation: "registry.example/org/app:1.2.3"})); err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	var layoutFiles []release.Sum
	filepath.WalkDir(filepath.Join(dir, release.ImagesDir), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			layoutFiles = append(layoutFiles, release.Sum{Path: filepath.ToSlash(rel), SHA256: sha(data)})
		}
		return err
	})
	lock := digest.NewLock()
	ref, _ := digest.Parse("docker.io/library/busybox:1.36")
	lock.Add(ref, digest.Digest("sha256:"+strings.Repeat("b", 64)))
	_, err = release.Write(dir, release.Record{
		Manifest: m, Time: releaseTime, Files: []manifest.Artifact{chart, archive}, Layout: layoutFiles, Lock: lock,
		Images: []manifest.Artifact{{Image: "registry.example/org/app:1.2.3", Kind: manifest.OutputDocker, Digest: h.String()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, h
}

func TestWriteOpen(t *testing.T) {
	dir, h := built(t)
	d, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Time.Equal(releaseTime) || d.Manifest.ReleaseTime != "2024-06-01T00:00:00Z" {
		t.Errorf("release time %s, manifest %q", d.Time, d.Manifest.ReleaseTime)
	}
	want := []manifest.Artifact{
		{Path: "app-1.2.3-linux-amd64.tar.gz", Kind: manifest.OutputArchive, SHA256: sha([]byte("an archive"))},
		{Path: "helm/app-1.2.3.tgz", Kind: manifest.OutputHelm, SHA256: d.Manifest.Artifacts[1].SHA256},
		{Image: "registry.example/org/app:1.2.3", Kind: manifest.OutputDocker, Digest: h.String()},
	}
	if diff := cmp.Diff(want, d.Manifest.Artifacts); diff != "" {
		t.Errorf("artifacts (-want +got):\n%s", diff)
	}

	// SHA256SUMS lists every file but itself, sorted, and each matches.
	sums, err := d.Sums()
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, s := range sums {
		listed = append(listed, s.Path)
		data, err := d.ReadFile(s.Path)
		if err != nil || sha(data) != s.SHA256 {
			t.Errorf("%s: %v, or its sum differs", s.Path, err)
		}
		if release.InLayout(s.Path) != strings.HasPrefix(s.Path, "docker/") {
			t.Errorf("InLayout(%s) = %v", s.Path, release.InLayout(s.Path))
		}
	}
	var onDisk []string
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if rel, _ := filepath.Rel(dir, p); err == nil && !e.IsDir() && rel != release.SumsFile {
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return err
	})
	if diff := cmp.Diff(onDisk, listed); diff != "" {
		t.Errorf("SHA256SUMS lists (-on disk +listed):\n%s", diff)
	}
	for _, want := range []string{release.LockFile, release.ManifestFile, "app-1.2.3-linux-amd64.tar.gz.sha256"} {
		if _, err := d.Sum(want); err != nil {
			t.Error(err)
		}
	}
	sidecar, _ := d.ReadFile("app-1.2.3-linux-amd64.tar.gz.sha256")
	if string(sidecar) != sha([]byte("an archive"))+"  app-1.2.3-linux-amd64.tar.gz\n" {
		t.Errorf(".sha256 = %q", sidecar)
	}

	// The layout, the charts and the lock read back.
	l, err := d.Layout()
	if err != nil {
		t.Fatal(err)
	}
	im, ok := l.Lookup("registry.example/org/app:1.2.3")
	if !ok || im.Digest() != h || im.Image == nil || im.Name(d.Manifest.Docker) != "app" {
		t.Errorf("layout image %+v, %v", im, ok)
	}
	charts, err := d.Charts()
	if err != nil || len(charts) != 1 || charts[0].Name != "app" || charts[0].AppVersion != "1.2.3" || charts[0].Files["values.yaml"] == nil {
		t.Errorf("charts %+v, %v", charts, err)
	}
	for ref, want := range map[string]string{
		"registry.example/org/app:1.2.3": h.String(),
		"busybox:1.36":                   "sha256:" + strings.Repeat("b", 64),
	} {
		r, _ := digest.Parse(ref)
		if got, err := d.Resolve(t.Context(), r); err != nil || string(got) != want {
			t.Errorf("resolve %s: %s, %v; want %s", ref, got, err, want)
		}
	}
	r, _ := digest.Parse("registry.example/org/other:1.2.3")
	if _, err := d.Resolve(t.Context(), r); !errors.Is(err, digest.ErrNotFound) {
		t.Errorf("resolve an image of neither: %v", err)
	}
}

// TestWriteSame: writing the same record again leaves every file as it was.
func TestWriteSame(t *testing.T) {
	dir, _ := built(t)
	before, _ := os.ReadFile(filepath.Join(dir, release.SumsFile))
	st, _ := os.Stat(filepath.Join(dir, release.ManifestFile))
	d, _ := release.Open(dir)
	m := d.Manifest.Clone()
	var files []manifest.Artifact
	for _, a := range d.Manifest.Artifacts {
		if a.Path != "" {
			files = append(files, a)
		}
	}
	lock, _ := d.Lock()
	sums, _ := d.Sums()
	var layoutFiles []release.Sum
	for _, s := range sums {
		if release.InLayout(s.Path) {
			layoutFiles = append(layoutFiles, s)
		}
	}
	images := d.Artifacts(manifest.OutputDocker)
	if _, err := release.Write(dir, release.Record{Manifest: m, Time: d.Time, Files: files, Images: images, Layout: layoutFiles, Lock: lock}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, release.SumsFile))
	if !bytes.Equal(before, after) {
		t.Errorf("SHA256SUMS changed:\n%s\n%s", before, after)
	}
	if st2, _ := os.Stat(filepath.Join(dir, release.ManifestFile)); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the manifest was rewritten with the same bytes")
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := release.Open(dir); !errors.Is(err, release.ErrNoManifest) {
		t.Errorf("no manifest: %v", err)
	}
	os.WriteFile(filepath.Join(dir, release.ManifestFile), []byte(resolved), 0o644)
	if _, err := release.Open(dir); err == nil || !strings.Contains(err.Error(), "no releaseTime") {
		t.Errorf("no release time: %v", err)
	}
	os.WriteFile(filepath.Join(dir, release.ManifestFile), []byte(resolved+"releaseTime: yesterday\n"), 0o644)
	if _, err := release.Open(dir); err == nil || !strings.Contains(err.Error(), "releaseTime") {
		t.Errorf("a bad release time: %v", err)
	}
	if _, err := release.Write(dir, release.Record{Manifest: &manifest.Manifest{Version: "1"}}); err == nil {
		t.Error("Write without a release time")
	}
}

// TestContained: no read leaves the release directory, by name or by a symbolic link.
func TestContained(t *testing.T) {
	dir, _ := built(t)
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("host file"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, "link.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(dir, "helm", "up")); err != nil {
		t.Fatal(err)
	}
	// A link to a file of the release is not a release file either.
	if err := os.Symlink("app-1.2.3-linux-amd64.tar.gz", filepath.Join(dir, "inside.tar.gz")); err != nil {
		t.Fatal(err)
	}
	d, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadFile("inside.tar.gz"); !errors.Is(err, release.ErrNotRegular) {
		t.Errorf("a link inside the release: %v, want ErrNotRegular", err)
	}
	if _, err := d.ReadFile("helm"); !errors.Is(err, release.ErrNotRegular) {
		t.Errorf("a folder: %v, want ErrNotRegular", err)
	}
	for _, rel := range []string{"link.tar.gz", "helm/up/secret", "../secret", "/etc/passwd", "helm/../../secret"} {
		if data, err := d.ReadFile(rel); err == nil {
			t.Errorf("%s: read %q", rel, data)
		} else if strings.Contains(err.Error(), dir) {
			t.Errorf("%s: the error names the host path: %v", rel, err)
		}
	}
}

func TestReadChart(t *testing.T) {
	good := map[string]string{"Chart.yaml": "name: app\nversion: 1.0.0\n", "templates/deployment.yaml": "kind: Deployment\n"}
	c, err := release.ReadChart(chartTgz(t, "app", good))
	if err != nil || c.Name != "app" || c.Version != "1.0.0" || string(c.Files["templates/deployment.yaml"]) != "kind: Deployment\n" {
		t.Errorf("chart %+v, %v", c, err)
	}
	for name, files := range map[string]map[string]string{
		"no Chart.yaml":  {"values.yaml": "a: 1\n"},
		"no version":     {"Chart.yaml": "name: app\n"},
		"an escape":      {"Chart.yaml": "name: app\nversion: 1.0.0\n", "../escape": "x"},
		"not YAML":       {"Chart.yaml": "name: [\n"},
		"not a mappping": {"Chart.yaml": "- a\n"},
	} {
		if _, err := release.ReadChart(chartTgz(t, "app", files)); err == nil {
			t.Errorf("%s: read", name)
		}
	}
	if _, err := release.ReadChart([]byte("not a tgz")); err == nil {
		t.Error("not a tgz: read")
	}
}

func FuzzReadChart(f *testing.F) {
	f.Add([]byte("not a tgz"))
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	data := "name: app\nversion: 1.0.0\n"
	tw.WriteHeader(&tar.Header{Name: "app/Chart.yaml", Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write([]byte(data))
	tw.Close()
	gz.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, tgz []byte) {
		c, err := release.ReadChart(tgz)
		if err == nil && (c.Name == "" || c.Version == "" || c.Files["Chart.yaml"] == nil) {
			t.Errorf("read a chart without name, version or Chart.yaml: %+v", c)
		}
	})
}

func FuzzParseSums(f *testing.F) {
	f.Add(strings.Repeat("a", 64) + "  x.tar.gz\n")
	f.Add(strings.Repeat("a", 64) + " *../x\nzz  y\n")
	f.Fuzz(func(t *testing.T, text string) {
		sums, err := release.ParseSums(strings.NewReader(text))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range sums {
			if len(s.SHA256) != 64 || s.Path == "" || strings.HasPrefix(s.Path, "/") || strings.Contains(s.Path, "..") && filepath.Clean(s.Path) != s.Path || seen[s.Path] {
				t.Errorf("accepted %+v", s)
			}
			seen[s.Path] = true
		}
	})
}

// TestDashboardName: the inverse of DashboardPath, for dashboards one level under grafana/ only.
func TestDashboardName(t *testing.T) {
	if name, ok := release.DashboardName(release.DashboardPath("istio-mesh-dashboard")); !ok || name != "istio-mesh-dashboard" {
		t.Errorf("round trip: %q %v", name, ok)
	}
	for _, p := range []string{"grafana/.json", "grafana/sub/x.json", "grafana/x.yaml", "helm/x.json", "x.json"} {
		if name, ok := release.DashboardName(p); ok {
			t.Errorf("%s: a dashboard %q", p, name)
		}
	}
}
