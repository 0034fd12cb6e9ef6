package publish_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
)

// fixture is a release directory made for a test: two multi-arch images sharing a base layer,
// a chart, an archive with its .sha256, a Grafana dashboard, a manifest and SHA256SUMS. Its
// one dependency is a real git repository with one commit, made a month before the release
// time.
type fixture struct {
	dir     string
	repo    string // the dependency's git repository
	sha     string
	digests map[string]v1.Hash // image name -> digest
	blobs   int64              // the bytes of the images' distinct blobs
}

const (
	version     = "1.2.3"
	releaseTime = "2024-06-01T00:00:00Z" // after the commit, which is dated 2024-05-01
)

func gitRun(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-05-01T12:00:00Z", "GIT_COMMITTER_DATE=2024-05-01T12:00:00Z",
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{dir: filepath.Join(root, "out"), repo: filepath.Join(root, "app"), digests: map[string]v1.Hash{}}
	if err := os.MkdirAll(f.repo, 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun(t, f.repo, "init", "--quiet", "--initial-branch=main")
	os.WriteFile(filepath.Join(f.repo, "README"), []byte("app\n"), 0o644)
	gitRun(t, f.repo, "add", ".")
	gitRun(t, f.repo, "commit", "--quiet", "-m", "app")
	f.sha = gitRun(t, f.repo, "rev-parse", "HEAD")

	write := func(p string, data []byte) {
		t.Helper()
		full := filepath.Join(f.dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sums := map[string]string{}
	add := func(p string, data []byte) string {
		write(p, data)
		s := fmt.Sprintf("%x", sha256.Sum256(data))
		sums[p] = s
		return s
	}
	archive := []byte("an archive " + t.Name())
	sum := add("app-"+version+"-linux-amd64.tar.gz", archive)
	add("app-"+version+"-linux-amd64.tar.gz.sha256", []byte(sum+"  app-"+version+"-linux-amd64.tar.gz\n"))
	add("grafana/mesh.json", []byte(`{"title": "Mesh", "panels": []}`+"\n"))
	chartSum := add("helm/app-"+version+".tgz", chartTgz(t, "app", version))

	// Images: a base layer shared by both, and one layer of each image's own, per platform.
	p, err := layout.Write(filepath.Join(f.dir, "docker"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[v1.Hash]bool{}
	for _, img := range []string{"app", "proxy"} {
		idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
		for _, arch := range []string{"amd64", "arm64"} {
			base := baseLayer(t, arch)
			im := layered(t, base, 2048)
			cf, _ := im.ConfigFile()
			cf.Architecture, cf.OS = arch, "linux"
			if im, err = mutate.ConfigFile(im, cf); err != nil {
				t.Fatal(err)
			}
			ls, _ := im.Layers()
			cl, _ := im.ConfigName()
			cfgSize, _ := im.RawConfigFile()
			if !seen[cl] {
				seen[cl] = true
				f.blobs += int64(len(cfgSize))
			}
			for _, l := range ls {
				h, _ := l.Digest()
				n, _ := l.Size()
				if !seen[h] {
					seen[h] = true
					f.blobs += n
				}
			}
			idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: im, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
		}
		d, err := idx.Digest()
		if err != nil {
			t.Fatal(err)
		}
		f.digests[img] = d
		ref := "registry.example/org/" + img + ":" + version
		if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
			t.Fatal(err)
		}
	}
	filepath.WalkDir(filepath.Join(f.dir, "docker"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(f.dir, path)
			sums[filepath.ToSlash(rel)] = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		return err
	})

	var m strings.Builder
	fmt.Fprintf(&m, `version: %s
docker: registry.example/org
releaseTime: "`+releaseTime+`"
dependencies:
  app:
    git: %s
    sha: %s
    goversionenabled: true
    resolved:
      from: branch main
      commitTime: "2024-05-01T12:00:00Z"
artifacts:
  - path: app-%s-linux-amd64.tar.gz
    kind: archive
    sha256: %s
  - path: helm/app-%s.tgz
    kind: helm
    sha256: %s
`, version, f.repo, f.sha, version, sum, version, chartSum)
	for _, img := range []string{"app", "proxy"} {
		fmt.Fprintf(&m, "  - image: registry.example/org/%s:%s\n    kind: docker\n    digest: %s\n", img, version, f.digests[img])
	}
	add("manifest.yaml", []byte(m.String()))
	var paths []string
	for p := range sums {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var s strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&s, "%s  %s\n", sums[p], p)
	}
	write("SHA256SUMS", []byte(s.String()))
	return f
}

var bases = map[string]v1.Layer{}

// baseLayer is one random layer per architecture, the same for every image of a test binary.
func baseLayer(t testing.TB, arch string) v1.Layer {
	if l, ok := bases[arch]; ok {
		return l
	}
	l, err := random.Layer(64<<10, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	bases[arch] = l
	return l
}

func chartTgz(t testing.TB, chart, version string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range []struct{ name, data string }{
		{chart + "/Chart.yaml", fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\nappVersion: %s\ndescription: A test chart.\ntype: application\n", chart, version, version)},
		{chart + "/values.yaml", "image: registry.example/org/app:" + version + "\n"},
	} {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(e.data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func open(t testing.TB, f *fixture) *release.Dir {
	t.Helper()
	r, err := release.Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// plan plans r at targets, failing the test on error.
func plan(t testing.TB, ctx context.Context, r *release.Dir, targets ...publish.Target) (*publish.Publisher, *publish.Plan) {
	t.Helper()
	p, err := publish.New(r, targets)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return p, pl
}

// ops maps each planned object to its op.
func ops(pl *publish.Plan) map[string]string {
	m := map[string]string{}
	for _, a := range pl.Actions {
		m[a.Target.Name()+" "+string(a.Kind)+" "+a.Object] = a.Op.String()
	}
	return m
}

// target returns a function that fails the test when a target could not be made:
// target(t)(publish.Files(…)).
func target(t testing.TB) func(publish.Target, error) publish.Target {
	return func(tg publish.Target, err error) publish.Target {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tg
	}
}

func digestAt(t testing.TB, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remoteHead(r)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return d
}

// layered is an OCI image of base and a random layer of its own of size bytes.
func layered(t testing.TB, base v1.Layer, size int64) v1.Image {
	t.Helper()
	own, err := random.Layer(size, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	im, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), base, own)
	if err != nil {
		t.Fatal(err)
	}
	return mutate.ConfigMediaType(im, types.OCIConfigJSON)
}
