package branch_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/manifest"
)

const goModPlan = `
steps:
  - step: 1
    base: master
    actions:
      - repos: [istio]
        gomod: {module: istio.io/api, repo: api}
      - repos: [istio]
        set:
          file: manifests/values.yaml
          values:
            global.tag: '{{.Version}}-dev'
            global.hub: gcr.io/istio-release
`

// TestGoModAndSet requires a plan repository's module at its head (a pseudo-version after its
// newest tag, or the tag on the head itself) and sets YAML values keeping their comments; the
// changes go to a fork, and the pull request names the fork.
func TestGoModAndSet(t *testing.T) {
	dir := t.TempDir()
	api := newRemote(t, dir, "api", map[string]string{"go.mod": "module istio.io/api\n\ngo 1.22\n"})
	api.git("tag", "v1.29.0")
	api.git("push", "--quiet", api.bare, "v1.29.0")
	head := api.commit("Add a field", map[string]string{"mesh.proto": "syntax = \"proto3\";\n"})
	istio := newRemote(t, dir, "istio", map[string]string{
		"go.mod":                "module istio.io/istio\n\ngo 1.22\n\nrequire istio.io/api v1.29.0 // keep in step with api\n",
		"manifests/values.yaml": "global:\n  # Where images come from.\n  hub: docker.io/istio\n  tag: \"1.29-dev\" # the default tag\n",
	})
	fork := newRemote(t, dir, "fork-istio", nil)
	plan, err := branch.Parse(strings.NewReader(goModPlan), "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{
		"api": {Git: api.bare, Branch: "master"}, "istio": {Git: istio.bare, Branch: "master"},
	}}
	fake := &fakePulls{}
	opts := []branch.Option{branch.WithWorkDir(filepath.Join(dir, "branch")), branch.WithDryRun(false),
		branch.WithPullRequests(pullRequests(t, fake)), branch.WithFork("istio-bot", func(repo, _ string) string { return fork.bare })}
	r, err := branch.Run(t.Context(), plan, m, "1.30", 1, opts...)
	if err != nil {
		t.Fatalf("%v\n%s", err, reportText(t, r))
	}
	pseudo := "v1.29.1-0." + api.when.UTC().Format("20060102150405") + "-" + head[:12]
	wantMod := "module istio.io/istio\n\ngo 1.22\n\nrequire istio.io/api " + pseudo + " // keep in step with api\n"
	if got := fork.file("automatedBranchStep1", "go.mod"); got+"\n" != wantMod {
		t.Errorf("go.mod on the fork's work branch:\n%s\nwant:\n%s", got, wantMod)
	}
	wantValues := "global:\n  # Where images come from.\n  hub: gcr.io/istio-release\n  tag: \"1.30-dev\" # the default tag"
	if got := fork.file("automatedBranchStep1", "manifests/values.yaml"); got != wantValues {
		t.Errorf("values.yaml:\n%s\nwant:\n%s", got, wantValues)
	}
	if got := istio.head("automatedBranchStep1"); got != "" {
		t.Errorf("the work branch went to the repository itself (%s), not the fork", got)
	}
	if got := strings.Join(fake.summary(), "\n"); got != `istio/istio istio-bot:automatedBranchStep1→master "Automated branching step 1"` {
		t.Errorf("pull requests: %s", got)
	}

	// With the head tagged, the tag is the version.
	api.git("tag", "v1.30.0")
	api.git("push", "--quiet", api.bare, "v1.30.0")
	r, err = branch.Run(t.Context(), plan, m, "1.30", 1, branch.WithWorkDir(filepath.Join(dir, "branch")))
	if err != nil || !strings.Contains(r.Repos[0].Diff, "+require istio.io/api v1.30.0 // keep in step with api") {
		t.Errorf("tagged head: %v\n%s", err, reportText(t, r))
	}

	// ref: another branch's head, after the newest tag it reaches.
	api.git("checkout", "--quiet", "-b", "feature")
	feature := api.commit("A feature", map[string]string{"feature.proto": "syntax = \"proto3\";\n"})
	api.git("push", "--quiet", api.bare, "feature")
	withRef, err := branch.Parse(strings.NewReader(strings.Replace(goModPlan, "repo: api}", "repo: api, ref: feature}", 1)), "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err = branch.Run(t.Context(), withRef, m, "1.30", 1, branch.WithWorkDir(filepath.Join(dir, "branch")))
	pseudo = "v1.30.1-0." + api.when.UTC().Format("20060102150405") + "-" + feature[:12]
	if err != nil || !strings.Contains(r.Repos[0].Diff, "+require istio.io/api "+pseudo+" //") {
		t.Errorf("ref feature: %v, want %s\n%s", err, pseudo, reportText(t, r))
	}
}

// TestPushCredentialsRedacted checks that a push URL's token appears in no error or report.
func TestPushCredentialsRedacted(t *testing.T) {
	dir := t.TempDir()
	istio := newRemote(t, dir, "istio", map[string]string{"README.md": "istio\n"})
	plan, err := branch.Parse(strings.NewReader("steps:\n  - step: 1\n    base: master\n    actions: [{branch: {}}]\n"), "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{"istio": {Git: istio.bare, Branch: "master"}}}
	const secret = "ghs_PushSecretToken0000"
	r, err := branch.Run(t.Context(), plan, m, "1.30", 1, branch.WithWorkDir(filepath.Join(dir, "branch")), branch.WithDryRun(false),
		branch.WithPushURL(func(string, string) string {
			return "https://x-access-token:" + secret + "@127.0.0.1:9/istio/istio.git"
		}))
	if err == nil {
		t.Fatal("pushing to a closed port succeeded")
	}
	text := reportText(t, r) + err.Error()
	if strings.Contains(text, secret) || !strings.Contains(text, "https://127.0.0.1:9/istio/istio.git") {
		t.Errorf("want the URL without its token:\n%s", text)
	}
}

// TestRunEnvironment checks that run actions see only the environment given (none here) and
// their own, nothing of the process's: not a token it holds.
func TestRunEnvironment(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", "ghp_ProcessSecret")
	dir := t.TempDir()
	repo := newRemote(t, dir, "tools", map[string]string{"README.md": "tools\n"})
	plan, err := branch.Parse(strings.NewReader(`
steps:
  - step: 1
    base: master
    actions:
      - run:
          args: [sh, -c, 'env | grep -v "^PWD=" | sort > env.txt']
      - repos: [tools]
        run:
          args: [sh, -c, 'env | grep -v "^PWD=" | sort > env-branch.txt']
          env: {BRANCH: '{{.Branch}}'}
`), "plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{"tools": {Git: repo.bare, Branch: "master"}}}
	r, err := branch.Run(t.Context(), plan, m, "1.30", 1, branch.WithWorkDir(filepath.Join(dir, "branch")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "+BRANCH=release-1.30\n"; !strings.Contains(r.Repos[0].Diff, want) || !strings.Contains(r.Repos[0].Diff, "diff --git a/env.txt b/env.txt\nnew file mode 100644\nindex 0000000..e69de29\n") || strings.Contains(r.Repos[0].Diff, "GITHUB_TOKEN") {
		t.Errorf("environment of the run action:\n%s", r.Repos[0].Diff)
	}
}

// TestNewestTagRefuses checks that a newestTag that cannot name one tag fails the step and
// changes nothing: two candidates built at the same time (neither is the newest), or none.
func TestNewestTagRefuses(t *testing.T) {
	dir := t.TempDir()
	repo := newRemote(t, dir, "common-files", map[string]string{"files/common/scripts/setup_env.sh": setupEnv})
	at := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	host := buildTools(t, map[string]time.Time{
		"release-1.30-" + strings.Repeat("a", 40): at,
		"release-1.30-" + strings.Repeat("b", 40): at,
		"master-" + strings.Repeat("c", 40):       at.Add(time.Hour),
	})
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{"common-files": {Git: repo.bare, Branch: "master"}}}
	for _, tc := range []struct{ version, want string }{
		{"1.30", "cannot tell the newest tag of " + host + "/istio-testing/build-tools: release-1.30-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, release-1.30-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb were created at the same time (2026-03-03T00:00:00Z)"},
		{"1.31", `no tag of ` + host + `/istio-testing/build-tools matches "release-1.31-[0-9a-f]{40}" (of 3 tags)`},
	} {
		plan, err := branch.Parse(strings.NewReader(`
steps:
  - step: 1
    base: master
    actions:
      - replace:
          files: [files/common/scripts/setup_env.sh]
          pattern: '^(\s*IMAGE_VERSION=).*$'
          with: '${1}{{.Tag}}'
          newestTag: {image: '`+host+`/istio-testing/build-tools', match: '{{.Branch}}-[0-9a-f]{40}'}
`), "plan.yaml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := branch.Run(t.Context(), plan, m, tc.version, 1, branch.WithWorkDir(filepath.Join(dir, "branch")))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("version %s: got %v, want %s", tc.version, err, tc.want)
		}
		if r != nil && len(r.Repos) == 1 && r.Repos[0].Diff != "" {
			t.Errorf("version %s: a refused tag changed the file:\n%s", tc.version, r.Repos[0].Diff)
		}
	}
}

// TestOptionalFiles checks that a replace fails on a file that lost its match unless the plan
// names it optional, and that an optional file must still exist.
func TestOptionalFiles(t *testing.T) {
	dir := t.TempDir()
	repo := newRemote(t, dir, "release-builder", map[string]string{
		"release/build.sh":             "dependencies:\n  istio:\n    branch: master\n",
		"release/build-base-images.sh": "BRANCH=${BRANCH:-master}\n",
	})
	m := &manifest.Manifest{Version: "1.30", Dependencies: map[string]*manifest.Dependency{"release-builder": {Git: repo.bare, Branch: "master"}}}
	for _, tc := range []struct{ files, optional, want string }{
		{"[release/build.sh, release/build-base-images.sh]", "[]", `release/build-base-images.sh: pattern "(branch: )master" matches nothing`},
		{"[release/build.sh, release/build-base-images.sh]", "[release/build-base-images.sh]", ""},
		{"[release/build.sh, release/gone.sh]", "[release/gone.sh]", "release/gone.sh: no such file or directory"},
	} {
		plan, err := branch.Parse(strings.NewReader(`
steps:
  - step: 1
    base: master
    actions:
      - replace:
          files: `+tc.files+`
          optional: `+tc.optional+`
          pattern: '(branch: )master'
          with: '${1}{{.Branch}}'
`), "plan.yaml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := branch.Run(t.Context(), plan, m, "1.30", 1, branch.WithWorkDir(filepath.Join(dir, "branch")))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("optional %s: %v", tc.optional, err)
		case tc.want == "" && !strings.Contains(r.Repos[0].Diff, "+    branch: release-1.30"):
			t.Errorf("optional %s: diff\n%s", tc.optional, r.Repos[0].Diff)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("files %s optional %s: got %v, want %q", tc.files, tc.optional, err, tc.want)
		}
	}
}
