package validate_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
)

// builds holds the releases the tests corrupt copies of, each built once.
var builds struct {
	sync.Mutex
	root string
	dirs map[string]string
	errs map[string]error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.root != "" {
		os.RemoveAll(builds.root)
	}
	os.Exit(code)
}

// variant is a change to the demo release: its sample files and its manifest.
type variant struct {
	name     string
	files    func(map[string][]byte)
	manifest string // appended to the manifest
	// images resolves third-party chart images when set.
	images digest.Resolver
}

var demo = variant{name: "demo"}

// release returns a fresh copy of the release directory of v, built once per test binary.
func releaseDir(t *testing.T, v variant) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	if builds.dirs == nil {
		root, err := os.MkdirTemp("", "releasekit-validate-test-")
		if err != nil {
			t.Fatal(err)
		}
		builds.root, builds.dirs, builds.errs = root, map[string]string{}, map[string]error{}
	}
	if _, ok := builds.dirs[v.name]; !ok {
		dir := filepath.Join(builds.root, v.name)
		builds.dirs[v.name], builds.errs[v.name] = dir, build(context.Background(), dir, v)
	}
	if err := builds.errs[v.name]; err != nil {
		t.Fatalf("build the %s release: %v", v.name, err)
	}
	out := filepath.Join(t.TempDir(), "release")
	if err := os.CopyFS(out, os.DirFS(filepath.Join(builds.dirs[v.name], "out"))); err != nil {
		t.Fatal(err)
	}
	return out
}

// build makes the demo's release of the sample project, changed by v, in dir/out.
func build(ctx context.Context, dir string, v variant) error {
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(ctx, src, v.files); err != nil {
		return err
	}
	m, err := manifest.Parse(strings.NewReader(sample.Manifest(dir)+v.manifest), "manifest.yaml")
	if err != nil {
		return err
	}
	res, err := resolve.Dependencies(ctx, m, resolve.WithMirror(sample.URL, src))
	if err != nil {
		return err
	}
	opts := []artifacts.Option{artifacts.WithWorkDir(filepath.Join(dir, "work")),
		artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()), artifacts.WithChartPackager(chart.New()),
		artifacts.WithProvenance("https://ci.example/jobs/release")}
	if v.images != nil {
		opts = append(opts, artifacts.WithResolver(v.images))
	}
	_, err = artifacts.Build(ctx, res, filepath.Join(dir, "out"), opts...)
	return err
}

// check validates dir with the chart renderer and returns the report's text.
func check(t *testing.T, dir string, opts ...validate.Option) (*validate.Report, string) {
	t.Helper()
	rep, err := validate.Release(t.Context(), dir, append([]validate.Option{validate.WithChartRenderer(chart.New())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := rep.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return rep, strings.ReplaceAll(b.String(), dir, "$DIR")
}

// passed is the golden report of a release that passes every check.
const passed = "testdata/report/passed.txt"

func TestDemoPasses(t *testing.T) {
	dir := releaseDir(t, demo)
	rep, got := check(t, dir)
	golden.Assert(t, passed, []byte(got))
	if !rep.Passed() {
		t.Error("Passed() is false")
	}
	// Without a renderer, the charts check reads values.yaml; it passes too.
	rep, err := validate.Release(t.Context(), dir)
	if err != nil || !rep.Passed() {
		t.Errorf("without a chart renderer: %v %+v", err, rep)
	}
}

// corruption is one way to break a demo release, and what validation says of it.
type corruption struct {
	name    string
	corrupt func(t *testing.T, dir string)
	// failed are the checks that fail, in report order; lines are substrings of FAIL lines.
	failed []string
	lines  []string
}

func TestCorrupted(t *testing.T) {
	const amd64 = "hello-0.1.0-linux-amd64.tar.gz"
	for _, c := range []corruption{
		{
			name:    "flip a byte",
			corrupt: func(t *testing.T, dir string) { flip(t, filepath.Join(dir, "deb", "hello.deb"), 5000) },
			failed:  []string{"checksums", "binaries", "packages"},
			lines:   []string{"FAIL checksums: deb/hello.deb: sha256 ", "FAIL checksums: deb/hello.deb.sha256: deb/hello.deb has sha256 "},
		},
		{
			name:    "flip a byte of a .sha256 file",
			corrupt: func(t *testing.T, dir string) { flip(t, filepath.Join(dir, amd64+".sha256"), 3) },
			failed:  []string{"checksums"},
			lines:   []string{"FAIL checksums: " + amd64 + ".sha256: " + amd64 + " has sha256 "},
		},
		{
			name: "an unlisted file",
			corrupt: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "notes.txt"), []byte("hi\n"))
			},
			failed: []string{"checksums"},
			lines:  []string{"FAIL checksums: notes.txt is not listed in SHA256SUMS"},
		},
		{
			name: "drop a platform",
			corrupt: func(t *testing.T, dir string) {
				remove(t, dir, "hello-0.1.0-linux-arm64.tar.gz", "hello-0.1.0-linux-arm64.tar.gz.sha256")
			},
			failed: []string{"manifest", "checksums", "archives", "binaries"},
			lines: []string{
				"FAIL manifest: manifest.yaml: artifact hello-0.1.0-linux-arm64.tar.gz: missing",
				"FAIL checksums: SHA256SUMS lists hello-0.1.0-linux-arm64.tar.gz, which is missing",
				"FAIL archives: hello-0.1.0-linux-arm64.tar.gz: missing",
				"FAIL binaries: hello-0.1.0-linux-arm64.tar.gz: hello-0.1.0/hello: missing",
			},
		},
		{
			name: "drop a platform, checksums fixed",
			corrupt: func(t *testing.T, dir string) {
				remove(t, dir, "hello-0.1.0-linux-arm64.tar.gz", "hello-0.1.0-linux-arm64.tar.gz.sha256")
				fix(t, dir)
			},
			failed: []string{"archives", "binaries", "provenance"},
			lines: []string{
				"FAIL archives: hello-0.1.0-linux-arm64.tar.gz: archive hello for linux/arm64 is not recorded in the manifest",
				"FAIL archives: hello-0.1.0-linux-arm64.tar.gz: missing",
			},
		},
		{
			name: "add a ../ entry",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, amd64), func(es []entry) []entry {
					return append(es, entry{&tar.Header{Name: "../evil", Mode: 0o644, Typeflag: tar.TypeReg}, []byte("x")})
				})
				fix(t, dir)
			},
			failed: []string{"archives", "provenance"},
			lines:  []string{`FAIL archives: ` + amd64 + `: unsafe entry name "../evil"`},
		},
		{
			name: "a link out of the archive and a file outside the top folder",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, amd64), func(es []entry) []entry {
					return append(es,
						entry{&tar.Header{Name: "hello-0.1.0/etc", Typeflag: tar.TypeSymlink, Linkname: "../../etc"}, nil},
						entry{&tar.Header{Name: "stray.txt", Mode: 0o644, Typeflag: tar.TypeReg}, []byte("x")})
				})
				fix(t, dir)
			},
			failed: []string{"archives", "provenance"},
			lines: []string{
				`FAIL archives: ` + amd64 + `: link "hello-0.1.0/etc" points outside the archive to "../../etc"`,
				`FAIL archives: ` + amd64 + `: stray.txt is outside the top folder hello-0.1.0`,
			},
		},
		{
			name: "a listed file missing",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, amd64), func(es []entry) []entry {
					return slices.DeleteFunc(es, func(e entry) bool { return e.h.Name == "hello-0.1.0/LICENSE" })
				})
				fix(t, dir)
			},
			failed: []string{"archives", "provenance"},
			lines:  []string{`FAIL archives: ` + amd64 + `: hello-0.1.0/LICENSE is missing`},
		},
		{
			name: "another platform's binary",
			corrupt: func(t *testing.T, dir string) {
				arm := tarFile(t, filepath.Join(dir, "hello-0.1.0-linux-arm64.tar.gz"), "hello-0.1.0/hello")
				editTarGz(t, filepath.Join(dir, amd64), func(es []entry) []entry {
					for i := range es {
						if es[i].h.Name == "hello-0.1.0/hello" {
							es[i].data, es[i].h.Size = arm, int64(len(arm))
						}
					}
					return es
				})
				fix(t, dir)
			},
			failed: []string{"binaries", "provenance"},
			lines: append([]string{
				"FAIL binaries: " + amd64 + ": hello-0.1.0/hello: built for linux/arm64, want linux/amd64",
			}, onAmd64("FAIL binaries: "+amd64+": hello-0.1.0/hello: hello -version: fork/exec hello: exec format error\n")...),
		},
		{
			name: "a binary with another version",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, amd64), func(es []entry) []entry {
					for i := range es {
						if es[i].h.Name == "hello-0.1.0/hello" {
							es[i].data = bytes.ReplaceAll(es[i].data, []byte("0.1.0"), []byte("0.1.9"))
						}
					}
					return es
				})
				fix(t, dir)
			},
			failed: []string{"binaries", "provenance"},
			lines: append([]string{
				"FAIL binaries: " + amd64 + ": hello-0.1.0/hello: -X main.version=0.1.0 is not stamped in the binary",
			}, onAmd64("FAIL binaries: "+amd64+`: hello-0.1.0/hello: hello -version printed "hello 0.1.9 (`)...),
		},
		{
			name: "a branch instead of a commit",
			corrupt: func(t *testing.T, dir string) {
				editManifest(t, dir, func(m *manifest.Manifest) {
					m.Dependencies["hello"].Sha, m.Dependencies["hello"].Branch = "", "main"
				})
				fix(t, dir)
			},
			failed: []string{"manifest"},
			lines: []string{
				`FAIL manifest: manifest.yaml: dependencies.hello: branch "main" without a sha: a release records commits, not branches`,
			},
		},
		{
			name:    "no manifest",
			corrupt: func(t *testing.T, dir string) { remove(t, dir, "manifest.yaml") },
			failed:  []string{"manifest"},
			lines:   []string{"FAIL manifest: manifest.yaml: missing: the release directory must hold its resolved manifest"},
		},
		{
			name: "drop a platform from the image",
			corrupt: func(t *testing.T, dir string) {
				dropImagePlatform(t, dir, v1.Platform{OS: "linux", Architecture: "arm64"})
				fix(t, dir)
			},
			failed: []string{"images", "charts"},
			lines: []string{
				"FAIL images: registry.example/demo/hello:0.1.0: no image for linux/arm64",
				`FAIL charts: hello-0.1.0.tgz: templates/deployment.yaml: image "registry.example/demo/hello:0.1.0@sha256:`,
			},
		},
		{
			name: "a layer byte flipped, checksums fixed",
			corrupt: func(t *testing.T, dir string) {
				flip(t, largestBlob(t, dir), 1000)
				fix(t, dir)
			},
			failed: []string{"images"},
			lines:  []string{"FAIL images: registry.example/demo/hello:0.1.0: invalid: "},
		},
		{
			name: "unpin an image",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "values.yaml", func(s string) string {
					i := strings.Index(s, "@sha256:")
					return s[:i] + s[i+len("@sha256:")+64:]
				})
			},
			failed: []string{"charts", "provenance"},
			lines:  []string{`FAIL charts: hello-0.1.0.tgz: templates/deployment.yaml: image "registry.example/demo/hello:0.1.0" is not pinned`},
		},
		{
			name: "change a chart version",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "Chart.yaml", func(s string) string { return strings.Replace(s, "version: 0.1.0", "version: 0.1.1", 1) })
			},
			failed: []string{"charts", "provenance"},
			lines:  []string{`FAIL charts: hello-0.1.0.tgz: Chart.yaml: version "0.1.1", appVersion "0.1.0", want "0.1.0"`},
		},
		{
			name: "another hub",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "values.yaml", func(s string) string {
					return strings.Replace(s, "registry: registry.example/demo", "registry: docker.io/example", 1)
				})
			},
			failed: []string{"charts", "provenance"},
			lines:  []string{`FAIL charts: hello-0.1.0.tgz: values.yaml: image.registry is "docker.io/example", want "registry.example/demo" ({{.Docker}})`},
		},
		{
			name: "a deb for another architecture",
			corrupt: func(t *testing.T, dir string) {
				data, err := os.ReadFile(filepath.Join(dir, "deb", "hello.deb"))
				if err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "deb", "hello-arm64.deb"), data)
				fix(t, dir)
			},
			failed: []string{"binaries", "packages", "provenance"},
			lines: []string{
				"FAIL binaries: deb/hello-arm64.deb: /usr/bin/hello: built for linux/amd64, want linux/arm64",
				`FAIL packages: deb/hello-arm64.deb: architecture "amd64", want "arm64"`,
			},
		},
		{
			name: "an unknown license",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, "licenses", "hello.tar.gz"), func(es []entry) []entry {
					for i := range es {
						if es[i].h.Name == "hello/licenses.json" {
							es[i].data = bytes.Replace(es[i].data, []byte(`"notice"`), []byte(`"unknown"`), 1)
							es[i].h.Size = int64(len(es[i].data))
						}
					}
					return es
				})
				fix(t, dir)
			},
			failed: []string{"licenses", "provenance"},
			lines:  []string{"FAIL licenses: licenses/hello.tar.gz: example.com/hello has license MIT of type unknown, which is forbidden"},
		},
		{
			name: "a module without a license",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, "licenses", "hello.tar.gz"), func(es []entry) []entry {
					for i := range es {
						if es[i].h.Name == "hello/licenses.json" {
							es[i].data, es[i].h.Size = []byte("[]\n"), 3
						}
					}
					return es
				})
				fix(t, dir)
			},
			failed: []string{"licenses", "provenance"},
			lines:  []string{"FAIL licenses: licenses/hello.tar.gz: module example.com/hello is linked into hello's binaries but has no license entry"},
		},
		{
			name: "a bill of materials of another platform",
			corrupt: func(t *testing.T, dir string) {
				data, err := os.ReadFile(filepath.Join(dir, "sbom", "hello-linux-arm64.spdx.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "sbom", "hello-linux-amd64.spdx.json"), data, 0o644); err != nil {
					t.Fatal(err)
				}
				fix(t, dir)
			},
			failed: []string{"sbom", "provenance"},
			lines:  []string{`FAIL sbom: sbom/hello-linux-amd64.spdx.json: document "hello-linux-arm64", want "hello-linux-amd64"`},
		},
		{
			name: "sources at another commit",
			corrupt: func(t *testing.T, dir string) {
				editTarGz(t, filepath.Join(dir, "sources.tar.gz"), func(es []entry) []entry {
					for i := range es {
						if es[i].h.Name == "manifest.yaml" {
							es[i].data = bytes.Replace(es[i].data, []byte(sha(t, dir)), []byte(strings.Repeat("0", 40)), 1)
						}
					}
					return append(es, entry{&tar.Header{Name: "../outside", Mode: 0o644, Typeflag: tar.TypeReg}, nil})
				})
				fix(t, dir)
			},
			failed: []string{"provenance", "sources"},
			lines: []string{
				"FAIL sources: sources.tar.gz: manifest.yaml: dependency hello at 0000000000",
				`FAIL sources: sources.tar.gz: unsafe entry name "../outside"`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) { runCorruption(t, demo, c) })
	}
}

// runCorruption corrupts a copy of v's release and checks the report.
func runCorruption(t *testing.T, v variant, c corruption) {
	dir := releaseDir(t, v)
	c.corrupt(t, dir)
	rep, got := check(t, dir)
	t.Logf("report:\n%s", got)
	var failed []string
	for _, r := range rep.Results {
		if r.Status == validate.Failed {
			failed = append(failed, r.Check)
		}
	}
	if diff := cmp.Diff(c.failed, failed); diff != "" {
		t.Errorf("failed checks (-want +got):\n%s\nreport:\n%s", diff, got)
	}
	for _, line := range c.lines {
		if !strings.Contains(got, line) {
			t.Errorf("no line %q in the report:\n%s", line, got)
		}
	}
	want := fmt.Sprintf("Release validation FAILED (%d of ", len(c.failed))
	if !strings.Contains(got, want) || rep.Passed() {
		t.Errorf("summary: want %q…:\n%s", want, got)
	}
}

// onAmd64 returns lines when the host is linux/amd64, whose binaries validation runs.
func onAmd64(lines ...string) []string {
	if runtime.GOOS+"/"+runtime.GOARCH != "linux/amd64" {
		return nil
	}
	return lines
}

// entry is one tar entry being rewritten.
type entry struct {
	h    *tar.Header
	data []byte
}

// editTarGz rewrites a tar.gz through fn.
func editTarGz(t *testing.T, file string, fn func([]entry) []entry) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var es []entry
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entry{h, data})
	}
	f.Close()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range fn(es) {
		e.h.Size = int64(len(e.data))
		if err := tw.WriteHeader(e.h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write(t, file, buf.Bytes())
}

// tarFile reads one file of a tar.gz.
func tarFile(t *testing.T, file, name string) []byte {
	t.Helper()
	var out []byte
	editTarGz(t, file, func(es []entry) []entry {
		for _, e := range es {
			if e.h.Name == name {
				out = e.data
			}
		}
		return es
	})
	if out == nil {
		t.Fatalf("%s: no %s", file, name)
	}
	return out
}

// editChart rewrites one file of the demo chart, then fixes the checksums.
func editChart(t *testing.T, dir, name string, fn func(string) string) {
	t.Helper()
	editTarGz(t, filepath.Join(dir, "helm", "hello-0.1.0.tgz"), func(es []entry) []entry {
		for i := range es {
			if es[i].h.Name == "hello/"+name {
				es[i].data = []byte(fn(string(es[i].data)))
			}
		}
		return es
	})
	fix(t, dir)
}

func editManifest(t *testing.T, dir string, fn func(*manifest.Manifest)) {
	t.Helper()
	m, err := manifest.Load(filepath.Join(dir, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fn(m)
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "manifest.yaml"), data)
}

// fix makes the checksums agree with the files again, as a careless rebuild would: the
// manifest's artifact records, every .sha256 file and SHA256SUMS. Corruptions that fix leaves
// are found by the other checks.
func fix(t *testing.T, dir string) {
	t.Helper()
	sum := func(rel string) (string, bool) {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return "", false
		}
		s := sha256.Sum256(data)
		return hex.EncodeToString(s[:]), true
	}
	editManifest(t, dir, func(m *manifest.Manifest) {
		var kept []manifest.Artifact
		for _, a := range m.Artifacts {
			if a.SHA256 != "" {
				s, ok := sum(a.Path)
				if !ok {
					continue
				}
				a.SHA256 = s
				write(t, filepath.Join(dir, filepath.FromSlash(a.Path)+".sha256"), []byte(s+"  "+path.Base(a.Path)+"\n"))
			}
			kept = append(kept, a)
		}
		m.Artifacts = kept
	})
	var lines []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel != "SHA256SUMS" {
			s, _ := sum(rel)
			lines = append(lines, s+"  "+rel+"\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	write(t, filepath.Join(dir, "SHA256SUMS"), []byte(strings.Join(lines, "")))
}

// dropImagePlatform removes a platform from the demo image and records the new digest.
func dropImagePlatform(t *testing.T, dir string, pl v1.Platform) {
	t.Helper()
	p, err := layout.FromPath(filepath.Join(dir, "docker"))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	desc := im.Manifests[0]
	ii, err := idx.ImageIndex(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	smaller := mutate.RemoveManifests(ii, match.Platforms(pl))
	ref := desc.Annotations[release.RefNameAnnotation]
	if err := p.ReplaceIndex(smaller, match.Annotation(release.RefNameAnnotation, ref), layout.WithAnnotations(desc.Annotations)); err != nil {
		t.Fatal(err)
	}
	d, err := smaller.Digest()
	if err != nil {
		t.Fatal(err)
	}
	editManifest(t, dir, func(m *manifest.Manifest) {
		for i, a := range m.Artifacts {
			if a.Path == ref {
				m.Artifacts[i].Digest = d.String()
			}
		}
	})
}

// largestBlob is the biggest file of the image layout: a layer.
func largestBlob(t *testing.T, dir string) string {
	t.Helper()
	var best string
	var size int64
	blobs := filepath.Join(dir, "docker", "blobs", "sha256")
	entries, err := os.ReadDir(blobs)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() > size {
			best, size = filepath.Join(blobs, e.Name()), info.Size()
		}
	}
	return best
}

// sha is the commit the release records for the sample.
func sha(t *testing.T, dir string) string {
	t.Helper()
	m, err := manifest.Load(filepath.Join(dir, "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return m.Dependencies["hello"].Sha
}

func flip(t *testing.T, file string, at int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[at%len(data)] ^= 0x01
	write(t, file, data)
}

func write(t *testing.T, file string, data []byte) {
	t.Helper()
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, dir string, rels ...string) {
	t.Helper()
	for _, rel := range rels {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJUnit(t *testing.T) {
	dir := releaseDir(t, demo)
	remove(t, dir, "hello-0.1.0-linux-arm64.tar.gz")
	rep, _ := check(t, dir)
	var b bytes.Buffer
	if err := rep.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, b.String())
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Tests != 13 || doc.Suites[0].Failures != 4 {
		t.Fatalf("suites: %+v", doc.Suites)
	}
	var failed []string
	for _, c := range doc.Suites[0].Cases {
		if c.Failure != nil {
			failed = append(failed, c.Name)
			if c.Failure.Message == "" || !strings.Contains(c.Failure.Text, c.Failure.Message) {
				t.Errorf("%s: failure message %q, text %q", c.Name, c.Failure.Message, c.Failure.Text)
			}
		}
	}
	if diff := cmp.Diff([]string{"manifest", "checksums", "archives", "binaries"}, failed); diff != "" {
		t.Errorf("failed test cases (-want +got):\n%s", diff)
	}
	// The file is the same bytes, and a folder that is not there leaves nothing.
	out := filepath.Join(t.TempDir(), "junit.xml")
	if err := rep.WriteJUnitFile(out); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(out); err != nil || !bytes.Equal(data, b.Bytes()) {
		t.Errorf("junit.xml differs from WriteJUnit's output (%v)", err)
	}
	if err := rep.WriteJUnitFile(filepath.Join(t.TempDir(), "gone", "junit.xml")); err == nil {
		t.Error("wrote into a folder that is not there")
	}
}
