package artifacts_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// marker is planted in files outside the project: no output may hold it.
const marker = "HOST-FILE-MARKER-7f3a"

// hostileProject is the test project plus links that lead out of it, committed: a link to a
// host file, a chart folder that is a link to a folder outside, a chart whose template is a link
// out, and a link kept in docs/ that points out.
func hostileProject(t *testing.T, work string) string {
	t.Helper()
	src := filepath.Join(work, "upstream")
	writeProject(t, src)
	outside := filepath.Join(work, "outside")
	for p, data := range map[string]string{
		"passwd":                   marker + "\n",
		"chart/Chart.yaml":         "apiVersion: v2\nname: evil\nversion: 0.0.1\ndescription: " + marker + "\n",
		"chart/templates/cm.yaml":  "kind: ConfigMap\ndata: {x: " + marker + "}\n",
		"secret.yaml":              "kind: Secret\ndata: {x: " + marker + "}\n",
		"script.sh":                "#!/bin/sh\necho " + marker + "\n",
		"charts-good/values.yaml":  "a: 1\n",
		"charts-good/Chart.yaml":   "apiVersion: v2\nname: good\nversion: 0.0.1\n",
		"charts-good/templates/ok": "",
	} {
		p = filepath.Join(outside, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"packaging/link.conf":            filepath.Join(outside, "passwd"),
		"charts/evil":                    filepath.Join(outside, "chart"),
		"charts/good/templates/cm.yaml":  filepath.Join(outside, "secret.yaml"),
		"docs/escape":                    "../../outside/passwd",
		"charts/good/Chart.yaml.example": "Chart.yaml", // inside: harmless, but not in a chart
	}
	for p, target := range links {
		p = filepath.Join(src, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	for p, data := range map[string]string{"charts/good/Chart.yaml": "apiVersion: v2\nname: good\nversion: 0.0.1\n", "charts/good/values.yaml": "a: 1\n"} {
		if err := os.WriteFile(filepath.Join(src, filepath.FromSlash(p)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g := gitx.At(src, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+commitDate,
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE="+commitDate,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	for _, args := range [][]string{{"add", "--all"}, {"commit", "--quiet", "-m", "links"}} {
		if _, err := g.Run(t.Context(), args...); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

// TestHostileSources: a spec or a link in a dependency never brings a host file into a release:
// each is a problem at its position before anything is written, or, for what a command writes
// at build time, an error, and no output holds the marker of the files outside.
func TestHostileSources(t *testing.T) {
	work := t.TempDir()
	src := hostileProject(t, work)
	head := `version: 1.2.0
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
`
	for _, c := range []struct {
		name, spec string
		want       []string // problems, or the build error
	}{
		{"src leaves the tree", `  packages:
  - name: app
    formats: [deb]
    contents:
    - {src: ../../../../etc/passwd, dst: /etc/passwd}
`, []string{`manifest.yaml:9:7: build.packages[0].contents[0].src: "../../../../etc/passwd" is not a path inside the tree (in app)`}},
		{"src is a link out", `  packages:
  - name: app
    formats: [deb]
    contents:
    - {src: packaging/link.conf, dst: /etc/app.conf}
`, []string{`manifest.yaml:9:7: build.packages[0].contents[0].src: packaging/link.conf is a symbolic link, which would be followed: name the file it points to (in app)`}},
		{"a script leaves the tree", `  packages:
  - name: app
    formats: [deb]
    contents:
    - {src: packaging/app.conf, dst: /etc/app.conf}
    scripts: {postinstall: ../outside/script.sh}
`, []string{`manifest.yaml:6:5: build.packages[0].scripts.postinstall: "../outside/script.sh" is not a path inside the tree (in app)`}},
		{"topFolder climbs", `  archives:
  - name: app
    topFolder: ../evil
    files: [{include: [LICENSE]}]
`, []string{`manifest.yaml:6:5: build.archives[0].topFolder: "../evil" is not a folder name inside the archive`}},
		{"a chart folder is a link out", `  charts:
  - {name: evil, path: charts/evil}
`, []string{`manifest.yaml:6:5: build.charts[0].path: charts/evil is a symbolic link, which would be followed: name the file it points to (in app)`}},
		{"a chart file is a link out", `  charts:
  - {name: good, path: charts/good}
`, []string{`manifest.yaml:6:5: build.charts[0].path: charts/good/Chart.yaml.example is a symbolic link, which would be followed: name the file it points to (in app)`}},
		{"a kept link points out", `  archives:
  - name: app
    files: [{include: [docs]}]
`, []string{`manifest.yaml:7:13: build.archives[0].files[0].include[0]: docs/escape is a link to "../../outside/passwd", outside app`}},
		{"a command writes a link", `  commands:
  - name: leak
    run: [sh, -c, "ln -sf ` + filepath.Join(work, "outside", "passwd") + ` leak.txt"]
    outputs: [leak.txt]
`, []string{"command leak output leak.txt: leak.txt is a symbolic link, which would be followed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := manifest.Parse(strings.NewReader(head+c.spec), "manifest.yaml")
			if err != nil {
				t.Fatal(err)
			}
			res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "resolve")), resolve.WithMirror(projectURL, src))
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			_, err = artifacts.Build(t.Context(), res, out, artifacts.WithWorkDir(filepath.Join(t.TempDir(), "work")),
				artifacts.WithPackager(pkg.New()), artifacts.WithChartPackager(chart.New()))
			if err == nil {
				t.Fatal("built")
			}
			var got []string
			for _, p := range manifest.Problems(err) {
				got = append(got, p.Error())
			}
			if len(got) == 0 {
				got = []string{err.Error()}
			}
			for i, want := range c.want {
				if i >= len(got) || !strings.Contains(got[i], want) {
					t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
					break
				}
			}
			if len(manifest.Problems(err)) > 0 {
				if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("a bad spec wrote %s: %v", out, err)
				}
			}
			scanForMarker(t, out)
		})
	}
	// dst that climbs is refused when the manifest is read.
	_, err := manifest.Parse(strings.NewReader(head+`  packages:
  - name: app
    formats: [deb]
    contents:
    - {src: packaging/app.conf, dst: /usr/../../../etc/x}
`), "manifest.yaml")
	if err == nil || !strings.Contains(err.Error(), `manifest.yaml:9:38: build.packages[0].contents[0].dst: "/usr/../../../etc/x": want a clean absolute path`) {
		t.Errorf("a climbing dst: %v", err)
	}
}

// scanForMarker fails if any file under dir holds the marker, in its bytes or in a gzip stream.
func scanForMarker(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(p)
		if bytes.Contains(data, []byte(marker)) {
			t.Errorf("%s holds a host file", p)
		}
		for i := 0; i+2 < len(data); i++ {
			if data[i] == 0x1f && data[i+1] == 0x8b && data[i+2] == 8 {
				if zr, err := gzip.NewReader(bytes.NewReader(data[i:])); err == nil {
					zr.Multistream(false)
					inner, _ := io.ReadAll(io.LimitReader(zr, 64<<20))
					if bytes.Contains(inner, []byte(marker)) {
						t.Errorf("%s holds a host file in a gzip stream", p)
					}
				}
			}
		}
		return nil
	})
}

// TestBackslashName: a file name holding a backslash, legal in a repository, goes into
// sources.tar.gz as it is.
func TestBackslashName(t *testing.T) {
	work := t.TempDir()
	src := filepath.Join(work, "upstream")
	writeProject(t, src)
	if err := os.WriteFile(filepath.Join(src, `docs`, `a\b.md`), []byte("backslash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := gitx.At(src, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+commitDate,
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE="+commitDate,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	for _, args := range [][]string{{"add", "--all"}, {"commit", "--quiet", "-m", "backslash"}} {
		if _, err := g.Run(t.Context(), args...); err != nil {
			t.Fatal(err)
		}
	}
	set := build(t, resolved(t, work, "version: 1.0.0\noutputs: [sources]\ndependencies:\n  app: {git: "+projectURL+", branch: main}\n"), filepath.Join(work, "out"))
	if len(set.Artifacts) != 2 || set.Artifacts[1].Path != release.SourcesFile {
		t.Fatalf("artifacts (want the sources and their bill of materials): %+v", set.Artifacts)
	}
	data, err := os.ReadFile(filepath.Join(work, "out", "sources.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := gzip.NewReader(bytes.NewReader(data))
	tarData, _ := io.ReadAll(zr)
	if !bytes.Contains(tarData, []byte(`app/docs/a\b.md`)) {
		t.Error(`sources.tar.gz has no app/docs/a\b.md`)
	}
}
