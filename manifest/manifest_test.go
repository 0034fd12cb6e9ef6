package manifest_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/releasekit/releasekit/manifest"
)

func TestLoadIstioExample(t *testing.T) {
	got, err := manifest.Load("testdata/istio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &manifest.Manifest{
		Version:       "1.2.3",
		Docker:        "docker.io/istio",
		Directory:     "/tmp/istio-release",
		ProxyOverride: "https://storage.googleapis.com/istio-build/proxy",
		Dependencies: map[string]*manifest.Dependency{
			"istio":   {Git: "https://github.com/istio/istio", Branch: "release-1.7"},
			"api":     {Git: "https://github.com/istio/api", Auto: manifest.AutoModules},
			"proxy":   {Git: "https://github.com/istio/proxy", Auto: manifest.AutoDeps},
			"ztunnel": {Git: "https://github.com/istio/ztunnel", Auto: manifest.AutoDeps},
			"envoy":   {Git: "https://github.com/istio/envoy", Auto: manifest.AutoProxyWorkspace},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"linux/amd64"}, got.Platforms()); diff != "" {
		t.Errorf("Platforms (-want +got):\n%s", diff)
	}
	if got.AutoSource("envoy") != "proxy" || got.AutoSource("api") != "istio" || got.AutoSource("istio") != "" {
		t.Errorf("AutoSource: envoy=%q api=%q istio=%q", got.AutoSource("envoy"), got.AutoSource("api"), got.AutoSource("istio"))
	}
}

func TestLoadFullExample(t *testing.T) {
	m, err := manifest.Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(m.Build.Binaries) + len(m.Build.Archives) + len(m.Build.Packages) + len(m.Build.Images) + len(m.Build.Charts) + len(m.Build.Commands); got != 6 {
		t.Errorf("build entries = %d, want 6", got)
	}
	for _, o := range []manifest.Output{manifest.OutputArchive, manifest.OutputDebian, manifest.OutputRpm, manifest.OutputDocker, manifest.OutputHelm, manifest.OutputLicenses, manifest.OutputSources} {
		if !m.Wants(o) {
			t.Errorf("Wants(%s) = false, want true: the spec declares it", o)
		}
	}
	if m.Wants(manifest.OutputGrafana) {
		t.Error("Wants(grafana) = true with no dashboards")
	}
	// The README shows this manifest; it must stay valid as written there.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, full) {
		t.Error("README.md does not show manifest/testdata/full.yaml verbatim")
	}
}

func TestWantsListedOutputsOnly(t *testing.T) {
	m, err := manifest.Parse(strings.NewReader(`
version: 1.0.0
outputs: [sources, helm]
dependencies:
  a: {localpath: /src/a}
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for o, want := range map[manifest.Output]bool{manifest.OutputSources: true, manifest.OutputHelm: true, manifest.OutputDocker: false, manifest.OutputArchive: false} {
		if got := m.Wants(o); got != want {
			t.Errorf("Wants(%s) = %v, want %v", o, got, want)
		}
	}
}

func TestResolvedManifestRoundTrip(t *testing.T) {
	m := &manifest.Manifest{
		Version:       "1.2.3",
		Docker:        "docker.io/istio",
		Architectures: []string{"linux/arm64", "linux/amd64"},
		Dashboards:    map[string]int{"pilot": 7645, "mesh": 7639},
		Dependencies: map[string]*manifest.Dependency{
			"istio": {Git: "https://github.com/istio/istio", Sha: strings.Repeat("a", 40),
				Resolved: &manifest.Resolution{From: "branch release-1.7", CommitTime: "2020-01-02T03:04:05Z"}},
			"api": {Git: "https://github.com/istio/api", Sha: strings.Repeat("b", 40), GoVersionEnabled: true,
				Resolved: &manifest.Resolution{From: "auto modules: istio.io/api v1.2.3 in istio/go.mod", CommitTime: "2020-01-01T00:00:00Z"}},
		},
		Build: manifest.Build{Binaries: []manifest.Binary{{Name: "x", Dependency: "istio", Package: "./cmd/x"}}},
		Artifacts: []manifest.Artifact{
			{Path: "x-1.2.3-linux-amd64.tar.gz", Kind: manifest.OutputArchive, SHA256: strings.Repeat("c", 64)},
		},
	}
	first, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, err := m.Clone().Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("Marshal is not deterministic:\n%s\n---\n%s", first, again)
		}
	}
	back, err := manifest.Parse(bytes.NewReader(first), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Positions say where entries were read, so they differ between the two files by design.
	if diff := cmp.Diff(m, back, cmpopts.IgnoreTypes(manifest.Pos{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestCloneIsDeep(t *testing.T) {
	m, err := manifest.Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	if diff := cmp.Diff(m, c); diff != "" {
		t.Fatalf("Clone differs (-want +got):\n%s", diff)
	}
	c.Dependencies["demo"].Branch = "changed"
	c.Build.Binaries[0].Platforms[0] = "changed"
	c.Build.Images[0].Labels["changed"] = "x"
	c.Build.Archives[0].Files[0].Include[0] = "changed"
	if m.Dependencies["demo"].Branch == "changed" || m.Build.Binaries[0].Platforms[0] == "changed" ||
		m.Build.Images[0].Labels["changed"] == "x" || m.Build.Archives[0].Files[0].Include[0] == "changed" {
		t.Error("changing the clone changed the original")
	}
}

func TestCloneWindowsIsDeep(t *testing.T) {
	m := &manifest.Manifest{Build: manifest.Build{Images: []manifest.Image{{Name: "i", Windows: &manifest.WindowsImage{
		Bases: []string{"a"}, Entrypoint: []string{"/i.exe"}, Copy: []manifest.WindowsCopy{{From: []string{"b"}, Paths: []string{"/p"}}}}}}}}
	c := m.Clone()
	w := c.Build.Images[0].Windows
	w.Bases[0], w.Entrypoint[0], w.Copy[0].From[0], w.Copy[0].Paths[0], w.User = "x", "x", "x", "x", "x"
	if diff := cmp.Diff(&manifest.WindowsImage{Bases: []string{"a"}, Entrypoint: []string{"/i.exe"},
		Copy: []manifest.WindowsCopy{{From: []string{"b"}, Paths: []string{"/p"}}}}, m.Build.Images[0].Windows); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
}

func TestValidateInCode(t *testing.T) {
	m := &manifest.Manifest{Version: "1.0", Dependencies: map[string]*manifest.Dependency{"a": {Git: "https://x/a", Auto: "modulez"}}}
	want := `manifest: dependencies.a.auto: unknown resolver "modulez" (want modules, deps, proxy_workspace)`
	if got := errString(m.Validate()); got != want {
		t.Errorf("Validate error:\n got %s\nwant %s", got, want)
	}
}

func TestParseSpec(t *testing.T) {
	m, err := manifest.Parse(strings.NewReader(`
version: 1.0.0
dependencies:
  app: {git: https://example.com/app, branch: main}
  tools: {git: https://example.com/tools, branch: main}
build:
  binaries:
  - {name: tool, dependency: tools, package: ./cmd/tool}
`), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := `binaries:
- name: app
  package: ./cmd/app
archives:
- name: app
  binaries: [app, tool]
  files: [{include: [LICENSE]}]
`
	b, err := manifest.ParseSpec(strings.NewReader(spec), "app/release.yaml", m, "app")
	if err != nil {
		t.Fatal(err)
	}
	want := &manifest.Build{
		Binaries: []manifest.Binary{{
			Pos:  manifest.Pos{File: "app/release.yaml", Line: 2, Column: 3, Path: "binaries[0]"},
			Name: "app", Dependency: "app", Package: "./cmd/app",
		}},
		Archives: []manifest.Archive{{
			Pos:  manifest.Pos{File: "app/release.yaml", Line: 5, Column: 3, Path: "archives[0]"},
			Name: "app", Binaries: []string{"app", "tool"},
			Files: []manifest.Files{{
				Pos:        manifest.Pos{File: "app/release.yaml", Line: 7, Column: 11, Path: "archives[0].files[0]"},
				Dependency: "app", Include: []string{"LICENSE"},
			}},
		}},
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("ParseSpec (-want +got):\n%s", diff)
	}
	_, err = manifest.ParseSpec(strings.NewReader("binaries:\n- name: app\n  package: ./cmd/app\n  dependency: nope\n"), "app/release.yaml", m, "app")
	if got, want := errString(err), `app/release.yaml:4:15: binaries[0].dependency: unknown dependency "nope"`; got != want {
		t.Errorf("ParseSpec error:\n got %s\nwant %s", got, want)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestProblemsAreTyped(t *testing.T) {
	_, err := manifest.Parse(strings.NewReader("version: 1\nfoo: 1\nbar: 2\n"), "m.yaml")
	ps := manifest.Problems(err)
	if len(ps) != 3 {
		t.Fatalf("Problems = %d, want 3: %v", len(ps), err)
	}
	var e *manifest.Error
	if !errors.As(err, &e) || e.Line != 1 || e.Path != "dependencies" {
		t.Errorf("errors.As gives %+v, want the first problem (line 1, dependencies)", e)
	}
}

// TestSuffixInTemplates: a build's suffix names its outputs through .Suffix, and
// automation_images' IMG_SFX, which starts with its time, is one.
func TestSuffixInTemplates(t *testing.T) {
	if _, err := manifest.Parse(strings.NewReader("version: 1.2.0\nsuffix: 20260425t010036z-f43f42d14\ndependencies:\n  app: {git: https://git.example/app.git, branch: main}\n"), "m.yaml"); err != nil {
		t.Errorf("IMG_SFX as the suffix: %v", err)
	}
	m, err := manifest.Parse(strings.NewReader(`version: 1.2.0
suffix: c20261130t080102z-f9152e2
dependencies:
  app: {git: https://git.example/app.git, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app}
  archives:
  - {name: app, binaries: [app], nameTemplate: "{{.Name}}-{{.Suffix}}-{{.OS}}-{{.Arch}}"}
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.TemplateData("app", "app", "linux", "amd64").Execute(m.Build.Archives[0].NameTemplate)
	if err != nil || got != "app-c20261130t080102z-f9152e2-linux-amd64" {
		t.Errorf("name = %q, %v", got, err)
	}
}
