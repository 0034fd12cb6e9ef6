package artifacts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/dashboard"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// dashboardFiles are a dependency's dashboard folder in Istio's layout: a hand-written
// dashboard, a generated one, and the files beside them that are not dashboards.
var dashboardFiles = map[string]string{
	"manifests/addons/dashboards/app-dashboard.json":         `{"title": "App Dashboard", "panels": [{"type": "graph", "datasource": "Prometheus"}]}`,
	"manifests/addons/dashboards/control-dashboard.gen.json": `{"title": "Control", "panels": [{"type": "timeseries", "datasource": {"type": "prometheus", "uid": "$datasource"}}]}`,
	"manifests/addons/dashboards/control.libsonnet":          `{}`,
	"manifests/addons/dashboards/README.md":                  "# Dashboards\n",
	"manifests/addons/dashboards/lib/inner-dashboard.json":   `{"title": "Not at the top of the folder"}`,
}

// upstreamWith writes the project under work/upstream with extra files in a second commit, for
// resolved to use.
func upstreamWith(t *testing.T, work string, files map[string]string, links map[string]string) {
	src := filepath.Join(work, "upstream")
	writeProject(t, src)
	for name, data := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(src, filepath.FromSlash(name))); err != nil {
			t.Fatal(err)
		}
	}
	g := gitx.At(src, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE="+commitDate,
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE="+commitDate, "GIT_CONFIG_GLOBAL=/dev/null")
	for _, args := range [][]string{{"add", "--all"}, {"commit", "--quiet", "-m", "dashboards"}} {
		if _, err := g.Run(t.Context(), args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGrafana: an Istio manifest (an istio dependency, a dashboards map, outputs: [grafana])
// builds grafana/<name>.json from manifests/addons/dashboards, externalized for grafana.com,
// listed and recorded, the same bytes twice.
func TestGrafana(t *testing.T) {
	const text = `version: 1.2.0
outputs: [grafana]
dashboards:
  app-dashboard: 101
  control-dashboard: 102
dependencies:
  istio: {git: ` + projectURL + `, branch: main}
`
	var first map[string]string
	for range 2 {
		work := t.TempDir()
		upstreamWith(t, work, dashboardFiles, nil)
		set, err := artifacts.Build(t.Context(), resolved(t, work, text), filepath.Join(work, "out"))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range set.Artifacts {
			if a.Kind != manifest.OutputGrafana {
				t.Errorf("unexpected %s (%s)", a.Path, a.Kind)
				continue
			}
			data := read(t, filepath.Join(set.Dir, a.Path))
			if err := dashboard.Check([]byte(data), "1.2.0"); err != nil {
				t.Errorf("%s: %v", a.Path, err)
			}
			got[a.Path] = data
		}
		if len(got) != 2 || got["grafana/app-dashboard.json"] == "" || got["grafana/control-dashboard.json"] == "" {
			t.Fatalf("built %v", set.Artifacts)
		}
		if !strings.Contains(read(t, filepath.Join(set.Dir, release.SumsFile)), "grafana/control-dashboard.json") {
			t.Error("SHA256SUMS does not list the dashboard")
		}
		if first == nil {
			first = got
		} else if got["grafana/app-dashboard.json"] != first["grafana/app-dashboard.json"] {
			t.Error("two builds differ")
		}
	}
}

// TestGrafanaRefused: what the grafana output cannot build is an error naming it, and the
// release directory is not written.
func TestGrafanaRefused(t *testing.T) {
	head := "version: 1.2.0\noutputs: [grafana]\ndependencies:\n  app: {git: " + projectURL + ", branch: main}\n"
	for name, tc := range map[string]struct {
		text  string
		files map[string]string
		links map[string]string
		want  string
	}{
		"missing": {head + "dashboards: {gone-dashboard: 7}\nbuild:\n  grafana: {}\n", dashboardFiles, nil,
			"dashboards names gone-dashboard, which is not in manifests/addons/dashboards of app"},
		"empty folder": {head + "build:\n  grafana: {dir: docs}\n", dashboardFiles, nil, "no *-dashboard.json in docs of app"},
		"both names": {head + "build:\n  grafana: {}\n", map[string]string{
			"manifests/addons/dashboards/x-dashboard.json": `{"title": "X"}`, "manifests/addons/dashboards/x-dashboard.gen.json": `{"title": "X"}`,
		}, nil, "are both the dashboard x-dashboard"},
		"own description": {head + "build:\n  grafana: {}\n", map[string]string{
			"manifests/addons/dashboards/x-dashboard.json": `{"title": "X", "description": "mine"}`,
		}, nil, "already has a description"},
		"link out": {head + "build:\n  grafana: {}\n", map[string]string{"manifests/addons/dashboards/README.md": "x"},
			map[string]string{"manifests/addons/dashboards/host-dashboard.json": "/etc/passwd"}, "is a symbolic link"},
	} {
		work := t.TempDir()
		upstreamWith(t, work, tc.files, tc.links)
		out := filepath.Join(work, "out")
		_, err := artifacts.Build(t.Context(), resolved(t, work, tc.text), out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
		if _, err := os.Stat(filepath.Join(out, release.ManifestFile)); err == nil {
			t.Errorf("%s: a release was written", name)
		}
	}
}
