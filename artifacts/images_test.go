package artifacts_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
)

// baseIndex is a two-platform base image with an environment variable and one file.
func baseIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	idx := v1.ImageIndex(empty.Index)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: arch, RootFS: v1.RootFS{Type: "layers"},
			Config: v1.Config{Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin"}, Labels: map[string]string{"base": arch}}})
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	return idx
}

func imagesManifest(registryBase, layoutBase string) string {
	return `version: 1.2.0
docker: registry.example/app
dockerOutput: tar
outputs: [docker]
dependencies:
  app:
    git: ` + projectURL + `
    branch: main
build:
  binaries:
  - name: app
    package: ./cmd/app
    platforms: [linux/amd64, linux/arm64]
  - name: appctl
    package: ./cmd/app
    platforms: [linux/amd64]
    ldflags: ['-X main.version={{index .Images "app-distroless"}}']
  images:
  - name: app
    binaries: [app]
    files:
    - include: [packaging/app.conf]
      dest: etc
    entrypoint: [/usr/local/bin/app]
    user: "65532"
    ports: ["8080"]
    labels: {team: release, org.opencontainers.image.source: "https://github.com/example/app"}
    variants:
    - {name: distroless, base: scratch}
    - {name: debug, base: "` + registryBase + `"}
    - {name: local, base: "oci-layout:` + layoutBase + `"}
`
}

// imagesFixture serves baseIndex from an in-process registry and an OCI layout, and returns
// imagesManifest over them and the registry.
func imagesFixture(t *testing.T) (string, *httptest.Server) {
	t.Helper()
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	host := strings.TrimPrefix(reg.URL, "http://")
	base := baseIndex(t)
	baseRef, _ := name.ParseReference(host + "/base:1")
	if err := remote.WriteIndex(baseRef, base); err != nil {
		t.Fatal(err)
	}
	bd, _ := base.Digest()
	layoutDir := filepath.Join(t.TempDir(), "base-layout")
	p, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(base); err != nil {
		t.Fatal(err)
	}
	return imagesManifest(host+"/base@"+bd.String(), layoutDir+"@"+bd.String()), reg
}

func TestImages(t *testing.T) {
	text, reg := imagesFixture(t)

	var progress bytes.Buffer
	build := func(dir string) *artifacts.Set {
		t.Helper()
		progress.Reset()
		set, err := artifacts.Build(t.Context(), resolved(t, dir, text), filepath.Join(dir, "out"), artifacts.WithJobs(2), artifacts.WithProgress(&progress))
		if err != nil {
			t.Fatal(err)
		}
		// An image's progress line gives its size, not "0 B".
		for line := range strings.Lines(progress.String()) {
			if strings.Contains(line, "registry.example/app/app:1.2.0-distroless ") && strings.Contains(line, " 0 B ") {
				t.Errorf("progress: %q", line)
			}
		}
		if !strings.Contains(progress.String(), "registry.example/app/app:1.2.0-distroless ") {
			t.Errorf("no progress line for the image (%d bytes):\n%q", progress.Len(), progress.String())
		}
		return set
	}
	one := build(filepath.Join(t.TempDir(), "one"))
	var refs []string
	for _, im := range one.Images {
		refs = append(refs, im.Ref)
	}
	want := []string{"registry.example/app/app:1.2.0-distroless", "registry.example/app/app:1.2.0-debug", "registry.example/app/app:1.2.0-local"}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Fatalf("images (-want +got):\n%s", diff)
	}
	// A CLI built in the same release carries the digest of the image it installs.
	ctl, _ := filepath.Glob(filepath.Join(filepath.Dir(one.Dir), "work", "bin", "*", "appctl"))
	if len(ctl) != 1 {
		t.Fatalf("appctl binaries: %v", ctl)
	}
	if out, err := exec.Command(ctl[0]).Output(); err != nil || string(out) != "app "+one.Images[0].Ref+"@"+string(one.Images[0].Digest)+"\n" {
		t.Errorf("appctl prints %q, %v; want the distroless image pinned", out, err)
	}
	if one.Images[1].Digest != one.Images[2].Digest {
		t.Errorf("the same base from a registry and from a layout gives %s and %s", one.Images[1].Digest, one.Images[2].Digest)
	}

	// The layout validates, and each image is what the spec says.
	l, err := release.OpenLayout(filepath.Join(one.Dir, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := layout.ImageIndexFromPath(filepath.Join(one.Dir, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range one.Images {
		ref, _ := digest.Parse(im.Ref)
		if d, err := l.Resolve(t.Context(), ref); err != nil || d != im.Digest {
			t.Errorf("layout resolves %s to %s, %v; want %s", im.Ref, d, err, im.Digest)
		}
		h, _ := v1.NewHash(string(im.Digest))
		ii, err := idx.ImageIndex(h)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Index(ii); err != nil {
			t.Errorf("%s: %v", im.Ref, err)
		}
		checkPlatforms(t, ii, im.Ref, strings.HasSuffix(im.Ref, "distroless"))
	}

	// Built again elsewhere with the registry gone: the base comes from the cache of the first
	// build's work folder; another folder pulls again and gets the same digests.
	two := build(filepath.Join(t.TempDir(), "two"))
	reg.Close()
	again := build(filepath.Join(filepath.Dir(one.Dir)))
	for i := range one.Images {
		if one.Images[i].Digest != two.Images[i].Digest || one.Images[i].Digest != again.Images[i].Digest {
			t.Errorf("%s: digests %s, %s, %s across builds", one.Images[i].Ref, one.Images[i].Digest, two.Images[i].Digest, again.Images[i].Digest)
		}
		if !again.Images[i].Reused {
			t.Errorf("%s was written again by an unchanged build", again.Images[i].Ref)
		}
	}
	sums := func(s *artifacts.Set) string {
		data, err := os.ReadFile(filepath.Join(s.Dir, release.SumsFile))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if sums(one) != sums(two) {
		t.Errorf("SHA256SUMS differ:\n%s\n%s", sums(one), sums(two))
	}
	if !strings.Contains(sums(one), "  docker/index.json\n") {
		t.Errorf("SHA256SUMS does not list the layout:\n%s", sums(one))
	}
	manifestText, _ := os.ReadFile(filepath.Join(one.Dir, release.ManifestFile))
	for _, im := range one.Images {
		if !strings.Contains(string(manifestText), string(im.Digest)) {
			t.Errorf("manifest.yaml does not record %s %s", im.Ref, im.Digest)
		}
	}

	// Docker tarballs hold each platform's image as built.
	tarPath := filepath.Join(one.Dir, "docker", "app-debug-arm64.tar.gz")
	img, err := tarball.Image(func() (io.ReadCloser, error) {
		f, err := os.Open(tarPath)
		if err != nil {
			return nil, err
		}
		return gzip.NewReader(f)
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := v1.NewHash(string(one.Images[1].Digest))
	debug, _ := idx.ImageIndex(h)
	armDigest := platformDigest(t, debug, "arm64")
	if d, _ := img.Digest(); d != armDigest {
		// docker save's format keeps the config and layers, so the manifest digest is the same
		// only when the media types are; compare the config instead.
		c1, _ := img.ConfigName()
		fromIndex, _ := debug.Image(armDigest)
		c2, _ := fromIndex.ConfigName()
		if c1 != c2 {
			t.Errorf("docker tarball config %s, layout config %s", c1, c2)
		}
	}
}

func platformDigest(t *testing.T, idx v1.ImageIndex, arch string) v1.Hash {
	t.Helper()
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if m.Platform.Architecture == arch {
			return m.Digest
		}
	}
	t.Fatalf("no %s image in %+v", arch, im.Manifests)
	return v1.Hash{}
}

func checkPlatforms(t *testing.T, idx v1.ImageIndex, ref string, scratch bool) {
	t.Helper()
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := idx.Image(platformDigest(t, idx, arch))
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cf.OS != "linux" || cf.Architecture != arch {
			t.Errorf("%s %s: config says %s/%s", ref, arch, cf.OS, cf.Architecture)
		}
		if got := cf.Created.UTC().Format("2006-01-02T15:04:05Z"); got != commitDate {
			t.Errorf("%s %s: created %s, want the commit time %s", ref, arch, got, commitDate)
		}
		c := cf.Config
		for k, v := range map[string]string{"org.opencontainers.image.version": "1.2.0", "org.opencontainers.image.created": commitDate,
			// The spec's source label wins over the dependency's URL.
			"org.opencontainers.image.source": "https://github.com/example/app", "team": "release"} {
			if c.Labels[k] != v {
				t.Errorf("%s %s: label %s = %q, want %q", ref, arch, k, c.Labels[k], v)
			}
		}
		if len(c.Labels["org.opencontainers.image.revision"]) != 40 {
			t.Errorf("%s %s: revision label %q", ref, arch, c.Labels["org.opencontainers.image.revision"])
		}
		if !scratch && c.Labels["base"] != arch {
			t.Errorf("%s %s: the base's label is missing: %v", ref, arch, c.Labels)
		}
		if !slices.Equal(c.Entrypoint, []string{"/usr/local/bin/app"}) || c.User != "65532" {
			t.Errorf("%s %s: entrypoint %v, user %q", ref, arch, c.Entrypoint, c.User)
		}
		if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
			t.Errorf("%s %s: ports %v", ref, arch, c.ExposedPorts)
		}
		layers, _ := img.Layers()
		var files []string
		for _, l := range layers {
			files = append(files, layerFiles(t, l)...)
		}
		if !slices.Contains(files, "usr/local/bin/app") || !slices.Contains(files, "etc/packaging/app.conf") {
			t.Errorf("%s %s: layers hold %v", ref, arch, files)
		}
	}
}

func layerFiles(t *testing.T, l v1.Layer) []string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: owner %d:%d %q", h.Name, h.Uid, h.Gid, h.Uname)
		}
		names = append(names, h.Name)
	}
}

// TestBinaryDir: an image's binaries go where its spec says, /usr/local/bin by default.
func TestBinaryDir(t *testing.T) {
	work := t.TempDir()
	text := `version: 1.0.0
docker: registry.example/app
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64]}
  images:
  - {name: app, base: scratch, binaries: [app], binaryDir: /ko-app, entrypoint: [/ko-app/app]}
  - {name: plain, base: scratch, binaries: [app]}
`
	set, err := artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := release.OpenLayout(filepath.Join(set.Dir, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"registry.example/app/app:1.0.0": "ko-app/app", "registry.example/app/plain:1.0.0": "usr/local/bin/app"} {
		im, ok := l.Lookup(ref)
		if !ok {
			t.Fatalf("no %s", ref)
		}
		idx, _ := im.Index.IndexManifest()
		img, err := im.Index.Image(idx.Manifests[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		layers, _ := img.Layers()
		rc, err := layers[len(layers)-1].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		tr := tar.NewReader(rc)
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			names = append(names, h.Name)
		}
		rc.Close()
		if !slices.Contains(names, want) {
			t.Errorf("%s: the binary's layer holds %v, want %s", ref, names, want)
		}
	}
}
