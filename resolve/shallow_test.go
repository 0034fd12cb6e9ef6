package resolve_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// TestShallow: a shallow remote (a depth-1 clone at a tag, as CI mirrors are) resolves a
// constraint its tag meets, and the resolved manifest says the history is shallow; offline, the
// same; a commit deeper than the remote's history fails with the true cause; a shallow localpath
// checkout is recorded as shallow too.
func TestShallow(t *testing.T) {
	work := t.TempDir()
	full := newRepo(t, filepath.Join(work, "full"))
	old := full.commit("one", map[string]string{"a.txt": "1"})
	full.git("tag", "1.29.0")
	want := full.commit("two", map[string]string{"a.txt": "2"})
	full.git("tag", "1.30.3")
	full.commit("three", map[string]string{"a.txt": "3"})
	shallow := filepath.Join(work, "shallow")
	if out, err := exec.Command("git", "clone", "--quiet", "--depth", "1", "--no-local", "--branch", "1.30.3", "file://"+full.dir, shallow).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	const url = "https://git.example/app.git"
	resolveText := func(text string, opts ...resolve.Option) (*resolve.Result, error) {
		m, err := manifest.Parse(strings.NewReader(text), "manifest.yaml")
		if err != nil {
			t.Fatal(err)
		}
		return resolve.Dependencies(t.Context(), m, append([]resolve.Option{resolve.WithDir(filepath.Join(work, "build")), resolve.WithMirror(url, shallow)}, opts...)...)
	}
	text := "version: 1.0.0\ndependencies:\n  app: {git: " + url + ", tag: \"~1.30\"}\n"
	for _, offline := range []bool{false, true} {
		res, err := resolveText(text, resolve.WithOffline(offline))
		if err != nil {
			t.Fatalf("offline %v: %v", offline, err)
		}
		d := res.Manifest.Dependencies["app"]
		if d.Sha != want || !d.Resolved.Shallow || !strings.Contains(d.Resolved.From, "1.30.3") {
			t.Errorf("offline %v: %s %+v", offline, d.Sha, d.Resolved)
		}
	}
	_, err := resolveText("version: 1.0.0\ndependencies:\n  app: {git: " + url + ", sha: " + old + "}\n")
	if err == nil || !strings.Contains(err.Error(), "remote is shallow; commit "+old+" is not in it") {
		t.Errorf("a commit deeper than the remote: %v", err)
	}

	res, err := resolveText("version: 1.0.0\ndependencies:\n  app: {localpath: " + shallow + "}\n")
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Manifest.Dependencies["app"]; d.Sha != want || !d.Resolved.Shallow {
		t.Errorf("shallow localpath: %s %+v", d.Sha, d.Resolved)
	}
	// A whole history is not marked.
	res, err = resolveText("version: 1.0.0\ndependencies:\n  app: {localpath: " + full.dir + "}\n")
	if err != nil || res.Manifest.Dependencies["app"].Resolved.Shallow {
		t.Errorf("whole localpath: %v %+v", err, res.Manifest.Dependencies["app"].Resolved)
	}
}
