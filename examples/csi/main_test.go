package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=K", "GIT_AUTHOR_EMAIL=k@example.com", "GIT_AUTHOR_DATE=2026-03-02T10:00:00Z",
		"GIT_COMMITTER_NAME=K", "GIT_COMMITTER_EMAIL=k@example.com", "GIT_COMMITTER_DATE=2026-03-02T10:00:00Z")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

const mit = `MIT License

Copyright (c) 2026 The Kubernetes Authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`

// sidecar writes a repository in a Kubernetes-CSI sidecar's shape (vendored modules,
// release-tools/, a Dockerfile and a Dockerfile.Windows), with a command per name (the first
// names the repository), tagged v2.19.0, then v2.20.0-rc1 on a second commit. With several
// commands, each has its own cmd/<command>/Dockerfile, as external-snapshotter's do.
func sidecar(t *testing.T, dir string, commands ...string) string {
	t.Helper()
	name := commands[0]
	files := map[string]string{
		"go.mod":             "module github.com/kubernetes-csi/" + name + "\n\ngo 1.22\n",
		"vendor/modules.txt": "",
		"LICENSE":            mit,
		"Makefile":           "CMDS=" + strings.Join(commands, " ") + "\nall: build\n\ninclude release-tools/build.make\n",
		"release-tools/build.make": "REV=$(shell git describe --long --tags --match='v*' --dirty 2>/dev/null || git rev-list -n1 HEAD)\n" +
			"IMPORTPATH_LDFLAGS = -X main.version=$(REV)\n",
	}
	for _, c := range commands {
		dockerfile := "Dockerfile"
		if len(commands) > 1 {
			dockerfile = "cmd/" + c + "/Dockerfile"
		}
		files[dockerfile] = "FROM gcr.io/distroless/static:latest\nLABEL description=\"" + c + "\"\nARG binary=./bin/" + c + "\nCOPY ${binary} /" + c + "\nENTRYPOINT [\"/" + c + "\"]\n"
		files["cmd/"+c+"/main.go"] = "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nvar version = \"unknown\"\n\n" +
			"func main() {\n\tif len(os.Args) > 1 && os.Args[1] == \"--version\" {\n\t\tfmt.Println(\"" + c + "\", version)\n\t}\n}\n"
	}
	if len(commands) == 1 {
		files["Dockerfile.Windows"] = "ARG BASE_IMAGE=nanoserver:1809\nARG ADDON_IMAGE=servercore:1809\nFROM mcr.microsoft.com/windows/${ADDON_IMAGE} as addon\n" +
			"FROM mcr.microsoft.com/windows/${BASE_IMAGE}\nCOPY ./bin/" + name + ".exe /" + name + ".exe\n" +
			"COPY --from=addon /Windows/System32/netapi32.dll /Windows/System32/netapi32.dll\nUSER ContainerAdministrator\nENTRYPOINT [\"/" + name + ".exe\"]\n"
	}
	repo := filepath.Join(dir, name)
	for p, text := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(repo, p)), 0o755)
		os.WriteFile(filepath.Join(repo, p), []byte(text), 0o644)
	}
	git(t, repo, "init", "--quiet", "--initial-branch=master")
	git(t, repo, "add", "--all")
	git(t, repo, "commit", "--quiet", "-m", "Release v2.19.0")
	git(t, repo, "tag", "v2.19.0")
	git(t, repo, "commit", "--quiet", "--allow-empty", "-m", "Release v2.20.0-rc1")
	git(t, repo, "tag", "v2.20.0-rc1")
	return repo
}

// baseLayout writes a base image for the sidecars' five linux platforms in an OCI layout and
// returns it as a pinned base reference.
func baseLayout(t *testing.T, dir string) string {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, pl := range Platforms {
		p, err := v1.ParsePlatform(pl)
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, RootFS: v1.RootFS{Type: "layers"}})
		if err != nil {
			t.Fatal(err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	return "oci-layout:" + dir + "@" + d.String()
}

// indexOf returns the image index of ref in the release out.
func indexOf(t *testing.T, out, ref string) v1.ImageIndex {
	t.Helper()
	l, err := release.OpenLayout(filepath.Join(out, release.ImagesDir))
	if err != nil {
		t.Fatal(err)
	}
	im, ok := l.Lookup(ref)
	if !ok || im.Index == nil {
		t.Fatalf("no image %s in the release", ref)
	}
	return im.Index
}

// entries are the platforms of ref's index entries, in order.
func entries(t *testing.T, out, ref string) []string {
	t.Helper()
	m, err := indexOf(t, out, ref).IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var platforms []string
	for _, d := range m.Manifests {
		platforms = append(platforms, d.Platform.String())
	}
	return platforms
}

// linuxAmd64 returns ref's linux/amd64 image.
func linuxAmd64(t *testing.T, out, ref string) v1.Image {
	t.Helper()
	idx := indexOf(t, out, ref)
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range m.Manifests {
		if d.Platform != nil && d.Platform.OS == "linux" && d.Platform.Architecture == "amd64" {
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatalf("no linux/amd64 image in %s", ref)
	return nil
}

// configOf returns the config of the image's linux/amd64 variant.
func configOf(t *testing.T, out, ref string) *v1.ConfigFile {
	t.Helper()
	cf, err := linuxAmd64(t, out, ref).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// binaryIn returns the bytes of /name in the image's linux/amd64 layers.
func binaryIn(t *testing.T, out, ref, name string) []byte {
	t.Helper()
	layers, err := linuxAmd64(t, out, ref).Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range layers {
		rc, err := layer.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for h, err := tr.Next(); err == nil; h, err = tr.Next() {
			if h.Name == name {
				data, _ := io.ReadAll(tr)
				rc.Close()
				return data
			}
		}
		rc.Close()
	}
	t.Fatalf("no /%s in %s", name, ref)
	return nil
}

// TestSidecarRelease releases a sidecar shaped like livenessprobe from its tag and its -rc1
// tag, pins a hostpath deployment to the image, and checks the version policy of the driver.
func TestSidecarRelease(t *testing.T) {
	dir := t.TempDir()
	repo := sidecar(t, dir, "livenessprobe")
	base := baseLayout(t, filepath.Join(dir, "distroless-static"))
	// Dockerfile.Windows's bases: nanoserver 1809 and ltsc2022, and the servercore of each
	// build for netapi32.dll.
	windows := []string{
		"-windows-base", registrytest.WindowsImage(t, filepath.Join(dir, "nanoserver-1809"), "10.0.17763.7009", map[string]string{"Windows/System32/kernel32.dll": "k"}),
		"-windows-base", registrytest.WindowsImage(t, filepath.Join(dir, "nanoserver-ltsc2022"), "10.0.20348.3207", map[string]string{"Windows/System32/kernel32.dll": "k"}),
		"-windows-addon", registrytest.WindowsImage(t, filepath.Join(dir, "servercore-ltsc2019"), "10.0.17763.6893", map[string]string{"Windows/System32/netapi32.dll": "netapi 17763"}),
		"-windows-addon", registrytest.WindowsImage(t, filepath.Join(dir, "servercore-ltsc2022"), "10.0.20348.3100", map[string]string{"Windows/System32/netapi32.dll": "netapi 20348"}),
	}
	releaseAs := func(tag, work, description string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		args := append([]string{"release", "-name", "livenessprobe", "-git", repo, "-tag", tag, "-base", base, "-dir", work,
			"-description", description, "-provenance-builder", "https://prow.k8s.io/job/post-livenessprobe-push-images"}, windows...)
		code := run(t.Context(), args, &out, &errOut)
		if code != 0 || !strings.Contains(out.String(), "Release validation PASSED") || !strings.Contains(out.String(), "PASS provenance") {
			t.Fatalf("release %s: exit %d\n%s%s", tag, code, out.String(), errOut.String())
		}
		return filepath.Join(work, "out"), out.String()
	}
	releaseTag := func(tag string) (string, string) {
		t.Helper()
		return releaseAs(tag, filepath.Join(dir, "release-"+tag), "CSI Driver liveness probe")
	}
	out, text := releaseTag("v2.19.0")
	const ref = "registry.k8s.io/sig-storage/livenessprobe:v2.19.0"
	if !strings.Contains(text, "image "+ref+"@sha256:") {
		t.Errorf("release output:\n%s", text)
	}
	// Stamped as their release build stamps it: main.version is the tag, not the local
	// build's git describe --long.
	if bin := binaryIn(t, out, ref, "livenessprobe"); !bytes.Contains(bin, []byte("v2.19.0")) || bytes.Contains(bin, []byte("v2.19.0-0-g")) {
		t.Errorf("the binary does not carry main.version v2.19.0")
	}
	// One index: the five linux platforms, and a Windows entry per nanoserver base.
	platforms := entries(t, out, ref)
	if want := append(slices.Clone(Platforms), "windows/amd64:10.0.17763.7009", "windows/amd64:10.0.20348.3207"); !slices.Equal(platforms, want) {
		t.Errorf("the image's platforms are %v, want %v", platforms, want)
	}
	if got := configOf(t, out, ref).Config.Labels; got["revision"] != "v2.19.0" || got["description"] != "CSI Driver liveness probe" || got["maintainers"] != "Kubernetes Authors" {
		t.Errorf("labels %v", got)
	}
	// A pre-release tag gives a pre-release image.
	rcOut, rcText := releaseTag("v2.20.0-rc1")
	if !strings.Contains(rcText, "image registry.k8s.io/sig-storage/livenessprobe:v2.20.0-rc1@sha256:") {
		t.Errorf("rc release output:\n%s", rcText)
	}

	// Published to staging once; publishing again finds every tag identical; a rebuild of the
	// tag with other bytes is refused by the plan, and the tag stays.
	reg := registrytest.New(t)
	staging := reg.Host + "/k8s-staging-sig-storage"
	publishPlan := func(out string) (*publish.Publisher, *publish.Plan) {
		t.Helper()
		r, err := release.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		images, err := publish.Images(staging)
		if err != nil {
			t.Fatal(err)
		}
		p, err := publish.New(r, []publish.Target{images})
		if err != nil {
			t.Fatal(err)
		}
		pl, err := p.Plan(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return p, pl
	}
	for _, o := range []string{out, rcOut} {
		p, pl := publishPlan(o)
		if err := p.Apply(t.Context(), pl); err != nil {
			t.Fatal(err)
		}
	}
	if _, pl := publishPlan(out); pl.Count(publish.Push) != 0 || pl.Count(publish.Refuse) != 0 {
		t.Errorf("publishing v2.19.0 again plans %d pushes, %d refusals", pl.Count(publish.Push), pl.Count(publish.Refuse))
	}
	rebuilt, _ := releaseAs("v2.19.0", filepath.Join(dir, "rebuild-v2.19.0"), "CSI liveness probe, rebuilt")
	p, pl := publishPlan(rebuilt)
	var plan bytes.Buffer
	pl.WriteTo(&plan)
	if pl.Count(publish.Refuse) != 1 || !strings.Contains(plan.String(), "refuse (exists with other content)") {
		t.Errorf("the rebuilt tag's plan:\n%s", plan.String())
	}
	if err := p.Apply(t.Context(), pl); !errors.Is(err, publish.ErrExists) {
		t.Errorf("publishing the rebuilt tag: %v, want ErrExists", err)
	}

	// The hostpath driver's deployment, pinned to the image just built; others left alone.
	deploy := filepath.Join(dir, "deploy")
	os.MkdirAll(deploy, 0o755)
	plugin := `kind: StatefulSet
apiVersion: apps/v1
metadata:
  name: csi-hostpathplugin
spec:
  template:
    spec:
      containers:
        - name: hostpath
          image: registry.k8s.io/sig-storage/hostpathplugin:v1.17.0
        - name: node-driver-registrar
          image: registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.15.0
        - name: liveness-probe
          image: registry.k8s.io/sig-storage/livenessprobe:v2.19.0
`
	os.WriteFile(filepath.Join(deploy, "csi-hostpath-plugin.yaml"), []byte(plugin), 0o644)
	var pinOut, errOut bytes.Buffer
	if code := run(t.Context(), []string{"pin", "-deploy", deploy, "-release", out}, &pinOut, &errOut); code != 0 || !strings.Contains(pinOut.String(), "1 images pinned") {
		t.Fatalf("pin: exit %d\n%s%s", code, pinOut.String(), errOut.String())
	}
	got, _ := os.ReadFile(filepath.Join(deploy, "csi-hostpath-plugin.yaml"))
	if !strings.Contains(string(got), "image: registry.k8s.io/sig-storage/livenessprobe:v2.19.0@sha256:") ||
		!strings.Contains(string(got), "image: registry.k8s.io/sig-storage/hostpathplugin:v1.17.0\n") {
		t.Errorf("pinned deployment:\n%s", got)
	}

	// The policy: a sidecar's minor bump needs at least a minor driver bump (KEP-2264).
	write := func(name, driver, probe string) string {
		d := filepath.Join(dir, name)
		os.MkdirAll(d, 0o755)
		text := strings.NewReplacer("hostpathplugin:v1.17.0", "hostpathplugin:"+driver, "livenessprobe:v2.19.0", "livenessprobe:"+probe).Replace(plugin)
		os.WriteFile(filepath.Join(d, "csi-hostpath-plugin.yaml"), []byte(text), 0o644)
		return d
	}
	prev := write("prev", "v1.16.0", "v2.18.0")
	for _, c := range []struct {
		driver string
		code   int
		want   string
	}{
		{"v1.16.1", 1, "FAIL"},
		{"v1.17.0", 0, "Version policy PASSED"},
	} {
		next := write("next-"+c.driver, c.driver, "v2.19.0")
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"policy", "-prev", prev, "-next", next}, &out, &errOut); code != c.code || !strings.Contains(out.String(), c.want) {
			t.Errorf("driver %s: exit %d, want %d and %q\n%s%s", c.driver, code, c.code, c.want, out.String(), errOut.String())
		}
	}
}

// TestSeveralCommands: a repository with several commands (external-snapshotter's
// csi-snapshotter and snapshot-controller) releases an image per command from one tag.
func TestSeveralCommands(t *testing.T) {
	dir := t.TempDir()
	repo := sidecar(t, dir, "csi-snapshotter", "snapshot-controller")
	base := baseLayout(t, filepath.Join(dir, "distroless-static"))
	var out, errOut bytes.Buffer
	work := filepath.Join(dir, "release")
	args := []string{"release", "-name", "csi-snapshotter", "-name", "snapshot-controller", "-git", repo, "-tag", "v8.4.0-rc1",
		"-base", base, "-dir", work, "-description", "csi-snapshotter=CSI External Snapshotter Sidecar", "-description", "snapshot-controller=Snapshot Controller"}
	if code := run(t.Context(), args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), `tag "v8.4.0-rc1" not found`) {
		t.Errorf("a tag the repository does not have: exit %d: %s", code, errOut.String())
	}
	git(t, repo, "tag", "v8.4.0-rc1", "v2.20.0-rc1")
	out.Reset()
	errOut.Reset()
	if code := run(t.Context(), args, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Release validation PASSED") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for c, description := range map[string]string{"csi-snapshotter": "CSI External Snapshotter Sidecar", "snapshot-controller": "Snapshot Controller"} {
		ref := "registry.k8s.io/sig-storage/" + c + ":v8.4.0-rc1"
		if !strings.Contains(out.String(), "image "+ref+"@sha256:") {
			t.Errorf("no image %s in:\n%s", ref, out.String())
		}
		if bin := binaryIn(t, filepath.Join(work, "out"), ref, c); !bytes.Contains(bin, []byte("v8.4.0-rc1")) {
			t.Errorf("%s: the binary does not carry main.version v8.4.0-rc1", c)
		}
		if got := configOf(t, filepath.Join(work, "out"), ref).Config.Labels["description"]; got != description {
			t.Errorf("%s: description %q", c, got)
		}
	}
}

func TestBadInput(t *testing.T) {
	const base = "oci-layout:/nonexistent@sha256:0000000000000000000000000000000000000000000000000000000000000000"
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: csi release|pin|policy"},
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"release", "-name", "livenessprobe", "-git", "x", "-base", base}, "-name, -git, -tag and -base are required"},
		// No floating base: the digest is the caller's, as of the release.
		{[]string{"release", "-name", "livenessprobe", "-git", "x", "-tag", "v2.19.0"}, "-name, -git, -tag and -base are required"},
		{[]string{"release", "-name", "livenessprobe", "-git", "x", "-tag", "2.19.0", "-base", base}, `tag "2.19.0": CSI tags are vX.Y.Z or vX.Y.Z-rcN`},
		{[]string{"release", "-name", "livenessprobe", "-git", "x", "-tag", "v2.19.0", "-base", base, "-windows-base", base},
			"-windows-base and -windows-addon go together: Windows images need their nanoserver bases and the servercore images netapi32.dll comes from"},
		{[]string{"release", "-name", "a", "-name", "b", "-git", "x", "-tag", "v2.19.0", "-base", base, "-description", "Snapshot Controller"},
			`-description "Snapshot Controller": with several commands, write COMMAND=TEXT`},
		{[]string{"release", "-name", "a", "-name", "b", "-git", "x", "-tag", "v2.19.0", "-base", base, "-description", "c=C"},
			`-description "c=C": with several commands, write COMMAND=TEXT`},
		{[]string{"pin", "-deploy", t.TempDir()}, "-deploy and at least one -release are required"},
		{[]string{"policy", "-prev", t.TempDir(), "-next", t.TempDir()}, "no YAML file"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), c.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d, want 2 and %q: %s", c.args, code, c.want, errOut.String())
		}
	}
}

// TestNeverRebuilt: a tag whose image the registry has is not built again.
func TestNeverRebuilt(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	hub := strings.TrimPrefix(srv.URL, "http://") + "/sig-storage"
	img, _ := random.Image(64, 1)
	ref, _ := name.ParseReference(hub + "/livenessprobe:v2.19.0")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := []string{"release", "-name", "livenessprobe", "-git", "/nonexistent", "-tag", "v2.19.0", "-hub", hub, "-check-published",
		"-base", "oci-layout:/nonexistent@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
	if code := run(t.Context(), args, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "published already: images are built once from their tag and never rebuilt") {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
}
