package artifacts

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"

	"github.com/releasekit/releasekit/artifacts/dashboard"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

type dashboardJob struct {
	name string // published name, e.g. pilot-dashboard
	file string // in the dependency's tree
	rel  string
}

// planGrafana queues grafana/<name>.json for each dashboard of the spec's folder: those the
// manifest's dashboards map names, or with no map every *-dashboard.json and
// *-dashboard.gen.json (published without .gen).
func (b *builder) planGrafana(ctx context.Context) error {
	if !b.m.Wants(manifest.OutputGrafana) {
		return nil
	}
	spec := b.m.GrafanaSpec()
	pos := b.grafanaPos()
	s, err := b.source(spec.Dependency)
	if err != nil {
		return err
	}
	files, _, err := s.tree(ctx)
	if err != nil {
		return err
	}
	found := map[string]string{}
	for _, f := range files {
		if path.Dir(f) != path.Clean(spec.Dir) {
			continue
		}
		name, ok := dashboard.IsDashboard(path.Base(f))
		if !ok {
			continue
		}
		if other, ok := found[name]; ok {
			b.problem(pos.Errorf("dir", "%s and %s are both the dashboard %s", other, f, name))
			continue
		}
		found[name] = f
	}
	names := slices.Sorted(maps.Keys(found))
	if len(b.m.Dashboards) > 0 {
		names = slices.Sorted(maps.Keys(b.m.Dashboards))
	}
	if len(names) == 0 {
		b.problem(pos.Errorf("dir", "no *-dashboard.json in %s of %s", spec.Dir, spec.Dependency))
	}
	for _, name := range names {
		f, ok := found[name]
		if !ok {
			b.problem(pos.Errorf("", "dashboards names %s, which is not in %s of %s (as %s.json or %s.gen.json)", name, spec.Dir, spec.Dependency, name, name))
			continue
		}
		b.dashboards = append(b.dashboards, &dashboardJob{name: name, file: f, rel: release.DashboardPath(name)})
		b.count++
	}
	b.steps = append(b.steps, b.buildGrafana)
	return nil
}

// grafanaPos is where problems of the grafana output are reported: build.grafana, or the
// dashboards map of a manifest without it.
func (b *builder) grafanaPos() manifest.Pos {
	if b.m.Build.Grafana != nil {
		return b.m.Build.Grafana.Pos
	}
	return manifest.Pos{Path: "dashboards"}
}

func (b *builder) buildGrafana(ctx context.Context) error {
	s, err := b.source(b.m.GrafanaSpec().Dependency)
	if err != nil {
		return err
	}
	_, id, err := s.tree(ctx)
	if err != nil {
		return err
	}
	for _, j := range b.dashboards {
		k := key("grafana", id, j.file, b.m.Version)
		err := b.produce(ctx, j.rel, manifest.OutputGrafana, k, func(w io.Writer) error {
			f, err := openInTree(s.Dir, j.file)
			if err != nil {
				return err
			}
			defer f.Close()
			data, err := io.ReadAll(io.LimitReader(f, dashboard.MaxSize+1))
			if err != nil {
				return err
			}
			out, err := dashboard.Externalize(data, b.m.Version)
			if err != nil {
				return fmt.Errorf("dashboard %s: %w", j.file, err)
			}
			_, err = w.Write(out)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
