package artifacts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// projectURL is where the manifests say the project lives; tests fetch it from a local mirror,
// so that resolved manifests are the same whichever folder a test runs in.
const projectURL = "https://git.example/app.git"

// commitDate is the project's one commit time, and so the release time.
const commitDate = "2024-05-01T12:00:00Z"

// writeProject writes testdata/project.txtar to dir as a git repository with one commit.
func writeProject(t testing.TB, dir string) {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/project.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f.Name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			t.Fatal(err)
		}
	}
	g := gitx.At(dir,
		"GIT_AUTHOR_NAME=App Authors", "GIT_AUTHOR_EMAIL=app@example.com", "GIT_AUTHOR_DATE="+commitDate,
		"GIT_COMMITTER_NAME=App Authors", "GIT_COMMITTER_EMAIL=app@example.com", "GIT_COMMITTER_DATE="+commitDate,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	for _, args := range [][]string{{"init", "--quiet", "--initial-branch=main"}, {"add", "--all"}, {"commit", "--quiet", "-m", "app"}} {
		if _, err := g.Run(t.Context(), args...); err != nil {
			t.Fatal(err)
		}
	}
}

// resolved parses manifest text and resolves it against a fresh copy of the project under work.
func resolved(t testing.TB, work, text string) *resolve.Result {
	t.Helper()
	m, err := manifest.Parse(strings.NewReader(text), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(work, "upstream")
	if _, err := os.Stat(src); err != nil {
		writeProject(t, src)
	}
	res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(work), resolve.WithMirror(projectURL, src))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// fullRelease is the manifest most tests build: every kind of file output.
const fullRelease = `version: 1.2.0
docker: registry.example/app
dependencies:
  app:
    git: ` + projectURL + `
    branch: main
build:
  binaries:
  - name: app
    package: ./cmd/app
    platforms: [linux/amd64, linux/arm64, windows/amd64]
    ldflags: ["-X main.version={{.Version}}"]
  archives:
  - name: app
    nameTemplate: '{{.Name}}-{{.Version}}-{{if eq .OS "darwin"}}osx{{else if eq .OS "windows"}}win{{else}}{{.OS}}-{{.Arch}}{{end}}'
    topFolder: "{{.Name}}-{{.Version}}"
    binDir: bin
    binaries: [app]
    files:
    - include: [LICENSE, README.md, docs]
      exclude: ["*.tmp"]
    platforms: [linux/amd64, windows/amd64]
  packages:
  - name: app
    formats: [deb, rpm]
    maintainer: App Maintainers <app@example.com>
    description: Says app.
    contents:
    - {binary: app, dst: /usr/bin/app}
    - {src: packaging/app.conf, dst: /etc/app/app.conf, type: config}
    scripts: {postinstall: packaging/postinst.sh}
    platforms: [linux/amd64, linux/arm64]
  commands:
  - name: info
    run: [./build.sh]
    outputs: [out/info.txt]
`

func withPackager() artifacts.Option { return artifacts.WithPackager(pkg.New()) }
