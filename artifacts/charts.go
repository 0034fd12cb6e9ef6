package artifacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
)

// ChartPackager stamps, pins and packages a Helm chart. Package artifacts/chart implements it
// with the helm SDK.
type ChartPackager interface {
	Package(ctx context.Context, c *ChartSpec, w io.Writer) error
}

// ChartSpec is one chart to package.
type ChartSpec struct {
	*manifest.Chart
	// Dir is the chart folder on the host.
	Dir string
	// Version is the release version: the chart's version and appVersion.
	Version string
	// Docker is the release's registry prefix.
	Docker string
	// Values are the values to set, rendered: path → value.
	Values map[string]string
	// Images resolves the images this release built, then third-party ones.
	Images digest.Resolver
	// Time is the modification time of every file of the package.
	Time time.Time
}

// Tags reports whether images keep floating tags rather than being pinned (a main-branch build).
func (c *ChartSpec) Tags() bool { return c.Pin == "tag" }

type chartJob struct {
	spec *ChartSpec
	rel  string
	ids  []string
}

// planCharts checks every chart folder and renders its values.
func (b *builder) planCharts(ctx context.Context) {
	if !b.m.Wants(manifest.OutputHelm) {
		return
	}
	for i := range b.m.Build.Charts {
		spec := &b.m.Build.Charts[i]
		if b.o.charts == nil {
			b.problem(spec.Pos.Errorf("name", "no chart packager (use artifacts.WithChartPackager)"))
			continue
		}
		s, err := b.source(spec.Dependency)
		if err != nil {
			b.problem(spec.Pos.Errorf("dependency", "%v", err))
			continue
		}
		_, id, err := s.tree(ctx)
		if err != nil {
			b.problem(spec.Pos.Errorf("path", "%v", err))
			continue
		}
		dir := filepath.Join(s.Dir, filepath.FromSlash(spec.Path))
		// Helm reads the folder and follows links: it must be the tree's own files.
		if err := checkTreeDir(s.Dir, spec.Path); err != nil {
			b.problem(spec.Pos.Errorf("path", "%v (in %s)", err, spec.Dependency))
			continue
		}
		if f, err := openInTree(s.Dir, path.Join(spec.Path, "Chart.yaml")); err != nil {
			b.problem(spec.Pos.Errorf("path", "%s is not a chart folder in %s (no Chart.yaml)", spec.Path, spec.Dependency))
			continue
		} else {
			f.Close()
		}
		values := map[string]string{}
		for _, k := range slices.Sorted(maps.Keys(spec.Values)) {
			v, err := b.data(spec.Name, spec.Dependency, "", "").Execute(spec.Values[k])
			if err != nil {
				b.problem(spec.Pos.Errorf("values."+k, "%v", err))
				continue
			}
			values[k] = v
		}
		j := &chartJob{rel: release.ChartPath(spec.Name, b.m.Version), spec: &ChartSpec{
			Chart: spec, Dir: dir, Version: b.m.Version, Docker: b.m.Docker, Values: values, Time: b.o.time,
		}}
		j.ids = []string{"chart", id, spec.Path, b.m.Version, b.m.Docker, b.o.time.String(), spec.Pin, fmt.Sprintf("%T", b.o.charts)}
		for _, k := range slices.Sorted(maps.Keys(values)) {
			j.ids = append(j.ids, k, values[k])
		}
		for _, k := range slices.Sorted(maps.Keys(spec.Images)) {
			j.ids = append(j.ids, k, spec.Images[k])
		}
		b.charts = append(b.charts, j)
		b.count++
	}
	if len(b.charts) > 0 {
		b.steps = append(b.steps, b.buildCharts)
	}
}

// buildCharts packages every chart with the images this release built pinned first: their
// digests are known, so charts need no second release step.
func (b *builder) buildCharts(ctx context.Context) error {
	built := digest.NewLock()
	var ids []string
	// The images assembled in this build, recorded as outputs or not (a shard that builds
	// charts without the layout).
	for _, j := range b.images {
		if j.digest == "" {
			continue
		}
		ref, err := digest.Parse(j.ref)
		if err != nil {
			return err
		}
		built.Add(ref, j.digest)
		ids = append(ids, j.ref, string(j.digest))
	}
	for _, j := range b.charts {
		// The third-party digests a chart is pinned to are kept beside its stamp, so that a
		// reused chart records them in the release's lock as a rebuilt one does.
		used := digest.NewLock()
		resolver := digest.Chain{built}
		if b.o.resolver != nil {
			resolver = append(resolver, digest.Record(b.o.resolver, used))
		}
		j.spec.Images = resolver
		k := key(append(j.ids, ids...)...)
		lockFile := b.stampPath(j.rel) + ".lock"
		if _, _, ok := b.reusable(j.rel, k); ok {
			if l, err := digest.LoadLock(lockFile); err == nil {
				used = l
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("chart %s: %w", j.spec.Name, err)
			}
		}
		err := b.produce(ctx, j.rel, manifest.OutputHelm, k, func(w io.Writer) error {
			if err := b.o.charts.Package(ctx, j.spec, w); err != nil {
				return err
			}
			if used.Len() == 0 {
				if err := os.Remove(lockFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			}
			return used.Write(lockFile)
		})
		if err != nil {
			return fmt.Errorf("chart %s: %w", j.spec.Name, err)
		}
		b.lock.Merge(used)
	}
	return nil
}
