package artifacts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func build(t *testing.T, res *resolve.Result, out string, opts ...artifacts.Option) *artifacts.Set {
	t.Helper()
	set, err := artifacts.Build(t.Context(), res, out, append([]artifacts.Option{artifacts.WithPackager(pkg.New())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listing describes an archive's entries, one per line; binaries without their size, which
// depends on the Go release that compiled them.
func listing(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	format := archive.TarGz
	if strings.HasSuffix(p, ".zip") {
		format = archive.Zip
	}
	entries, err := archive.List(bytes.NewReader(data), int64(len(data)), format)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		size := fmt.Sprint(e.Size)
		if e.Mode.IsDir() || strings.Contains(e.Name, "/bin/") {
			size = "-"
		}
		fmt.Fprintf(&b, "%s %s %s\n", e.Mode, size, e.Name)
	}
	return b.String()
}

func TestBuild(t *testing.T) {
	work := t.TempDir()
	out := filepath.Join(work, "out")
	set := build(t, resolved(t, work, fullRelease), out)

	var paths []string
	for _, a := range set.Artifacts {
		paths = append(paths, fmt.Sprintf("%s %s", a.Kind, a.Path))
		if got := read(t, filepath.Join(out, a.Path+".sha256")); got != a.SHA256+"  "+filepath.Base(a.Path)+"\n" {
			t.Errorf("%s.sha256 = %q", a.Path, got)
		}
	}
	want := []string{
		"archive app-1.2.0-linux-amd64.tar.gz", "archive app-1.2.0-win.zip",
		"debian deb/app-arm64.deb", "debian deb/app.deb",
		"command info.txt",
		"rpm rpm/app-arm64.rpm", "rpm rpm/app.rpm",
		"sbom sbom/app-linux-amd64.spdx.json", "sbom sbom/app-linux-arm64.spdx.json", "sbom sbom/app-windows-amd64.spdx.json",
		"sbom sbom/sources.spdx.json",
		"sources sources.tar.gz",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("artifacts (-want +got):\n%s", diff)
	}
	for _, name := range []string{"app-1.2.0-linux-amd64.tar.gz", "app-1.2.0-win.zip", "sources.tar.gz"} {
		golden.Assert(t, "testdata/"+name+".golden", []byte(listing(t, filepath.Join(out, name))))
	}

	// The deb holds the amd64 binary and the config file.
	contents, err := exec.Command("dpkg-deb", "--contents", filepath.Join(out, "deb", "app.deb")).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, contents)
	}
	for _, s := range []string{"./usr/bin/app", "./etc/app/app.conf", "2024-05-01 12:00"} {
		if !strings.Contains(string(contents), s) {
			t.Errorf("deb/app.deb lacks %s:\n%s", s, contents)
		}
	}

	// The command ran with the release's fixed environment.
	epoch := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).Unix()
	if got, want := read(t, filepath.Join(out, "info.txt")), fmt.Sprintf("version=1.2.0 tag=1.2.0 hub=registry.example/app epoch=%d\n", epoch); got != want {
		t.Errorf("info.txt = %q, want %q", got, want)
	}

	// sha256sum agrees with SHA256SUMS, which covers every file but itself.
	cmd := exec.Command("sha256sum", "--check", "--strict", release.SumsFile)
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum --check: %v\n%s", err, b)
	}
	var files []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != release.SumsFile {
			rel, _ := filepath.Rel(out, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if got := strings.Count(read(t, filepath.Join(out, release.SumsFile)), "\n"); got != len(files) {
		t.Errorf("SHA256SUMS has %d lines for %d files: %v", got, len(files), files)
	}

	// The written manifest parses, records every artifact and the toolchain used.
	m, err := manifest.Load(filepath.Join(out, release.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Artifacts) != len(set.Artifacts) {
		t.Errorf("manifest records %d artifacts, want %d", len(m.Artifacts), len(set.Artifacts))
	}
	if v := m.Build.Binaries[0].GoVersion; !strings.HasPrefix(v, "go1.") {
		t.Errorf("goVersion recorded as %q", v)
	}
}

// TestVersionStamped runs the binary built for this machine and checks that it knows its release.
func TestVersionStamped(t *testing.T) {
	work := t.TempDir()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	text := strings.Replace(fullRelease, "platforms: [linux/amd64, linux/arm64, windows/amd64]", "platforms: ["+platform+"]", 1)
	text = text[:strings.Index(text, "  archives:")] + `  archives:
  - name: app
    binaries: [app]
    platforms: [` + platform + `]
`
	out := filepath.Join(work, "out")
	set := build(t, resolved(t, work, text), out)
	dir := t.TempDir()
	cmd := exec.Command("tar", "-xzf", filepath.Join(out, set.Artifacts[0].Path), "-C", dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	got, err := exec.Command(filepath.Join(dir, "app")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "app 1.2.0\n" {
		t.Errorf("app prints %q, want the release version", got)
	}
}

// TestReproducible builds the same manifest twice: in other folders, another time zone and
// umask, later on the clock, with a cold and then a warm Go build cache. SHA256SUMS is the same.
func TestReproducible(t *testing.T) {
	sums := func(tz string, umask int, gocache string) string {
		t.Setenv("TZ", tz)
		old := setUmask(umask)
		defer setUmask(old)
		work := t.TempDir()
		out := filepath.Join(work, "release", "out")
		env := append(os.Environ(), "GOCACHE="+gocache)
		build(t, resolved(t, work, fullRelease), out, artifacts.WithEnv(env), artifacts.WithJobs(1))
		return read(t, filepath.Join(out, release.SumsFile))
	}
	cache := t.TempDir()
	first := sums("UTC", 0o022, cache)
	time.Sleep(1100 * time.Millisecond) // a later wall clock second
	second := sums("Asia/Kathmandu", 0o077, cache)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("SHA256SUMS differ between two builds (-first +second):\n%s", diff)
	}
}

func TestRebuildReuses(t *testing.T) {
	work := t.TempDir()
	res := resolved(t, work, fullRelease)
	out := filepath.Join(work, "out")
	first := build(t, res, out)
	second := build(t, res, out)
	for _, a := range second.Artifacts {
		if !a.Reused {
			t.Errorf("%s was built again from unchanged inputs", a.Path)
		}
	}
	if diff := cmp.Diff(first.Manifest, second.Manifest); diff != "" {
		t.Errorf("rebuild changed the manifest (-first +second):\n%s", diff)
	}

	// A lost output is rebuilt alone, the same bytes.
	lost := filepath.Join(out, "app-1.2.0-win.zip")
	if err := os.Remove(lost); err != nil {
		t.Fatal(err)
	}
	third := build(t, res, out)
	for _, a := range third.Artifacts {
		if a.Reused == (a.Path == "app-1.2.0-win.zip") {
			t.Errorf("%s: reused = %v", a.Path, a.Reused)
		}
	}
	if diff := cmp.Diff(first.Artifacts[1].SHA256, third.Artifacts[1].SHA256); diff != "" {
		t.Errorf("rebuilt archive differs: %s", diff)
	}

	// A changed input (the release time) builds everything again, and the manifest records it
	// for publishing (git tag and chart index dates).
	fourth := build(t, res, out, artifacts.WithTime(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)))
	for _, a := range fourth.Artifacts {
		if a.Reused {
			t.Errorf("%s reused after the release time changed", a.Path)
		}
	}
	d, err := release.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Time.Format(time.RFC3339); got != "2025-01-01T00:00:00Z" || d.Manifest.ReleaseTime != got {
		t.Errorf("release time %s (manifest %q), want the WithTime one", got, d.Manifest.ReleaseTime)
	}
	if first.Manifest.ReleaseTime != res.Time().UTC().Format(time.RFC3339) {
		t.Errorf("default release time %q, want the newest commit time %s", first.Manifest.ReleaseTime, res.Time().UTC())
	}
}

func TestBadSpec(t *testing.T) {
	work := t.TempDir()
	text := `version: 1.2.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - name: app
    package: ./cmd/nope
  - name: tool
    package: ./cmd/app
    platforms: [linux/amd64]
  archives:
  - name: app
    binaries: [tool]
    files:
    - include: [LICENSE, NOTICE]
    platforms: [linux/arm64]
  packages:
  - name: app
    formats: [deb]
    contents:
    - {src: packaging/missing.conf, dst: /etc/app.conf}
    scripts: {postinstall: packaging/missing.sh}
`
	res := resolved(t, work, text)
	out := filepath.Join(work, "out")
	_, err := artifacts.Build(t.Context(), res, out, artifacts.WithPackager(failingPackager{}))
	var got []string
	for _, p := range manifest.Problems(err) {
		got = append(got, p.Error())
	}
	want := []string{
		`manifest.yaml:6:5: build.binaries[0].package: ./cmd/nope is not a Go package in app`,
		`manifest.yaml:12:5: build.archives[0].binaries: binary "tool" is not built for linux/arm64`,
		`manifest.yaml:15:7: build.archives[0].files[0].include[1]: "NOTICE" matches no file in app`,
		`manifest.yaml:18:5: build.packages[0].scripts.postinstall: packaging/missing.sh is not a file in app`,
		`manifest.yaml:21:7: build.packages[0].contents[0].src: packaging/missing.conf is not a file in app`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s\nerror: %v", diff, err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a bad spec wrote %s: %v", out, err)
	}
}

// TestNameCollisions: every output name is known before anything is written; two outputs of
// one name are reported at both positions, and the names the release keeps are refused.
func TestNameCollisions(t *testing.T) {
	work := t.TempDir()
	text := `version: 1.2.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - name: app
    package: ./cmd/app
    platforms: [linux/amd64]
  archives:
  - name: app
    nameTemplate: "app"
    binaries: [app]
  - name: other
    nameTemplate: "app"
    files: [{include: [LICENSE]}]
    platforms: [linux/amd64]
  commands:
  - name: sums
    run: [sh, -c, "true"]
    outputs: [SHA256SUMS, notes/app.tar.gz, app.tar.gz.sha256]
`
	res := resolved(t, work, text)
	out := filepath.Join(work, "out")
	_, err := artifacts.Build(t.Context(), res, out)
	var got []string
	for _, p := range manifest.Problems(err) {
		got = append(got, p.Error())
	}
	want := []string{
		`manifest.yaml:10:5: build.archives[0].nameTemplate: writes app.tar.gz, as manifest.yaml:13:5: build.archives[1].nameTemplate does`,
		`manifest.yaml:10:5: build.archives[0].nameTemplate: writes app.tar.gz, as manifest.yaml:18:5: build.commands[0].outputs[1] does`,
		`manifest.yaml:13:5: build.archives[1].nameTemplate: writes app.tar.gz, as manifest.yaml:10:5: build.archives[0].nameTemplate does`,
		`manifest.yaml:18:5: build.commands[0].outputs[0]: writes SHA256SUMS, which the release directory keeps for itself`,
		`manifest.yaml:18:5: build.commands[0].outputs[1]: writes app.tar.gz, as manifest.yaml:10:5: build.archives[0].nameTemplate does`,
		`manifest.yaml:18:5: build.commands[0].outputs[2]: writes app.tar.gz.sha256: .sha256 files are written beside each output`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s\nerror: %v", diff, err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a bad spec wrote %s: %v", out, err)
	}
}

type failingPackager struct{}

func (failingPackager) Package(context.Context, *artifacts.PackageSpec, io.Writer) error {
	return errors.New("package refused")
}

// TestFailureLeavesNothing: a failing step and a cancelled build leave no partial file, and the
// next build finishes the job.
func TestFailureLeavesNothing(t *testing.T) {
	work := t.TempDir()
	res := resolved(t, work, fullRelease)
	out := filepath.Join(work, "out")
	_, err := artifacts.Build(t.Context(), res, out, artifacts.WithPackager(failingPackager{}))
	if err == nil || !strings.Contains(err.Error(), ": package refused") {
		t.Fatalf("got %v, want the packager's error", err)
	}
	assertComplete(t, out)
	if _, err := os.Stat(filepath.Join(out, "deb")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(out, "deb"))
		if len(entries) > 0 {
			t.Errorf("deb/ holds %v after a failed package", entries)
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out2 := filepath.Join(work, "cancelled")
	if _, err := artifacts.Build(ctx, res, out2); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: got %v", err)
	}
	assertComplete(t, out2)
}

// assertComplete fails on temporary files left in a release directory.
func assertComplete(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("partial file left: %s", p)
		}
		return nil
	})
}

func TestNoTime(t *testing.T) {
	res := &resolve.Result{Manifest: &manifest.Manifest{Version: "1.0.0"}}
	if _, err := artifacts.Build(t.Context(), res, t.TempDir()); !errors.Is(err, artifacts.ErrNoTime) {
		t.Errorf("got %v, want ErrNoTime", err)
	}
	// An explicit time (SOURCE_DATE_EPOCH in a main) is enough.
	if _, err := artifacts.Build(t.Context(), res, t.TempDir(), artifacts.WithTime(time.Unix(1714564800, 0))); err != nil {
		t.Errorf("with a time: %v", err)
	}
}

func TestSelectFiles(t *testing.T) {
	work := t.TempDir()
	for _, tt := range []struct {
		name             string
		include, exclude string
		want             []string
	}{
		{"file", "[LICENSE]", "[]", []string{"LICENSE"}},
		{"folder", "[docs]", "[]", []string{"docs/draft.tmp", "docs/guide.md"}},
		{"name glob excludes at any depth", "[docs, packaging]", `["*.tmp", "*.sh"]`, []string{"docs/guide.md", "packaging/app.conf"}},
		{"path glob is anchored", "[docs, packaging]", `["packaging/*.conf"]`, []string{"docs/draft.tmp", "docs/guide.md", "packaging/postinst.sh"}},
		{"excluded folders", `["*"]`, `[docs, cmd, packaging, "*.sh", go.mod]`, []string{"LICENSE", "README.md"}},
		{"glob", `["*.md", "go.*"]`, "[]", []string{"README.md", "go.mod"}},
		{"overlapping includes", `[docs, docs/guide.md]`, "[]", []string{"docs/draft.tmp", "docs/guide.md"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := `version: 1.0.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  archives:
  - name: files
    files: [{include: ` + tt.include + `, exclude: ` + tt.exclude + `}]
`
			out := filepath.Join(work, strings.ReplaceAll(tt.name, " ", "-"))
			res := resolved(t, filepath.Join(work, "w-"+filepath.Base(out)), text)
			build(t, res, out)
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(listing(t, filepath.Join(out, "files-1.0.0-linux-amd64.tar.gz"))), "\n") {
				if !strings.HasPrefix(line, "d") {
					got = append(got, line[strings.LastIndex(line, " ")+1:])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneBuildAtATime: a second build into a release directory in use fails, naming the process
// that holds it; a build removes the temporary files a killed one left.
func TestOneBuildAtATime(t *testing.T) {
	work := t.TempDir()
	res := resolved(t, work, fullRelease)
	out := filepath.Join(work, "out")
	unlock, err := atomicfile.Lock(filepath.Join(work, ".out.lock"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = artifacts.Build(t.Context(), res, out, artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()))
	if !errors.Is(err, artifacts.ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("by process %d", os.Getpid())) {
		t.Errorf("build into a directory in use: %v", err)
	}
	unlock()
	first := build(t, res, out)
	leftovers := []string{filepath.Join(out, ".app-1.2.0-win.zip.tmp-12345"), filepath.Join(out, "deb", ".app.deb.tmp-99"),
		filepath.Join(out, ".docker.tmp", "index.json")}
	for _, p := range leftovers {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("cut short"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	second := build(t, res, out)
	for _, p := range leftovers {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", p, err)
		}
	}
	assertComplete(t, out)
	if diff := cmp.Diff(first.Manifest, second.Manifest); diff != "" {
		t.Errorf("manifest (-first +second):\n%s", diff)
	}
}

// TestPackageNameTemplate: a package's file is named as its spec says, goreleaser's way.
func TestPackageNameTemplate(t *testing.T) {
	work := t.TempDir()
	text := `version: 1.2.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64, linux/arm64]}
  packages:
  - name: app
    nameTemplate: "{{.Name}}_{{.Version}}_{{.Arch}}"
    formats: [deb]
    maintainer: App Authors <app@example.com>
    contents: [{binary: app, dst: /usr/bin/app}]
    platforms: [linux/amd64, linux/arm64]
`
	set := build(t, resolved(t, work, text), filepath.Join(work, "out"))
	var paths []string
	for _, a := range set.Artifacts {
		if a.Kind == manifest.OutputDebian {
			paths = append(paths, a.Path)
		}
	}
	if diff := cmp.Diff([]string{"deb/app_1.2.0_amd64.deb", "deb/app_1.2.0_arm64.deb"}, paths); diff != "" {
		t.Errorf("packages (-want +got):\n%s", diff)
	}
}

// TestCompileParallelism: the builds running at once share the CPUs between them. By default
// (one build per CPU) each go build compiles one package at a time, so no more compile jobs
// run than there are CPUs; one build at a time takes them all.
func TestCompileParallelism(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	wrap := t.TempDir()
	log := filepath.Join(wrap, "go.log")
	script := "#!/bin/sh\necho \"$*\" >>" + log + "\nexec " + goTool + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(wrap, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", wrap+string(os.PathListSeparator)+os.Getenv("PATH"))
	text := `version: 1.0.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64, linux/arm64]}
`
	cpus := runtime.NumCPU()
	for _, tc := range []struct {
		opts []artifacts.Option
		want int
	}{
		{nil, 1},
		{[]artifacts.Option{artifacts.WithJobs(1)}, cpus},
		{[]artifacts.Option{artifacts.WithJobs(4 * cpus)}, 1},
	} {
		os.Remove(log)
		work := t.TempDir()
		if _, err := artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"), tc.opts...); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		builds := 0
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(line, "build ") {
				continue
			}
			builds++
			if want := fmt.Sprintf("build -p %d ", tc.want); !strings.HasPrefix(line, want) {
				t.Errorf("%d options: %q, want %q", len(tc.opts), line, want)
			}
		}
		if builds != 2 {
			t.Errorf("%d go builds, want 2:\n%s", builds, data)
		}
	}
}
