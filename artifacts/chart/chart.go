package chart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/yamledit"
)

// Packager implements artifacts.ChartPackager.
type Packager struct {
	user map[string]any
	jobs int
}

// Option configures a Packager.
type Option func(*Packager)

// WithValues renders the chart with values over its own when Pin proves pins, as helm
// template's -f and --set do: a chart that needs values to render (a required value, a
// values.schema.json) is pinned as its users install it (UserValues reads them). Package never
// takes them: a release renders with its chart's values. Default: none.
func WithValues(values map[string]any) Option {
	return func(p *Packager) { p.user = values }
}

// WithJobs sets how many renders run at once when pins are proved; below 1 is 1. Default: 2.
func WithJobs(n int) Option {
	return func(p *Packager) { p.jobs = max(n, 1) }
}

// New returns a chart packager.
func New(opts ...Option) *Packager {
	p := &Packager{jobs: 2}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Package stamps, pins, packages and checks the chart c describes, writing the .tgz to w.
func (p *Packager) Package(ctx context.Context, c *artifacts.ChartSpec, w io.Writer) error {
	ch, err := loader.LoadDir(c.Dir)
	if err != nil {
		return fmt.Errorf("load chart %s: %w", c.Path, err)
	}
	files := map[string][]byte{}
	for _, f := range ch.Raw {
		files[f.Name] = f.Data
	}
	if err := stamp(files, c.Version); err != nil {
		return err
	}
	// Renders that prove pins see the chart as it is released: .Chart.AppVersion is the version.
	ch.Metadata.Version, ch.Metadata.AppVersion = c.Version, c.Version
	if len(c.Values) > 0 {
		values, err := yamledit.Set(files[chartutil.ValuesfileName], c.Path+"/values.yaml", c.Values)
		if err != nil {
			return err
		}
		files[chartutil.ValuesfileName] = values
	}
	var subRefused []error
	if !c.Tags() {
		// Every pin is proved by rendering the chart with it; one the templates do not bear out
		// is refused, and the chart is not released.
		pc, err := pinChart(ctx, ch, files, c.Path+"/", nil, p.jobs, c.Images, digest.WithImages(c.Chart.Images))
		if err != nil {
			return err
		}
		var errs []error
		for _, r := range pc.refused {
			errs = append(errs, r.err)
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		// A subchart's value its parent overrides cannot be proved, and need not be: its
		// refusals matter only for an image left unpinned, which Check reports.
		for _, r := range pc.subRefused {
			subRefused = append(subRefused, r.err)
		}
	}

	entries := make([]archive.Entry, 0, len(files))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		entries = append(entries, archive.Entry{Name: ch.Name() + "/" + name, Data: files[name], Mode: 0o644})
	}
	var tgz bytes.Buffer
	if err := archive.Write(&tgz, archive.TarGz, entries, c.Time); err != nil {
		return err
	}
	if err := Check(ctx, tgz.Bytes(), c); err != nil {
		return errors.Join(append([]error{err}, subRefused...)...)
	}
	_, err = w.Write(tgz.Bytes())
	return err
}

// stamp sets version and appVersion in Chart.yaml (appending appVersion when the chart has
// none), and the version of every file:// dependency and of the subchart it names under charts/.
func stamp(files map[string][]byte, version string) error {
	var meta struct {
		AppVersion   *string `yaml:"appVersion"`
		Dependencies []struct {
			Name       string `yaml:"name"`
			Repository string `yaml:"repository"`
		} `yaml:"dependencies"`
	}
	data := files[chartutil.ChartfileName]
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return fmt.Errorf("%s: %w", chartutil.ChartfileName, err)
	}
	set := map[string]string{"version": version}
	if meta.AppVersion != nil {
		set["appVersion"] = version
	} else {
		if len(data) > 0 && data[len(data)-1] != '\n' {
			data = append(data, '\n')
		}
		data = append(data, fmt.Sprintf("appVersion: %q\n", version)...)
	}
	for i, d := range meta.Dependencies {
		if !strings.HasPrefix(d.Repository, "file://") {
			continue
		}
		set[fmt.Sprintf("dependencies[%d].version", i)] = version
		sub := "charts/" + d.Name + "/" + chartutil.ChartfileName
		if subData, ok := files[sub]; ok {
			out, err := yamledit.Set(subData, sub, map[string]string{"version": version})
			if err != nil {
				return err
			}
			files[sub] = out
		}
	}
	out, err := yamledit.Set(data, chartutil.ChartfileName, set)
	if err != nil {
		return err
	}
	files[chartutil.ChartfileName] = out
	return nil
}

// Check loads a packaged chart with helm's loader, lints it and renders it, and requires every
// image in the output to be pinned to a digest, or, for a chart built with floating tags, to
// carry the release version. Problems name the chart's files.
func Check(ctx context.Context, tgz []byte, c *artifacts.ChartSpec) error {
	ch, err := loader.LoadArchive(bytes.NewReader(tgz))
	if err != nil {
		return fmt.Errorf("load packaged chart: %w", err)
	}
	if ch.Metadata.Version != c.Version || ch.Metadata.AppVersion != c.Version {
		return fmt.Errorf("packaged chart has version %q and appVersion %q, want %q", ch.Metadata.Version, ch.Metadata.AppVersion, c.Version)
	}
	if err := lintChart(ch); err != nil {
		return err
	}
	rendered, err := render(ch, nil)
	if err != nil {
		return err
	}
	images, err := imagesOf(rendered, nil)
	if err != nil {
		return err
	}
	// Components the defaults turn off are released too: their images are checked with each
	// one's toggle on.
	var values []byte
	for _, f := range ch.Raw {
		if f.Name == chartutil.ValuesfileName {
			values = f.Data
		}
	}
	seen := map[string]bool{}
	for _, im := range images {
		seen[im.file+" "+im.ref.String()] = true
	}
	for _, t := range toggleRenders(values, chartutil.ValuesfileName, valuesOf(ch, nil), nil, 1) {
		for _, im := range t.before.images {
			if !seen[im.file+" "+im.ref.String()] {
				seen[im.file+" "+im.ref.String()] = true
				im.file += " (with " + t.path + ": true)"
				images = append(images, im)
			}
		}
	}
	var problems []error
	for _, im := range images {
		switch {
		case c.Tags():
			if strings.HasPrefix(im.ref.Repository, strings.TrimSuffix(c.Docker, "/")+"/") && im.ref.Tag != c.Version {
				problems = append(problems, fmt.Errorf("%s: image %q does not have the release tag %s", im.file, im.ref, c.Version))
			}
		case !im.ref.Pinned() && c.MayStayUnpinned(strings.SplitN(im.file, " ", 2)[0]):
			// Listed by the spec (helm test hooks): reported by the release's checks, not pinned.
		case !im.ref.Pinned():
			problems = append(problems, fmt.Errorf("%s: image %q is not pinned: no value of values.yaml pins it (written in the template, or refused above); a template file listed in the chart's unpinned may keep it", im.file, im.ref))
		}
	}
	return errors.Join(problems...)
}

// Render loads a packaged chart and renders it with its default values, as an install named
// "release" in namespace "default" would be, and returns each rendered file by its name in the
// chart (templates/deployment.yaml).
func (p *Packager) Render(_ context.Context, tgz []byte) (map[string]string, error) {
	ch, err := loader.LoadArchive(bytes.NewReader(tgz))
	if err != nil {
		return nil, fmt.Errorf("load packaged chart: %w", err)
	}
	return render(ch, nil)
}

// render renders ch with its default values and user's over them (none when nil); names are
// relative to the chart.
func render(ch *helmchart.Chart, user map[string]any) (map[string]string, error) {
	if user == nil {
		user = map[string]any{}
	}
	vals, err := chartutil.ToRenderValues(ch, user, chartutil.ReleaseOptions{Name: "release", Namespace: "default", IsInstall: true}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	rendered, err := engine.Render(ch, vals)
	if err != nil {
		return nil, fmt.Errorf("render chart: %w", err)
	}
	out := make(map[string]string, len(rendered))
	for name, text := range rendered {
		out[strings.TrimPrefix(name, ch.Name()+"/")] = text
	}
	return out, nil
}

// lintChart runs helm's linter, which reads a folder, over the packaged chart's files.
func lintChart(ch *helmchart.Chart) error {
	dir, err := os.MkdirTemp("", "releasekit-chart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := ch.Name()
	for _, f := range ch.Raw {
		p := filepath.Join(dir, name, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	linter := lint.All(filepath.Join(dir, name), nil, "default", false)
	var problems []error
	for _, m := range linter.Messages {
		if m.Severity >= support.WarningSev {
			problems = append(problems, fmt.Errorf("helm lint: %s", strings.ReplaceAll(m.Error(), dir+string(filepath.Separator), "")))
		}
	}
	return errors.Join(problems...)
}

var _ artifacts.ChartPackager = (*Packager)(nil)
