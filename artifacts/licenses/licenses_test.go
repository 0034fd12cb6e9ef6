package licenses_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/tools/txtar"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// project writes testdata/project.txtar to a new git repository and returns its folder.
func project(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	ar, err := txtar.ParseFile("testdata/project.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const date = "2024-05-01T12:00:00Z"
	g := gitx.At(dir, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE="+date,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	for _, args := range [][]string{{"init", "--quiet", "--initial-branch=main"}, {"add", "--all"}, {"commit", "--quiet", "-m", "app"}} {
		if _, err := g.Run(t.Context(), args...); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScan(t *testing.T) {
	dir := project(t)
	got, err := licenses.New().Scan(t.Context(), dir, append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off"), ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []artifacts.License{
		{Module: "example.com/app", Names: []string{"MIT"}, Type: "notice", File: filepath.Join(dir, "LICENSE")},
		{Module: "example.com/lib", Names: []string{"WTFPL"}, Type: "forbidden", File: filepath.Join(dir, "lib", "LICENSE")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
}

func TestBuildBundle(t *testing.T) {
	dir := project(t)
	for _, tt := range []struct {
		name, forbid string
		wantErr      string
	}{
		{"allowed", "[restricted]", ""},
		{"forbidden", "[forbidden]", "forbidden licenses in app: example.com/lib (WTFPL, forbidden)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			work := t.TempDir()
			m, err := manifest.Parse(strings.NewReader(`version: 1.0.0
dependencies:
  app: {git: `+dir+`, branch: main}
build:
  binaries: [{name: app, package: ., platforms: [linux/amd64]}]
  licenses: {forbid: `+tt.forbid+`}
`), "manifest.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(work))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(work, "out")
			_, err = artifacts.Build(t.Context(), res, out, artifacts.WithLicenseScanner(licenses.New()))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				if _, err := os.Stat(filepath.Join(out, "licenses", "app.tar.gz")); err == nil {
					t.Error("a forbidden license still wrote the bundle")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			files := untar(t, filepath.Join(out, "licenses", "app.tar.gz"))
			var names []string
			for n := range files {
				names = append(names, n)
			}
			want := []string{"app/example.com/app/LICENSE", "app/example.com/lib/LICENSE", "app/licenses.json"}
			if diff := cmp.Diff(want, names, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("bundle (-want +got):\n%s", diff)
			}
			wantJSON := `[
  {
    "module": "example.com/app",
    "names": [
      "MIT"
    ],
    "type": "notice",
    "path": "app/example.com/app/LICENSE"
  },
  {
    "module": "example.com/lib",
    "names": [
      "WTFPL"
    ],
    "type": "forbidden",
    "path": "app/example.com/lib/LICENSE"
  }
]
`
			if diff := cmp.Diff(wantJSON, files["app/licenses.json"]); diff != "" {
				t.Errorf("licenses.json (-want +got):\n%s", diff)
			}
		})
	}
}

func untar(t *testing.T, p string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			files[h.Name] = string(b)
		}
	}
}

// TestScanVendored: a module that vendors its dependencies (as the Kubernetes-CSI sidecars
// do) has each dependency's license found in vendor/, where go list gives no module folder.
func TestScanVendored(t *testing.T) {
	dir := project(t)
	// The library as a required module, vendored, rather than replaced by a local folder.
	lib, err := os.ReadFile(filepath.Join(dir, "lib", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile(filepath.Join(dir, "lib", "lib.go"))
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, "lib"))
	for name, text := range map[string]string{
		"go.mod":                         "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.0.0\n",
		"vendor/modules.txt":             "# example.com/lib v1.0.0\n## explicit\nexample.com/lib\n",
		"vendor/example.com/lib/LICENSE": string(lib),
		"vendor/example.com/lib/lib.go":  string(code),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := licenses.New().Scan(t.Context(), dir, append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off"), ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []artifacts.License{
		{Module: "example.com/app", Names: []string{"MIT"}, Type: "notice", File: filepath.Join(dir, "LICENSE")},
		{Module: "example.com/lib", Version: "v1.0.0", Names: []string{"WTFPL"}, Type: "forbidden", File: filepath.Join(dir, "vendor", "example.com", "lib", "LICENSE")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}
}

// TestScanVendoredLocalReplace: a module of the repository's own, replaced by its folder and
// vendored (external-snapshotter's client/v8 => ./client), is under the repository's license
// when its folder has none; a replacement outside the repository is refused.
func TestScanVendoredLocalReplace(t *testing.T) {
	dir := project(t)
	for name, text := range map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/app/client v0.0.0\n\texample.com/lib v0.0.0\n)\n\n" +
			"replace example.com/lib => ./lib\n\nreplace example.com/app/client => ./client\n",
		"main.go":          "package main\n\nimport (\n\t\"example.com/app/client\"\n\t\"example.com/lib\"\n)\n\nfunc main() { lib.Hello(); client.Hello() }\n",
		"client/go.mod":    "module example.com/app/client\n\ngo 1.22\n",
		"client/client.go": "package client\n\nfunc Hello() {}\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vendor := exec.Command("go", "mod", "vendor")
	vendor.Dir, vendor.Env = dir, append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	if out, err := vendor.CombinedOutput(); err != nil {
		t.Fatalf("go mod vendor: %v\n%s", err, out)
	}
	env := append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off")
	got, err := licenses.New().Scan(t.Context(), dir, env, ".")
	if err != nil {
		t.Fatal(err)
	}
	want := []artifacts.License{
		{Module: "example.com/app", Names: []string{"MIT"}, Type: "notice", File: filepath.Join(dir, "LICENSE")},
		{Module: "example.com/app/client", Names: []string{"MIT"}, Type: "notice", File: filepath.Join(dir, "LICENSE")},
		{Module: "example.com/lib", Names: []string{"WTFPL"}, Type: "forbidden", File: filepath.Join(dir, "lib", "LICENSE")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Scan (-want +got):\n%s", diff)
	}

	// The client's folder outside the repository.
	outside := filepath.Join(filepath.Dir(dir), "client")
	if err := os.Rename(filepath.Join(dir, "client"), outside); err != nil {
		t.Fatal(err)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte(strings.Replace(string(gomod), "=> ./client", "=> ../client", 1)), 0o644)
	modules, _ := os.ReadFile(filepath.Join(dir, "vendor", "modules.txt"))
	os.WriteFile(filepath.Join(dir, "vendor", "modules.txt"), []byte(strings.ReplaceAll(string(modules), "=> ./client", "=> ../client")), 0o644)
	_, err = licenses.New().Scan(t.Context(), dir, env, ".")
	if err == nil || !strings.Contains(err.Error(), "licenses of example.com/app/client: it is replaced by "+outside+", a folder outside the main module") {
		t.Errorf("a replacement outside the repository: %v", err)
	}
}
