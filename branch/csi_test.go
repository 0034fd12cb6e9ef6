package branch_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
)

// csiRepos writes sidecar repositories shaped like Kubernetes-CSI's: a v2.19.0 tag, then more
// work on master.
func csiRepos(t *testing.T, dir string, names []string) map[string]*remote {
	t.Helper()
	out := map[string]*remote{}
	for _, name := range names {
		files := map[string]string{
			"Makefile":                      "CMDS=" + name + "\nall: build\n\ninclude release-tools/build.make\n",
			"release-tools/build.make":      "REV=$(shell git describe --long --tags --match='v*' --dirty 2>/dev/null)\nbuild-%:\n\tgo build -mod=vendor -ldflags '-X main.version=$(REV)' -o bin/$* ./cmd/$*\n",
			"Dockerfile":                    "FROM gcr.io/distroless/static:latest\nCOPY ./bin/" + name + " " + name + "\nENTRYPOINT [\"/" + name + "\"]\n",
			"go.mod":                        "module github.com/kubernetes-csi/" + name + "/v2\n\ngo 1.24\n",
			"vendor/modules.txt":            "",
			"CHANGELOG/CHANGELOG-2.18.md":   "# Release notes for v2.18.0\n",
			"cmd/" + name + "/main.go":      "package main\n\nvar version = \"unknown\"\n\nfunc main() {}\n",
			"release-tools/cloudbuild.yaml": "steps:\n  - name: gcr.io/k8s-staging-test-infra/gcb-docker-gcloud\n",
		}
		r := newRemote(t, dir, name, files)
		tagged := map[string]string{}
		if name == "livenessprobe" {
			// Some sidecars write the minor release's changelog before tagging it.
			tagged["CHANGELOG/CHANGELOG-2.19.md"] = "# Release notes for v2.19.0\n\n## Changes by Kind\n"
		}
		r.commit("Release v2.19.0", tagged)
		r.git("tag", "v2.19.0")
		r.commit("Bump dependencies", map[string]string{"go.mod": "module github.com/kubernetes-csi/" + name + "/v2\n\ngo 1.25\n"})
		out[name] = r
	}
	return out
}

// TestCSIMaintenanceBranches runs branch/plans/csi.yaml: release-2.19 from v2.19.0 in each
// sidecar, refused where the branch exists at another commit, then the changelog stub.
func TestCSIMaintenanceBranches(t *testing.T) {
	dir := t.TempDir()
	names := []string{"external-attacher", "external-provisioner", "external-resizer", "external-snapshotter", "livenessprobe", "node-driver-registrar"}
	remotes := csiRepos(t, dir, names)
	plan, err := branch.Load("plans/csi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range remotes {
		plan.Repositories[name].Git = r.bare
	}
	// Someone made external-attacher's release-2.19 from master by hand.
	attacher := remotes["external-attacher"]
	attacher.git("push", "--quiet", attacher.bare, "HEAD:refs/heads/release-2.19")
	step := func(n int, dry bool) (*branch.Report, error) {
		return branch.Run(t.Context(), plan, nil, "2.19", n, branch.WithWorkDir(filepath.Join(dir, "branch")), branch.WithDryRun(dry))
	}

	r, err := step(1, false)
	if err == nil || !strings.Contains(err.Error(), "external-attacher: steps[0].actions[0]: branch release-2.19 exists at "+attacher.head("master")) {
		t.Fatalf("step 1: got %v, want external-attacher refused", err)
	}
	golden.Assert(t, "testdata/csi/step1.txt", []byte(reportText(t, r)))
	for _, name := range names[1:] {
		tag := run(t, remotes[name].gitDir(), "rev-parse", "v2.19.0^{commit}")
		if got := remotes[name].head("release-2.19"); got != tag {
			t.Errorf("%s: release-2.19 at %q, want v2.19.0's commit %s", name, got, tag)
		}
	}
	if got := attacher.head("release-2.19"); got != attacher.head("master") {
		t.Errorf("external-attacher's release-2.19 moved to %s", got)
	}
	// A rerun creates nothing and still refuses.
	r, err = step(1, false)
	if text := reportText(t, r); err == nil || strings.Count(text, "exists at") != 6 || strings.Contains(text, "created") {
		t.Errorf("rerun of step 1: %v\n%s", err, text)
	}

	r, err = step(2, false)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "testdata/csi/step2.txt", []byte(reportText(t, r)))
	if got := remotes["livenessprobe"].head("release-2.19-changelog"); got != "" {
		t.Errorf("livenessprobe kept its changelog but got a work branch at %s", got)
	}
	if got := remotes["external-resizer"].file("release-2.19-changelog", "CHANGELOG/CHANGELOG-2.19.md"); !strings.HasPrefix(got, "# Release notes for v2.19.0\n\nChanges since") {
		t.Errorf("external-resizer's changelog stub: %q", got)
	}
}

// TestRunRefusesBeforeCloning checks that a plan naming a repository the run does not know
// fails at the action's position with nothing cloned.
func TestRunRefusesBeforeCloning(t *testing.T) {
	plan, err := branch.Parse(strings.NewReader(`
steps:
  - step: 1
    base: main
    actions:
      - repos: [istoi]
        write: {file: A, content: a}
`), "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{"istio": {Git: "https://github.com/istio/istio", Branch: "master"}}}
	work := filepath.Join(t.TempDir(), "work")
	_, err = branch.Run(t.Context(), plan, m, "1.30", 1, branch.WithWorkDir(work))
	want := `plan.yaml:6:9: steps[0].actions[0].repos[0]: unknown repository "istoi" (have istio)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if _, err := os.Stat(work); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the work folder was made: %v", err)
	}
	if _, err := branch.Run(t.Context(), plan, m, "1.30", 2, branch.WithWorkDir(work)); !errors.Is(err, branch.ErrNoStep) {
		t.Errorf("step 2 of a one-step plan: %v", err)
	}
}
