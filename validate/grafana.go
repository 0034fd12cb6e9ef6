package validate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/dashboard"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// Grafana checks the dashboards of the grafana output: each grafana/<name>.json recorded is a
// dashboard externalized for grafana.com for this release's version (a title, the description
// naming the version, the DS_PROMETHEUS input, no data source left named Prometheus), and,
// when the manifest has a dashboards map (the grafana.com ids to publish to), the dashboards are
// exactly its keys, as Istio's release-builder validates them.
type Grafana struct{}

// Name is "grafana".
func (Grafana) Name() string { return "grafana" }

// Check implements [Checker].
func (Grafana) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if !m.Wants(manifest.OutputGrafana) {
		return skip("the manifest asks for no dashboards")
	}
	recorded := paths(d.Artifacts(manifest.OutputGrafana))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(m.Dashboards)) {
		if rel := release.DashboardPath(name); !recorded[rel] {
			errs = append(errs, fmt.Errorf("%s: dashboard %s (grafana.com id %d) is not recorded in the manifest", rel, name, m.Dashboards[name]))
		}
	}
	if len(m.Dashboards) > 0 {
		// As Istio's release-builder validates: grafana/ holds exactly the map's dashboards.
		for _, rel := range slices.Sorted(maps.Keys(recorded)) {
			name, _ := release.DashboardName(rel)
			if _, ok := m.Dashboards[name]; !ok {
				errs = append(errs, fmt.Errorf("%s: dashboard %s is not in the manifest's dashboards map, which names the dashboards of the release", rel, name))
			}
		}
	}
	if len(recorded) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("the grafana output recorded no dashboard"))
	}
	for _, rel := range slices.Sorted(maps.Keys(recorded)) {
		if _, ok := release.DashboardName(rel); !ok {
			errs = append(errs, fmt.Errorf("%s: a grafana artifact outside grafana/*.json", rel))
			continue
		}
		data, err := d.ReadFile(rel)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, missing(err)))
			continue
		}
		if err := dashboard.Check(data, m.Version); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s", rel, strings.ReplaceAll(err.Error(), "\n", "; ")))
		}
	}
	return errors.Join(errs...)
}
