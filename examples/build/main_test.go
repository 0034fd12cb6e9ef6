package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/examples/sample"
)

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: 1.0.0\ndependencies:\n  api: {branch: main}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), config{path: bad, jobs: 1}, &stdout, &stderr); code != 2 {
		t.Errorf("bad manifest: exit %d, want 2", code)
	}
	if want := bad + ":3:17: dependencies.api.branch: needs git\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a bad manifest wrote output: %v", err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	if code := run(t.Context(), config{path: missing, jobs: 1}, &stdout, &stderr); code != 2 {
		t.Errorf("missing manifest: exit %d, want 2", code)
	}

	unresolvable := filepath.Join(dir, "unresolvable.yaml")
	text := "version: 1.0.0\ndirectory: " + dir + "\ndependencies:\n  api: {localpath: " + filepath.Join(dir, "nowhere") + "}\n"
	if err := os.WriteFile(unresolvable, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(t.Context(), config{path: unresolvable, jobs: 1}, &stdout, &stderr); code != 1 {
		t.Errorf("unresolvable: exit %d, want 1", code)
	}
	if !strings.HasPrefix(stderr.String(), "resolve api: localpath ") {
		t.Errorf("stderr = %q, want a resolve error naming the dependency", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "manifest.yaml")); !os.IsNotExist(err) {
		t.Errorf("a failed resolve wrote a manifest: %v", err)
	}

	stderr.Reset()
	if code := run(t.Context(), config{path: unresolvable, epoch: "yesterday", jobs: 1}, &stdout, &stderr); code != 2 {
		t.Errorf("bad SOURCE_DATE_EPOCH: exit %d, want 2 (%s)", code, stderr.String())
	}

	// More bad input: each exits 2 and writes nothing.
	file := filepath.Join(dir, "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	repo := filepath.Join(dir, "repo")
	os.MkdirAll(repo, 0o755)
	for _, args := range [][]string{{"init", "--quiet"}, {"-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "--quiet", "--allow-empty", "-m", "x"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git: %v\n%s", err, out)
		}
	}
	noSpec := filepath.Join(dir, "nospec.yaml")
	os.WriteFile(noSpec, []byte("version: 1.0.0\ndirectory: "+dir+"\ndependencies:\n  app: {localpath: "+repo+", spec: release/missing.yaml}\n"), 0o644)
	for name, c := range map[string]config{
		"a directory as the manifest": {path: dir, jobs: 1},
		"-out is a file":              {path: unresolvable, out: file, jobs: 1},
		"-jobs 0":                     {path: unresolvable, jobs: 0},
		"a suffix with a space":       {path: unresolvable, jobs: 1, suffix: "c2026 x"},
		"a missing spec file":         {path: noSpec, jobs: 1, out: filepath.Join(dir, "spec-out")},
	} {
		stderr.Reset()
		if code := run(t.Context(), c, &stdout, &stderr); code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", name, code, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "spec-out")); !os.IsNotExist(err) {
		t.Errorf("a missing spec wrote output: %v", err)
	}
}

func TestSummary(t *testing.T) {
	for _, c := range []struct {
		files, images int
		want          string
	}{
		{0, 2, "built 2 images in out"},
		{1, 0, "built 1 artifact in out"},
		{5, 1, "built 5 artifacts and 1 image in out"},
		{0, 0, "built 0 artifacts in out"},
	} {
		if got := summary(c.files, c.images, "out"); got != c.want {
			t.Errorf("summary(%d, %d) = %q, want %q", c.files, c.images, got, c.want)
		}
	}
}

// TestPresubmitSkips: a change only to documentation builds nothing, and says so.
func TestPresubmitSkips(t *testing.T) {
	dir, m, mirror := sampleProject(t)
	changed := filepath.Join(dir, "changed.txt")
	os.WriteFile(changed, []byte("CONTRIBUTING.md\ndocs/design.md\n"), 0o644) // files no output holds (the archive holds README.md)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	c := config{path: m, out: out, jobs: 1, mirrors: mirror, changed: changed}
	if code := run(t.Context(), c, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "nothing to build") {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a docs-only change built %s: %v", out, err)
	}
}

// TestShardsAndMerge: two machines build a shard each, a third merges them into the release.
func TestShardsAndMerge(t *testing.T) {
	dir, m, mirror := sampleProject(t)
	var stdout, stderr bytes.Buffer
	for name, kinds := range map[string][]string{"files": {"archive", "debian", "sources", "licenses", "grafana"}, "images": {"docker", "helm"}} {
		c := config{path: m, out: filepath.Join(dir, name, "out"), jobs: 2, mirrors: mirror, kinds: kinds}
		if code := run(t.Context(), c, &stdout, &stderr); code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", name, code, stderr.String())
		}
	}
	out := filepath.Join(dir, "release", "out")
	c := config{path: m, out: out, jobs: 2, mirrors: mirror, merge: []string{filepath.Join(dir, "files", "out"), filepath.Join(dir, "images", "out")}}
	if code := run(t.Context(), c, &stdout, &stderr); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "SHA256SUMS")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stdout.String(), "image registry.example/demo/hello:0.1.0@sha256:") {
		t.Errorf("merge output:\n%s", stdout.String())
	}
}

// TestPresubmitBuildsAffected: a change to the chart builds the chart (and the images it pins,
// recorded by no one) and no archive.
func TestPresubmitBuildsAffected(t *testing.T) {
	dir, m, mirror := sampleProject(t)
	changed := filepath.Join(dir, "changed.txt")
	os.WriteFile(changed, []byte("charts/hello/values.yaml\n"), 0o644)
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	c := config{path: m, out: out, jobs: 2, mirrors: mirror, changed: changed}
	if code := run(t.Context(), c, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "chart hello: hello/charts/hello/values.yaml") {
		t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "helm", "hello-0.1.0.tgz")); err != nil {
		t.Errorf("the chart was not built: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "hello-0.1.0-linux-amd64.tar.gz")); !os.IsNotExist(err) {
		t.Errorf("an archive the change cannot change was built: %v", err)
	}
}

// sampleProject writes the sample project and its manifest to a new folder and returns the
// folder, the manifest and the mirror flag that fetches the project from there.
func sampleProject(t *testing.T) (dir, manifestFile string, mirror mirrorFlag) {
	t.Helper()
	dir = t.TempDir()
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(t.Context(), src, nil); err != nil {
		t.Fatal(err)
	}
	manifestFile = filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(manifestFile, []byte(sample.Manifest(dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, manifestFile, mirrorFlag{sample.URL + "=" + src}
}
