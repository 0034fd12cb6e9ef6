package artifacts_test

import (
	"archive/tar"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/registrytest"
)

// windowsFixture is a manifest whose image has linux and Windows entries, in Kubernetes-CSI's
// shape: nanoserver 1809 and ltsc2022 bases, and netapi32.dll copied from the servercore of the
// same Windows build.
func windowsFixture(t *testing.T, copyFrom ...string) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	linux := filepath.Join(dir, "distroless")
	p, err := layout.Write(linux, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	base := baseIndex(t)
	if err := p.AppendIndex(base); err != nil {
		t.Fatal(err)
	}
	bd, _ := base.Digest()
	refs := map[string]string{
		"nano1809": registrytest.WindowsImage(t, filepath.Join(dir, "nanoserver-1809"), "10.0.17763.7009",
			map[string]string{"Windows/System32/kernel32.dll": "kernel 17763"}),
		"nano2022": registrytest.WindowsImage(t, filepath.Join(dir, "nanoserver-ltsc2022"), "10.0.20348.3207",
			map[string]string{"Windows/System32/kernel32.dll": "kernel 20348"}),
		"core2019": registrytest.WindowsImage(t, filepath.Join(dir, "servercore-ltsc2019"), "10.0.17763.6893",
			map[string]string{"Windows/System32/netapi32.dll": "netapi 17763"}),
		// The top layer's copy wins, its name compared as Windows compares names.
		"core2022": registrytest.WindowsImage(t, filepath.Join(dir, "servercore-ltsc2022"), "10.0.20348.3100",
			map[string]string{"Windows/System32/netapi32.dll": "netapi 20348 old"},
			map[string]string{"windows/system32/NETAPI32.dll": "netapi 20348"}),
		// Deleted by the top layer.
		"core2022gone": registrytest.WindowsImage(t, filepath.Join(dir, "servercore-ltsc2022-gone"), "10.0.20348.3100",
			map[string]string{"Windows/System32/netapi32.dll": "netapi 20348"},
			map[string]string{"Windows/System32/.wh.netapi32.dll": ""}),
	}
	if len(copyFrom) == 0 {
		copyFrom = []string{"core2019", "core2022"}
	}
	var from []string
	for _, k := range copyFrom {
		from = append(from, `"`+refs[k]+`"`)
	}
	return `version: 2.19.0
docker: registry.example/sig-storage
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64, windows/amd64]}
  images:
  - name: app
    base: "oci-layout:` + linux + `@` + bd.String() + `"
    binaries: [app]
    binaryDir: /
    entrypoint: [/app]
    platforms: [linux/amd64]
    windows:
      bases: ["` + refs["nano1809"] + `", "` + refs["nano2022"] + `"]
      entrypoint: [/app.exe]
      user: ContainerAdministrator
      copy:
      - from: [` + strings.Join(from, ", ") + `]
        paths: [/Windows/System32/netapi32.dll]
`, refs
}

// TestWindowsEntries: an image gets one Windows entry per Windows base, with the base's
// os.version, the binary as app.exe and servercore's DLL of the same build in one
// Windows-format layer, its own entrypoint and user; the same bytes on every build.
func TestWindowsEntries(t *testing.T) {
	text, _ := windowsFixture(t)
	build := func() *artifacts.Set {
		work := t.TempDir()
		set, err := artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"))
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	one, two := build(), build()
	if one.Images[0].Digest != two.Images[0].Digest {
		t.Errorf("two builds give %s and %s", one.Images[0].Digest, two.Images[0].Digest)
	}
	l, err := release.OpenLayout(filepath.Join(one.Dir, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	im, ok := l.Lookup("registry.example/sig-storage/app:2.19.0")
	if !ok {
		t.Fatal("no image")
	}
	if err := validate.Index(im.Index); err != nil {
		t.Fatal(err)
	}
	idx, _ := im.Index.IndexManifest()
	var platforms []string
	for _, d := range idx.Manifests {
		platforms = append(platforms, d.Platform.String())
	}
	if diff := cmp.Diff([]string{"linux/amd64", "windows/amd64:10.0.17763.7009", "windows/amd64:10.0.20348.3207"}, platforms); diff != "" {
		t.Fatalf("index entries (-want +got):\n%s", diff)
	}
	for i, dll := range map[int]string{1: "netapi 17763", 2: "netapi 20348"} {
		img, err := im.Index.Image(idx.Manifests[i].Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		if cf.OS != "windows" || cf.OSVersion != idx.Manifests[i].Platform.OSVersion || cf.Config.User != "ContainerAdministrator" ||
			!cmp.Equal(cf.Config.Entrypoint, []string{"/app.exe"}) || cf.Config.Labels[release.LabelVersion] != "2.19.0" {
			t.Errorf("entry %d config: os %s %s, user %q, entrypoint %v, labels %v", i, cf.OS, cf.OSVersion, cf.Config.User, cf.Config.Entrypoint, cf.Config.Labels)
		}
		layers, _ := img.Layers()
		if len(layers) != 2 {
			t.Fatalf("entry %d: %d layers, want the base's and one", i, len(layers))
		}
		files := windowsFiles(t, layers[1])
		if files["Files/Windows/System32/netapi32.dll"] != dll {
			t.Errorf("entry %d: netapi32.dll is %q, want %q", i, files["Files/Windows/System32/netapi32.dll"], dll)
		}
		if exe := files["Files/app.exe"]; !strings.HasPrefix(exe, "MZ") {
			t.Errorf("entry %d: Files/app.exe is not a Windows binary (%d bytes)", i, len(exe))
		}
	}
	linux, err := im.Index.Image(idx.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if cf, _ := linux.ConfigFile(); !cmp.Equal(cf.Config.Entrypoint, []string{"/app"}) || cf.Config.User != "" {
		t.Errorf("linux entry: entrypoint %v, user %q", cf.Config.Entrypoint, cf.Config.User)
	}
}

// windowsFiles reads a Windows-format layer: every regular file's content, and checks every
// entry is under Files/ or Hives/ with the security descriptor that makes it usable.
func windowsFiles(t *testing.T, l v1.Layer) map[string]string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "Files" && h.Name != "Hives" && !strings.HasPrefix(h.Name, "Files/") {
			t.Errorf("%s: not in the Windows format", h.Name)
		}
		if strings.HasPrefix(h.Name, "Files/") && h.PAXRecords["MSWINDOWS.rawsd"] == "" {
			t.Errorf("%s: no security descriptor", h.Name)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			files[h.Name] = string(data)
		}
	}
}

// TestWindowsRefused: what the build cannot do right, it refuses with the reason.
func TestWindowsRefused(t *testing.T) {
	text, _ := windowsFixture(t, "core2019")
	work := t.TempDir()
	_, err := artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"))
	if err == nil || !strings.Contains(err.Error(), "windows.copy[0]: no image of from has a windows/amd64 entry for os.version 10.0.20348") {
		t.Errorf("a copy with no servercore for ltsc2022: %v", err)
	}

	text, _ = windowsFixture(t, "core2019", "core2022gone")
	work = t.TempDir()
	_, err = artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"))
	if err == nil || !strings.Contains(err.Error(), "/Windows/System32/netapi32.dll: not in the image") {
		t.Errorf("a copy whited out by the top layer: %v", err)
	}

	text, _ = windowsFixture(t)
	explicit := strings.Replace(text, "      entrypoint: [/app.exe]", "      platforms: [windows/amd64]\n      entrypoint: [/app.exe]", 1)
	for _, c := range []struct{ from, to, want string }{
		{"platforms: [linux/amd64, windows/amd64]", "platforms: [linux/amd64]", "build.images[0].windows.platforms: no windows platform"},
		{"docker: registry.example/sig-storage\n", "docker: registry.example/sig-storage\ndockerOutput: tar\n", "dockerOutput tar cannot write them"},
	} {
		work := t.TempDir()
		_, err := artifacts.Build(t.Context(), resolved(t, work, strings.Replace(text, c.from, c.to, 1)), filepath.Join(work, "out"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.to, err, c.want)
		}
	}
	work = t.TempDir()
	_, err = artifacts.Build(t.Context(), resolved(t, work, strings.Replace(explicit, "platforms: [linux/amd64, windows/amd64]", "platforms: [linux/amd64]", 1)), filepath.Join(work, "out"))
	if err == nil || !strings.Contains(err.Error(), `binary "app" is not built for windows/amd64`) {
		t.Errorf("windows.platforms without a windows binary: %v", err)
	}
}
