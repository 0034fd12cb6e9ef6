package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/yamledit"
	"github.com/releasekit/releasekit/manifest"
)

// ChartRenderer renders a packaged chart with its default values and returns each rendered file
// by its name in the chart (templates/deployment.yaml). artifacts/chart.Packager is one, with
// the helm SDK.
type ChartRenderer interface {
	Render(ctx context.Context, tgz []byte) (map[string]string, error)
}

// Charts checks every chart the manifest asks for: its version and appVersion are the release
// version, the values its spec sets hold the rendered values (the hub is the manifest's docker),
// and every image (in every rendered template with a Renderer, else in values.yaml) is pinned
// to a digest that is in the release's image layout or that Lock resolves its tag to. A chart
// built with floating tags (pin: tag, for a main branch) instead has every image of the
// release's hub at the release tag, pulled Always.
type Charts struct {
	Renderer ChartRenderer
	Lock     digest.Resolver
}

// Name is "charts".
func (Charts) Name() string { return "charts" }

// Check implements [Checker].
func (c Charts) Check(ctx context.Context, d *release.Dir) error {
	m := d.Manifest
	if !m.Wants(manifest.OutputHelm) || len(m.Build.Charts) == 0 {
		return skip("the manifest asks for no charts")
	}
	built := map[string]bool{} // digests of the layout's images
	if l, err := d.Layout(); err == nil {
		for _, a := range d.Artifacts(manifest.OutputDocker) {
			if img, ok := l.Lookup(a.Image); ok {
				built[img.Digest().String()] = true
			}
		}
	}
	// Third-party images resolve from the lock the build recorded, then the caller's.
	lock, err := d.Lock()
	if err != nil {
		return err
	}
	c.Lock = digest.Chain{lock, orNone(c.Lock)}
	recorded := paths(d.Artifacts(manifest.OutputHelm))
	var errs []error
	for i := range m.Build.Charts {
		spec := &m.Build.Charts[i]
		rel := release.ChartPath(spec.Name, m.Version)
		if !recorded[rel] {
			errs = append(errs, fmt.Errorf("%s: chart %s is not recorded in the manifest", rel, spec.Name))
		}
		for _, err := range c.checkChart(ctx, d, spec, rel, built) {
			errs = append(errs, fmt.Errorf("%s: %w", path.Base(rel), err))
		}
	}
	return errors.Join(errs...)
}

// checkChart checks one packaged chart.
func (c Charts) checkChart(ctx context.Context, d *release.Dir, spec *manifest.Chart, rel string, built map[string]bool) []error {
	m := d.Manifest
	tgz, err := d.ReadFile(rel)
	if err != nil {
		return []error{missing(err)}
	}
	chart, err := release.ReadChart(tgz)
	if err != nil {
		return []error{err}
	}
	files := chart.Files
	var errs []error
	if chart.Version != m.Version || chart.AppVersion != m.Version {
		errs = append(errs, fmt.Errorf("%s: version %q, appVersion %q, want %q", "Chart.yaml", chart.Version, chart.AppVersion, m.Version))
	}
	values := files["values.yaml"]
	var root yaml.Node
	if err := yaml.Unmarshal(values, &root); err != nil {
		return append(errs, fmt.Errorf("values.yaml: %w", err))
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	data := m.TemplateData(spec.Name, spec.Dependency, "", "")
	for _, p := range slices.Sorted(maps.Keys(spec.Values)) {
		want, err := data.Execute(spec.Values[p])
		if err != nil {
			errs = append(errs, fmt.Errorf("values %s: %w", p, err))
			continue
		}
		n, err := yamledit.Lookup(doc, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("values.yaml: %s: %w", p, err))
			continue
		}
		// An image tag the build pinned reads tag@sha256:….
		if got, _, _ := strings.Cut(n.Value, "@"); got != want {
			errs = append(errs, fmt.Errorf("values.yaml: %s is %q, want %q (%s)", p, n.Value, want, spec.Values[p]))
		}
	}
	rendered := map[string]string{"values.yaml": string(values)}
	if c.Renderer != nil {
		if rendered, err = c.Renderer.Render(ctx, tgz); err != nil {
			return append(errs, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rendered)) {
		text := rendered[name]
		if !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") || strings.TrimSpace(text) == "" {
			continue
		}
		var opts []digest.Option
		if name == "values.yaml" {
			opts = append(opts, digest.WithImages(spec.Images))
		}
		images, err := digest.Find([]byte(text), name, opts...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, im := range images {
			if err := c.checkImage(ctx, m, spec, im, built); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
		if spec.Pin == "tag" {
			errs = append(errs, pullPolicies(name, text, name == "values.yaml")...)
		}
	}
	return errs
}

// checkImage checks one image a chart refers to.
func (c Charts) checkImage(ctx context.Context, m *manifest.Manifest, spec *manifest.Chart, im digest.Image, built map[string]bool) error {
	ref := im.Ref
	if spec.Pin == "tag" {
		ours := strings.HasPrefix(ref.Repository, strings.TrimSuffix(m.Docker, "/")+"/")
		switch {
		case ours && ref.Pinned():
			return fmt.Errorf("image %q is pinned, want the floating tag %s", ref, m.Version)
		case ours && ref.Tag != m.Version:
			return fmt.Errorf("image %q does not have the release tag %s", ref, m.Version)
		}
		return nil
	}
	if !ref.Pinned() && spec.MayStayUnpinned(im.File) {
		return nil // the spec lists its template file: helm test hooks
	}
	if !ref.Pinned() {
		return fmt.Errorf("image %q is not pinned", ref)
	}
	if built[string(ref.Digest)] {
		return nil
	}
	if ref.Tag != "" {
		unpinned := ref
		unpinned.Digest = ""
		if dg, err := c.Lock.Resolve(ctx, unpinned); err == nil && dg == ref.Digest {
			return nil
		}
	}
	return fmt.Errorf("image %q is pinned to a digest that is in neither this release's images nor its lock (%s), nor a lock given with WithLock", ref, release.LockFile)
}

// pullPolicies requires every pull policy in a rendered file (imagePullPolicy) or in
// values.yaml (pullPolicy) to be Always, so that a floating tag is pulled again.
func pullPolicies(name, text string, values bool) []error {
	key := "imagePullPolicy"
	if values {
		key = "pullPolicy"
	}
	var errs []error
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if !errors.Is(err, io.EOF) {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
			return errs
		}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					k, v := n.Content[i], n.Content[i+1]
					if k.Value == key && v.Kind == yaml.ScalarNode && v.Value != "Always" {
						errs = append(errs, fmt.Errorf("%s:%d: %s is %q, want Always for a floating tag", name, v.Line, key, v.Value))
					}
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&doc)
	}
}

// orNone is r, or a resolver that knows nothing.
func orNone(r digest.Resolver) digest.Resolver {
	if r == nil {
		return digest.NewLock()
	}
	return r
}
