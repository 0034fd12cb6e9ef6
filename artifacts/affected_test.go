package artifacts_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/manifest"
)

const affectedRelease = `version: 1.2.0
docker: registry.example/app
dependencies:
  app: {git: https://git.example/app.git, branch: main, spec: release/releasekit.yaml}
build:
  binaries:
  - {name: app, package: ./cmd/app}
  archives:
  - name: app
    binaries: [app]
    files: [{include: [LICENSE, docs], exclude: ["*.tmp"]}]
  packages:
  - name: app
    formats: [deb]
    maintainer: A <a@example.com>
    description: app
    contents: [{binary: app, dst: /usr/bin/app}, {src: packaging/app.conf, dst: /etc/app.conf}]
  images:
  - {name: app, binaries: [app], files: [{include: [packaging/image.conf]}]}
  charts:
  - {name: app, path: charts/app}
  licenses: {}
  grafana: {dir: dashboards}
`

// TestAffectedOutputs: a change set builds what its files are inputs of, through binaries to
// the archives, packages and images holding them and to the charts pinning those images; a
// docs-only change builds nothing.
func TestAffectedOutputs(t *testing.T) {
	m, err := manifest.Parse(strings.NewReader(affectedRelease), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := artifacts.AffectedOutputs(m, map[string][]string{"app": {"cmd/app/main.go"}}, "")
	a.Drop("no_app", "lgtm")
	if len(a.Outputs) != 0 {
		t.Errorf("no_app left %v", a.Outputs)
	}
	for _, c := range []struct {
		name    string
		changed []string
		title   string
		want    []string
	}{
		{"docs only", []string{"README.md", "CONTRIBUTING.md"}, "", nil},
		{"a Go file", []string{"internal/x/x.go", "README.md"}, "",
			[]string{"archive app", "binary app", "chart app", "image app", "package app"}},
		{"a Go file, but the title says docs", []string{"cmd/app/main.go"}, "[CI:DOCS] fix a typo", nil},
		{"a module file", []string{"go.sum"}, "",
			[]string{"archive app", "binary app", "chart app", "image app", "licenses", "package app"}},
		{"an archive's file, excluded or not", []string{"docs/guide.md", "docs/x.tmp"}, "", []string{"archive app"}},
		{"a package's file", []string{"packaging/app.conf"}, "", []string{"package app"}},
		{"an image's file", []string{"packaging/image.conf"}, "", []string{"chart app", "image app"}},
		{"the chart", []string{"charts/app/values.yaml"}, "", []string{"chart app"}},
		{"a dashboard", []string{"dashboards/mesh.json"}, "", []string{"grafana"}},
		{"the build spec", []string{"release/releasekit.yaml"}, "",
			[]string{"archive app", "binary app", "chart app", "grafana", "image app", "licenses", "package app"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := artifacts.AffectedOutputs(m, map[string][]string{"app": c.changed}, c.title)
			if diff := cmp.Diff(c.want, a.Outputs); diff != "" {
				t.Errorf("affected (-want +got):\n%s\n%s", diff, a)
			}
		})
	}
}
