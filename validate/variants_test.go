package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/validate"
)

// mainBranch is the demo built as a main-branch build: debs and rpms, and a chart that keeps
// floating tags, pulled Always.
var mainBranch = variant{name: "main-branch", files: func(files map[string][]byte) {
	spec := string(files["release/releasekit.yaml"])
	spec = strings.Replace(spec, "formats: [deb]", "formats: [deb, rpm]", 1)
	spec = strings.Replace(spec, "  path: charts/hello\n", "  path: charts/hello\n  pin: tag\n", 1)
	spec += "    image.pullPolicy: Always\n"
	files["release/releasekit.yaml"] = []byte(spec)
}}

// partial asks for archives and sources only.
var partial = variant{name: "partial", manifest: "outputs: [archive, sources]\n"}

func TestVariants(t *testing.T) {
	for _, c := range []struct {
		v    variant
		want string
	}{
		{mainBranch, allPassed},
		// A partial build is validated for what it built.
		{partial, `PASS manifest
PASS checksums
PASS archives
PASS binaries
SKIP images: the manifest asks for no images
SKIP charts: the manifest asks for no charts
SKIP packages: the manifest asks for no packages
SKIP licenses: the manifest asks for no license bundles
PASS sources
Release validation PASSED
`},
	} {
		t.Run(c.v.name, func(t *testing.T) {
			dir := releaseDir(t, c.v)
			_, got := check(t, dir)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(releaseDir(t, mainBranch), "rpm", "hello-arm64.rpm")); err != nil {
		t.Errorf("the main-branch build has no arm64 rpm: %v", err)
	}
}

func TestCorruptedMainBranch(t *testing.T) {
	for _, c := range []corruption{
		{
			name: "an rpm for another architecture",
			corrupt: func(t *testing.T, dir string) {
				data, err := os.ReadFile(filepath.Join(dir, "rpm", "hello.rpm"))
				if err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "rpm", "hello-arm64.rpm"), data)
				fix(t, dir)
			},
			failed: []string{"packages"},
			lines:  []string{`FAIL packages: rpm/hello-arm64.rpm: architecture "x86_64", want "aarch64"`},
		},
		{
			name: "a truncated rpm",
			corrupt: func(t *testing.T, dir string) {
				file := filepath.Join(dir, "rpm", "hello.rpm")
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				write(t, file, data[:200])
				fix(t, dir)
			},
			failed: []string{"packages"},
			lines:  []string{`FAIL packages: rpm/hello.rpm: rpm signature: `},
		},
		{
			name: "a floating tag not pulled Always",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "values.yaml", func(s string) string {
					return strings.Replace(s, "pullPolicy: Always", "pullPolicy: IfNotPresent", 1)
				})
			},
			failed: []string{"charts"},
			lines: []string{
				`FAIL charts: hello-0.1.0.tgz: templates/deployment.yaml:16: imagePullPolicy is "IfNotPresent", want Always for a floating tag`,
			},
		},
		{
			name: "a pinned image in a floating-tag chart",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "values.yaml", func(s string) string {
					return strings.Replace(s, "tag: 0.1.0", "tag: 0.1.0@sha256:"+strings.Repeat("a", 64), 1)
				})
			},
			failed: []string{"charts"},
			lines: []string{
				`FAIL charts: hello-0.1.0.tgz: templates/deployment.yaml: image "registry.example/demo/hello:0.1.0@sha256:aaaa`,
				`is pinned, want the floating tag 0.1.0`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) { runCorruption(t, mainBranch, c) })
	}
}

// The policy for license types is the caller's: an empty list allows every type.
func TestLicensePolicy(t *testing.T) {
	dir := releaseDir(t, demo)
	editTarGz(t, filepath.Join(dir, "licenses", "hello.tar.gz"), func(es []entry) []entry {
		for i := range es {
			if es[i].h.Name == "hello/licenses.json" {
				es[i].data = []byte(strings.Replace(string(es[i].data), `"notice"`, `"unknown"`, 1))
			}
		}
		return es
	})
	fix(t, dir)
	if rep, got := check(t, dir, validate.WithForbiddenLicenses()); !rep.Passed() {
		t.Errorf("with no forbidden license types:\n%s", got)
	}
	if rep, got := check(t, dir, validate.WithForbiddenLicenses("restricted")); !rep.Passed() {
		t.Errorf("forbidding restricted only:\n%s", got)
	}
}
