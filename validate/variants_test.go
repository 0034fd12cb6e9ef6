package validate_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/internal/registrytest"
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

// busybox is the digest the sidecar variant's lock gives its third-party image.
var busybox = "sha256:" + strings.Repeat("b", 64)

// sidecar adds a third-party image to the chart, pinned through a lock as examples/build -lock
// does: the release records the lock it used.
var sidecar = variant{name: "sidecar", files: func(files map[string][]byte) {
	files["charts/hello/values.yaml"] = []byte(string(files["charts/hello/values.yaml"]) + "proxy:\n  image: docker.io/library/busybox:1.36\n")
	files["charts/hello/templates/deployment.yaml"] = []byte(string(files["charts/hello/templates/deployment.yaml"]) +
		"      - name: proxy\n        image: {{ .Values.proxy.image }}\n")
}, images: func() digest.Resolver {
	l := digest.NewLock()
	ref, _ := digest.Parse("busybox:1.36")
	l.Add(ref, digest.Digest(busybox))
	return l
}()}

// pinnedCLI adds a command-line tool stamped with the image's pinned reference, as a CLI that
// installs the release's images is.
var pinnedCLI = variant{name: "pinned-cli", files: func(files map[string][]byte) {
	spec := string(files["release/releasekit.yaml"])
	spec = strings.Replace(spec, "binaries:\n", `binaries:
- name: helloctl
  package: ./cmd/hello
  platforms: [linux/amd64]
  ldflags: ["-X main.version={{.Version}}", '-X main.commit={{index .Images "hello"}}']
  versionCommand: [-version]
`, 1)
	spec = strings.Replace(spec, "archives:\n", `archives:
- name: helloctl
  binaries: [helloctl]
  platforms: [linux/amd64]
`, 1)
	files["release/releasekit.yaml"] = []byte(spec)
}}

// unusedVariable stamps a variable the binary never reads, as podinfo's ldflags do: the linker
// drops it, and the check says it could not check it, without failing.
var unusedVariable = variant{name: "unused-variable", files: func(files map[string][]byte) {
	spec := string(files["release/releasekit.yaml"])
	spec = strings.Replace(spec, `"-X main.commit={{.Commit}}"]`, `"-X main.commit={{.Commit}}", "-X main.REVISION=rev-{{.Commit}}"]`, 1)
	files["release/releasekit.yaml"] = []byte(spec)
}}

// windowsEntries gives the demo image Windows entries, in Kubernetes-CSI's shape: nanoserver
// 1809 and ltsc2022 bases, and netapi32.dll from the servercore of each build, all in OCI
// layouts inside the project.
var windowsEntries = variant{name: "windows", files: func(files map[string][]byte) {
	refs := map[string]string{}
	for _, w := range []struct{ name, osVersion, dll string }{
		{"nanoserver-1809", "10.0.17763.7009", ""},
		{"nanoserver-ltsc2022", "10.0.20348.3207", ""},
		{"servercore-ltsc2019", "10.0.17763.6893", "netapi 17763"},
		{"servercore-ltsc2022", "10.0.20348.3091", "netapi 20348"},
	} {
		layer := map[string]string{}
		if w.dll != "" {
			layer["Windows/System32/netapi32.dll"] = w.dll
		}
		refs[w.name] = layoutFiles(files, "windows/"+w.name, func(dir string) (string, error) {
			return registrytest.WriteWindowsImage(dir, w.osVersion, layer)
		})
	}
	spec := string(files["release/releasekit.yaml"])
	spec = strings.Replace(spec, "  entrypoint: [/usr/local/bin/hello]\n", `  entrypoint: [/usr/local/bin/hello]
  windows:
    bases: ["`+refs["nanoserver-1809"]+`", "`+refs["nanoserver-ltsc2022"]+`"]
    entrypoint: [/usr/local/bin/hello.exe]
    user: ContainerAdministrator
    copy:
    - from: ["`+refs["servercore-ltsc2019"]+`", "`+refs["servercore-ltsc2022"]+`"]
      paths: [/Windows/System32/netapi32.dll]
`, 1)
	files["release/releasekit.yaml"] = []byte(spec)
}}

// layoutFiles writes an OCI layout with write into a temporary folder, adds its files to files
// under dir, and returns the layout's reference with dir in place of the temporary folder.
func layoutFiles(files map[string][]byte, dir string, write func(string) (string, error)) string {
	tmp, err := os.MkdirTemp("", "layout-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(tmp)
	ref, err := write(tmp)
	if err != nil {
		panic(err)
	}
	err = filepath.WalkDir(tmp, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(tmp, p)
		files[dir+"/"+filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		panic(err)
	}
	return strings.Replace(ref, tmp, dir, 1)
}

// partial asks for archives and sources only.
var partial = variant{name: "partial", manifest: "outputs: [archive, sources]\n"}

func TestVariants(t *testing.T) {
	// Each variant's report is its golden file (testdata/report/<name>.txt; -update rewrites
	// them): the same as passed.txt for most, with a NOTE per binary where a variable the
	// binary does not have is noted, not failed, and SKIP lines for a partial build.
	for _, v := range []variant{
		mainBranch,
		sidecar,        // the third-party image resolves from the lock the release records
		pinnedCLI,      // the image reference stamped in a binary is found by the manifest's digest
		unusedVariable, // a variable the binary does not have is noted, not failed
		windowsEntries, // Windows entries beside the linux ones
		partial,        // validated for what it built
	} {
		t.Run(v.name, func(t *testing.T) {
			dir := releaseDir(t, v)
			_, got := check(t, dir)
			golden.Assert(t, "testdata/report/"+v.name+".txt", []byte(got))
		})
	}
	if _, err := os.Stat(filepath.Join(releaseDir(t, mainBranch), "rpm", "hello-arm64.rpm")); err != nil {
		t.Errorf("the main-branch build has no arm64 rpm: %v", err)
	}
	lock, err := os.ReadFile(filepath.Join(releaseDir(t, sidecar), "images.lock.yaml"))
	if err != nil || !strings.Contains(string(lock), "docker.io/library/busybox:1.36: "+busybox) {
		t.Errorf("the sidecar release's lock: %q, %v", lock, err)
	}
}

// TestLockMissing: without the lock it was built with, a release's third-party image fails the
// charts check, which says where a digest may come from; a lock given by the caller fills in.
func TestLockMissing(t *testing.T) {
	runCorruption(t, sidecar, corruption{
		name: "no images.lock.yaml",
		corrupt: func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "images.lock.yaml")); err != nil {
				t.Fatal(err)
			}
			fix(t, dir)
		},
		failed: []string{"charts"},
		lines: []string{`FAIL charts: hello-0.1.0.tgz: templates/deployment.yaml: image "docker.io/library/busybox:1.36@` + busybox +
			`" is pinned to a digest that is in neither this release's images nor its lock (images.lock.yaml), nor a lock given with WithLock`},
	})
	dir := releaseDir(t, sidecar)
	os.Remove(filepath.Join(dir, "images.lock.yaml"))
	fix(t, dir)
	if rep, got := check(t, dir, validate.WithLock(sidecar.images)); !rep.Passed() {
		t.Errorf("with the lock given:\n%s", got)
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
			failed: []string{"packages", "provenance"},
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
			failed: []string{"packages", "provenance"},
			lines:  []string{`FAIL packages: rpm/hello.rpm: rpm signature: `},
		},
		{
			name: "a floating tag not pulled Always",
			corrupt: func(t *testing.T, dir string) {
				editChart(t, dir, "values.yaml", func(s string) string {
					return strings.Replace(s, "pullPolicy: Always", "pullPolicy: IfNotPresent", 1)
				})
			},
			failed: []string{"charts", "provenance"},
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
			failed: []string{"charts", "provenance"},
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
	// (The edit fixed the checksums, not the provenance, which fails: the licenses check is the
	// one in question here.)
	licensesPass := func(rep *validate.Report) bool {
		return slices.ContainsFunc(rep.Results, func(r validate.Result) bool { return r.Check == "licenses" && r.Status == validate.Passed })
	}
	if rep, got := check(t, dir, validate.WithForbiddenLicenses()); !licensesPass(rep) {
		t.Errorf("with no forbidden license types:\n%s", got)
	}
	if rep, got := check(t, dir, validate.WithForbiddenLicenses("restricted")); !licensesPass(rep) {
		t.Errorf("forbidding restricted only:\n%s", got)
	}
}

// podinfoShaped is the sample released as podinfo is, each of its former workarounds now a
// field: an ldflags variable the binary never reads, goreleaser-style package names, a deb
// section, the binary in its own folder of the image, the image's source label set by the
// project, and a chart whose helm test hook writes its image in the template.
var podinfoShaped = variant{name: "podinfo-shaped", files: func(files map[string][]byte) {
	spec := string(files["release/releasekit.yaml"])
	for old, new := range map[string]string{
		`"-X main.commit={{.Commit}}"]`: `"-X main.commit={{.Commit}}", "-X main.REVISION={{.Commit}}"]`,
		"  formats: [deb]\n":            "  formats: [deb]\n  nameTemplate: \"{{.Name}}_{{.Version}}_{{.Arch}}\"\n  section: web\n",
		"  entrypoint: [/usr/local/bin/hello]\n": "  binaryDir: /home/app\n  entrypoint: [/home/app/hello]\n" +
			"  labels: {org.opencontainers.image.source: \"https://github.com/example/hello\"}\n",
		"  path: charts/hello\n": "  path: charts/hello\n  unpinned: [templates/tests/*]\n",
	} {
		if !strings.Contains(spec, old) {
			panic("the sample's spec has no " + old)
		}
		spec = strings.Replace(spec, old, new, 1)
	}
	files["release/releasekit.yaml"] = []byte(spec)
	files["charts/hello/templates/tests/grpc.yaml"] = []byte(`apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-grpc-test
  annotations:
    "helm.sh/hook": test
spec:
  containers:
  - name: grpc
    image: ghcr.io/example/grpc-health-probe:v0.4.25
    command: [grpc_health_probe, -addr={{ .Release.Name }}:9999]
  restartPolicy: Never
`)
}}

// TestPodinfoShaped: the podinfo-shaped release builds and validates with no workaround, with
// the names and places it asked for.
func TestPodinfoShaped(t *testing.T) {
	dir := releaseDir(t, podinfoShaped)
	_, got := check(t, dir)
	// REVISION holds the commit, which main.commit puts in the binary too: its value is found, so
	// nothing is noted (the unused-variable variant shows the note).
	golden.Assert(t, passed, []byte(got))
	for _, p := range []string{"deb/hello_0.1.0_amd64.deb", "deb/hello_0.1.0_arm64.deb", "helm/hello-0.1.0.tgz", "grafana/hello-dashboard.json"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
}

// TestWindowsEntries: the Windows entries are checked like the linux ones; an index without
// them fails the images check.
func TestWindowsEntries(t *testing.T) {
	dir := releaseDir(t, windowsEntries)
	l, err := release.OpenLayout(filepath.Join(dir, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	im, ok := l.Lookup("registry.example/demo/hello:0.1.0")
	if !ok {
		t.Fatal("no image")
	}
	idx, err := im.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, d := range idx.Manifests {
		platforms = append(platforms, d.Platform.String())
	}
	if want := []string{"linux/amd64", "linux/arm64", "windows/amd64:10.0.17763.7009", "windows/amd64:10.0.20348.3207"}; !slices.Equal(platforms, want) {
		t.Fatalf("the image's entries are %v, want %v", platforms, want)
	}
	runCorruption(t, windowsEntries, corruption{
		name: "drop the Windows entries",
		corrupt: func(t *testing.T, dir string) {
			dropImagePlatform(t, dir, v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.17763.7009"})
			dropImagePlatform(t, dir, v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: "10.0.20348.3207"})
			fix(t, dir)
		},
		failed: []string{"images", "charts"},
		lines:  []string{"FAIL images: registry.example/demo/hello:0.1.0: no Windows entry for windows/amd64"},
	})
}
