package resolve_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func parse(t *testing.T, yaml string) *manifest.Manifest {
	t.Helper()
	m, err := manifest.Parse(strings.NewReader(yaml), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func marshal(t *testing.T, m *manifest.Manifest) []byte {
	t.Helper()
	out, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// gitHistory makes a repository whose history has release candidates, releases, a release branch
// and commits that no branch tip holds.
type gitHistory struct {
	repo                                  *repo
	rc1, v120, rc1_3, rc2_3, rc10_3, main string
	branchTip, offTip, annotated          string
}

func newHistory(t *testing.T, dir string) *gitHistory {
	r := newRepo(t, dir)
	h := &gitHistory{repo: r}
	h.offTip = r.commit("first", map[string]string{"README.md": "hello\n"})
	h.rc1 = r.commit("1.2.0-rc.1", map[string]string{"VERSION": "1.2.0-rc.1\n"})
	r.git("tag", "v1.2.0-rc.1")
	h.v120 = r.commit("1.2.0", map[string]string{"VERSION": "1.2.0\n"})
	r.git("tag", "v1.2.0")
	r.git("branch", "release-1.2")
	h.rc1_3 = r.commit("1.3.0-rc1", map[string]string{"VERSION": "1.3.0-rc1\n"})
	r.git("tag", "v1.3.0-rc1")
	h.rc2_3 = r.commit("1.3.0-rc2", map[string]string{"VERSION": "1.3.0-rc2\n"})
	r.git("tag", "v1.3.0-rc2")
	h.rc10_3 = r.commit("1.3.0-rc10", map[string]string{"VERSION": "1.3.0-rc10\n"})
	r.git("tag", "-a", "-m", "release candidate 10", "v1.3.0-rc10")
	h.annotated = h.rc10_3
	h.main = r.commit("main work", map[string]string{"main.go": "package main\n"})
	r.git("checkout", "--quiet", "release-1.2")
	h.branchTip = r.commit("1.2 fix", map[string]string{"FIX": "fixed\n"})
	r.git("tag", "1.2.1") // no v prefix
	r.git("checkout", "--quiet", "main")
	return h
}

func TestGitRefs(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "remote", "app"))
	url := h.repo.dir
	m := parse(t, `version: 1.2.1
dependencies:
  branch:  {git: `+url+`, branch: release-1.2}
  main:    {git: `+url+`, branch: main}
  offtip:  {git: `+url+`, sha: `+h.offTip+`}
  short:   {git: `+url+`, sha: `+h.rc1[:10]+`}
  exact:   {git: `+url+`, tag: v1.2.0}
  tilde:   {git: `+url+`, tag: "~1.2"}
  range:   {git: `+url+`, tag: ">=1.2.0 <2"}
  rc:      {git: `+url+`, tag: ">=1.3.0-rc1"}
  anno:    {git: `+url+`, tag: v1.3.0-rc10}
`)
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"branch": h.branchTip, "main": h.main, "offtip": h.offTip, "short": h.rc1,
		"exact": h.v120, "tilde": h.branchTip, "range": h.branchTip, "rc": h.rc10_3, "anno": h.annotated,
	}
	got := map[string]string{}
	for name, d := range res.Manifest.Dependencies {
		got[name] = d.Sha
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved SHAs (-want +got):\n%s", diff)
	}
	for _, s := range res.Sources {
		head := newRepoAt(t, s.Dir).git("rev-parse", "HEAD")
		if head != want[s.Name] || s.SHA != want[s.Name] {
			t.Errorf("source %s: HEAD %s, SHA %s, want %s", s.Name, head, s.SHA, want[s.Name])
		}
	}
	if got := res.Time().Format("2006-01-02T15:04:05Z"); got != "2024-01-02T11:04:05Z" {
		t.Errorf("release time = %s, want the newest commit time 2024-01-02T11:04:05Z", got)
	}
	golden.Assert(t, "testdata/refs.golden.yaml", []byte(scrub(string(marshal(t, res.Manifest)), work)))
	if m.Dependencies["tilde"].Sha != "" {
		t.Error("Dependencies changed its input manifest")
	}
}

func newRepoAt(t *testing.T, dir string) *repo { return &repo{t: t, dir: dir} }

func TestResolvedManifestResolvesAgain(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "remote", "app"))
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: "+h.repo.dir+", tag: \"~1.2\"}\n")
	first, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "one")))
	if err != nil {
		t.Fatal(err)
	}
	// The resolved manifest is an input that pins the same commit, even after new tags appear.
	h.repo.git("checkout", "--quiet", "release-1.2")
	h.repo.commit("1.2.2", nil)
	h.repo.git("tag", "v1.2.2")
	again, err := manifest.Parse(strings.NewReader(string(marshal(t, first.Manifest))), "resolved.yaml")
	if err != nil {
		t.Fatal(err)
	}
	second, err := resolve.Dependencies(t.Context(), again, resolve.WithDir(filepath.Join(work, "two")))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := first.Manifest.Dependencies["app"].Sha, second.Manifest.Dependencies["app"].Sha; a != b {
		t.Errorf("re-resolving the resolved manifest moved app from %s to %s", a, b)
	}
}

func TestOfflineRebuild(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "remote", "app"))
	cache := filepath.Join(work, "cache")
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: "+h.repo.dir+", branch: release-1.2}\n  old: {git: "+h.repo.dir+", sha: "+h.offTip+"}\n")
	online, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "online")), resolve.WithCacheDir(cache))
	if err != nil {
		t.Fatal(err)
	}
	// The remote goes away: an offline rebuild needs nothing but the cache.
	if err := os.Rename(h.repo.dir, h.repo.dir+".gone"); err != nil {
		t.Fatal(err)
	}
	offline, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "offline")), resolve.WithCacheDir(cache), resolve.WithOffline(true))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(marshal(t, online.Manifest)), string(marshal(t, offline.Manifest))); diff != "" {
		t.Errorf("offline rebuild differs (-online +offline):\n%s", diff)
	}
	for _, s := range offline.Sources {
		if _, err := os.Stat(filepath.Join(s.Dir, "README.md")); err != nil {
			t.Errorf("offline source %s: %v", s.Name, err)
		}
	}
	// Online, the missing remote is an error that names the dependency.
	_, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "online2")), resolve.WithCacheDir(cache))
	if err == nil || !strings.HasPrefix(err.Error(), "resolve ") {
		t.Errorf("online with the remote gone: err = %v, want a resolve error", err)
	}
	// Offline with an empty cache says what is missing.
	_, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "cold")), resolve.WithOffline(true))
	if !errors.Is(err, resolve.ErrNotCached) {
		t.Errorf("offline with an empty cache: err = %v, want ErrNotCached", err)
	}
}

func TestAutoRules(t *testing.T) {
	work := t.TempDir()
	remote := filepath.Join(work, "remote")
	api := newRepo(t, filepath.Join(remote, "api"))
	apiOld := api.commit("api old", map[string]string{"api.proto": "v1\n"})
	apiPseudo := api.pseudo(apiOld)
	api.commit("api newer", map[string]string{"api.proto": "v2\n"}) // the tip is not what go.mod pins

	client := newRepo(t, filepath.Join(remote, "client-go"))
	clientTagged := client.commit("client", map[string]string{"c.go": "package c\n"})
	client.git("tag", "v1.7.3")
	client.commit("client later", map[string]string{"c.go": "package c // later\n"})

	envoy := newRepo(t, filepath.Join(remote, "envoy"))
	envoyPinned := envoy.commit("envoy pinned", map[string]string{"BUILD": "x\n"})
	envoy.commit("envoy tip", map[string]string{"BUILD": "y\n"})

	proxy := newRepo(t, filepath.Join(remote, "proxy"))
	proxyPinned := proxy.commit("proxy", map[string]string{
		"WORKSPACE": "# Envoy\nENVOY_SHA = \"" + envoyPinned + "\"\nENVOY_SHA256 = \"abc\"\n",
	})
	proxy.commit("proxy tip", map[string]string{"README": "x\n"})

	istio := newRepo(t, filepath.Join(remote, "istio"))
	istio.commit("istio", map[string]string{
		"go.mod": "module istio.io/istio\n\ngo 1.22\n\nrequire (\n\tistio.io/api " + apiPseudo + "\n\tistio.io/client-go v1.7.3\n)\n",
		"istio.deps": `[
  {"_comment": "", "name": "PROXY_REPO_SHA", "repoName": "proxy", "file": "", "lastStableSHA": "` + proxyPinned + `"}
]
`,
	})

	m := parse(t, `version: 1.7.3
dependencies:
  istio:     {git: `+istio.dir+`, branch: main}
  api:       {git: `+api.dir+`, auto: modules}
  client-go: {git: `+client.dir+`, auto: modules}
  proxy:     {git: `+proxy.dir+`, auto: deps}
  envoy:     {git: `+envoy.dir+`, auto: proxy_workspace}
`)
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")), resolve.WithJobs(2))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api": apiOld, "client-go": clientTagged, "proxy": proxyPinned, "envoy": envoyPinned}
	for name, sha := range want {
		if got := res.Manifest.Dependencies[name].Sha; got != sha {
			t.Errorf("%s resolved to %s, want %s", name, got, sha)
		}
	}
	golden.Assert(t, "testdata/auto.golden.yaml", []byte(scrub(string(marshal(t, res.Manifest)), work)))
}

func TestAutoConfigurable(t *testing.T) {
	work := t.TempDir()
	lib := newRepo(t, filepath.Join(work, "remote", "lib"))
	libSHA := lib.commit("lib", map[string]string{"lib.go": "package lib\n"})
	app := newRepo(t, filepath.Join(work, "remote", "app"))
	app.commit("app", map[string]string{
		"go.mod":         "module github.com/example/app\n\nrequire example.com/lib " + lib.pseudo(libSHA) + "\n",
		"deps/pins.json": `[{"repoName": "tools", "lastStableSHA": "` + libSHA + `"}]`,
		"bazel/PINS":     "  LIB_COMMIT = \"" + libSHA + "\"\n",
	})
	m := parse(t, `version: 1.0.0
autoSources: {main: app, depsFile: deps/pins.json, workspace: app, workspaceFile: bazel/PINS, workspaceKey: LIB_COMMIT}
dependencies:
  app:   {git: `+app.dir+`, branch: main}
  lib:   {git: `+lib.dir+`, auto: modules, module: example.com/lib}
  tools: {git: `+lib.dir+`, auto: deps}
  pin:   {git: `+lib.dir+`, auto: proxy_workspace}
`)
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lib", "tools", "pin"} {
		if got := res.Manifest.Dependencies[name].Sha; got != libSHA {
			t.Errorf("%s = %s, want %s", name, got, libSHA)
		}
	}
}

func TestErrors(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "remote", "app"))
	istio := newRepo(t, filepath.Join(work, "remote", "istio"))
	istio.commit("istio", map[string]string{"go.mod": "module istio.io/istio\n", "istio.deps": "[]", "WORKSPACE": "nothing\n"})
	url := h.repo.dir
	tests := []struct {
		name, deps, want string
	}{
		{"missing branch", "app: {git: " + url + ", branch: nope}",
			`resolve app: branch "nope" not found in ` + url},
		{"missing tag", "app: {git: " + url + ", tag: v9.9.9}",
			`resolve app: tag "v9.9.9" not found`},
		{"no tag matches", "app: {git: " + url + ", tag: \"~4.0\"}",
			`resolve app: no tag matches "~4.0"`},
		{"missing commit", "app: {git: " + url + ", sha: 0123456789abcdef0123456789abcdef01234567}",
			"resolve app: commit 0123456789abcdef0123456789abcdef01234567 not found in " + url + ": git fetch"},
		{"module not required", "istio: {git: " + istio.dir + ", branch: main}\n  api: {git: " + url + ", auto: modules}",
			"resolve api: auto modules: istio.io/api not required in istio/go.mod"},
		{"no deps entry", "istio: {git: " + istio.dir + ", branch: main}\n  proxy: {git: " + url + ", auto: deps}",
			`resolve proxy: auto deps: no entry with repoName "proxy" in istio/istio.deps`},
		{"no workspace key", "proxy: {git: " + istio.dir + ", branch: main}\n  envoy: {git: " + url + ", auto: proxy_workspace}",
			`resolve envoy: auto proxy_workspace: no ENVOY_SHA = "<sha>" in proxy/WORKSPACE`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parse(t, "version: 1.0.0\ndependencies:\n  "+tt.deps+"\n")
			_, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build", string(rune('a'+i)))))
			// A failed fetch ends with git's own words, which vary with its version.
			if err == nil || err.Error() != tt.want && !(strings.HasSuffix(tt.want, ": git fetch") && strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestCredentialsNeverShown(t *testing.T) {
	// Port 1 on the loopback address refuses at once: the fetch fails without network.
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: \"https://builder:s3cr3t-t0ken@127.0.0.1:1/app.git\", branch: main}\n")
	_, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(t.TempDir()))
	if err == nil {
		t.Fatal("fetch from a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "builder") {
		t.Errorf("error shows credentials: %v", err)
	}
	if !strings.Contains(err.Error(), "https://127.0.0.1:1/app.git") {
		t.Errorf("error does not name the repository: %v", err)
	}
}

func TestLocalPath(t *testing.T) {
	work := t.TempDir()
	r := newRepo(t, filepath.Join(work, "src", "app"))
	head := r.commit("app", map[string]string{"a.txt": "a\n", "gone.txt": "bye\n"})
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {localpath: "+r.dir+"}\n")
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "clean")))
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Manifest.Dependencies["app"]; d.Sha != head || d.Resolved.Dirty || d.Resolved.From != "localpath HEAD" {
		t.Errorf("clean localpath resolved to %+v %+v, want %s", d, d.Resolved, head)
	}

	r.write("a.txt", "changed\n")
	r.write("new.txt", "new\n")
	if err := os.Remove(filepath.Join(r.dir, "gone.txt")); err != nil {
		t.Fatal(err)
	}
	_, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "dirty")))
	if !errors.Is(err, resolve.ErrDirty) {
		t.Fatalf("dirty localpath: err = %v, want ErrDirty", err)
	}

	m.Dependencies["app"].AllowDirty = true
	res, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "allowed")))
	if err != nil {
		t.Fatal(err)
	}
	d := res.Manifest.Dependencies["app"]
	if !d.Resolved.Dirty || !res.Sources[0].Dirty || d.Sha != head {
		t.Errorf("allowed dirty localpath: %+v %+v", d, d.Resolved)
	}
	tree := res.Sources[0].Dir
	for name, want := range map[string]string{"a.txt": "changed\n", "new.txt": "new\n"} {
		if got, err := os.ReadFile(filepath.Join(tree, name)); err != nil || string(got) != want {
			t.Errorf("%s in the source tree = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(tree, "gone.txt")); !os.IsNotExist(err) {
		t.Errorf("deleted file is in the source tree: %v", err)
	}

	m.Dependencies["app"].Sha = strings.Repeat("0", 40)
	_, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "pinned")))
	if err == nil || !strings.Contains(err.Error(), "HEAD is "+head+", the manifest pins 0000000") {
		t.Errorf("localpath HEAD unlike the pin: err = %v", err)
	}
}

func TestSourceTreeRestored(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "remote", "app"))
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: "+h.repo.dir+", tag: v1.2.0}\n")
	dir := filepath.Join(work, "build")
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	version := filepath.Join(res.Sources[0].Dir, "VERSION")
	if err := os.WriteFile(version, []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(dir)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(version); string(got) != "1.2.0\n" {
		t.Errorf("a changed source tree was kept: VERSION = %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sources"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"app"}, names); diff != "" {
		t.Errorf("sources folder holds leftovers (-want +got):\n%s", diff)
	}
}

func TestSpecFromDependency(t *testing.T) {
	work := t.TempDir()
	r := newRepo(t, filepath.Join(work, "remote", "app"))
	r.commit("app", map[string]string{
		"release/releasekit.yaml": "binaries:\n- name: app\n  package: ./cmd/app\narchives:\n- name: app\n  binaries: [app]\n",
		"cmd/app/main.go":         "package main\n",
	})
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: "+r.dir+", branch: main, spec: release/releasekit.yaml}\n")
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")))
	if err != nil {
		t.Fatal(err)
	}
	want := manifest.Build{
		Binaries: []manifest.Binary{{Name: "app", Dependency: "app", Package: "./cmd/app"}},
		Archives: []manifest.Archive{{Name: "app", Binaries: []string{"app"}}},
	}
	if diff := cmp.Diff(want, res.Manifest.Build, cmpopts.IgnoreTypes(manifest.Pos{})); diff != "" {
		t.Errorf("merged build (-want +got):\n%s", diff)
	}
	d := res.Manifest.Dependencies["app"]
	if d.Spec != "" || d.Resolved.Spec != "release/releasekit.yaml" {
		t.Errorf("spec record: spec=%q resolved.spec=%q", d.Spec, d.Resolved.Spec)
	}

	r.commit("bad spec", map[string]string{"release/releasekit.yaml": "binaries:\n- name: app\n  package: ./cmd/app\n  platforms: [linux/amd65]\n"})
	_, err = resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "bad")))
	want2 := `app/release/releasekit.yaml:4:15: binaries[0].platforms[0]: unknown platform "linux/amd65" (want os/arch[/variant] that Go builds for, e.g. linux/amd64)`
	if err == nil || err.Error() != want2 {
		t.Errorf("bad spec: err = %v\nwant %s", err, want2)
	}
}

func TestNoDirectory(t *testing.T) {
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {localpath: /nowhere}\n")
	if _, err := resolve.Dependencies(t.Context(), m); !errors.Is(err, resolve.ErrNoDirectory) {
		t.Errorf("err = %v, want ErrNoDirectory", err)
	}
}

func TestMirror(t *testing.T) {
	work := t.TempDir()
	h := newHistory(t, filepath.Join(work, "copy", "app"))
	const url = "https://git.example/app.git" // never contacted: every fetch goes to the mirror
	m := parse(t, "version: 1.0.0\ndependencies:\n  app: {git: "+url+", tag: v1.2.0}\n  old: {git: "+url+", sha: "+h.offTip+"}\n")
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")), resolve.WithMirror(url, h.repo.dir))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"app": h.v120, "old": h.offTip} {
		d := res.Manifest.Dependencies[name]
		if d.Git != url || d.Sha != want {
			t.Errorf("%s: got git %s sha %s, want %s at %s", name, d.Git, d.Sha, url, want)
		}
	}
	if _, err := resolve.Dependencies(t.Context(), m, resolve.WithMirror("", "x")); err == nil {
		t.Error("WithMirror accepted an empty URL")
	}
}
