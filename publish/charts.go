package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// Helm's OCI media types.
const (
	ChartConfigMediaType  types.MediaType = "application/vnd.cncf.helm.config.v1+json"
	ChartContentMediaType types.MediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// charts pushes packaged charts to an OCI registry.
type charts struct {
	hub string
	o   *targetOptions
}

// Charts returns the target that pushes each chart to <hub>/<name>:<version> as Helm does (its
// media types; "+" in a version becomes "_" in the tag), but with a manifest that depends only
// on the chart: no creation time, so the chart's OCI digest is the same every time.
func Charts(hub string, opts ...ChartsOption) (Target, error) {
	hub = strings.TrimSuffix(strings.TrimPrefix(hub, "oci://"), "/")
	if err := checkHub(hub); err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	o, err := newTargetOptions("charts", opts, ChartsOption.charts)
	if err != nil {
		return nil, err
	}
	return &charts{hub: hub, o: o}, nil
}

func (t *charts) Name() string { return "charts" }

// chartOCI is a chart as an OCI artifact.
type chartOCI struct {
	tag      name.Tag
	config   v1.Layer
	content  v1.Layer
	manifest rawManifest
	digest   v1.Hash
}

type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// ChartRef is a chart of a release as Charts(hub) pushes it: its tag and manifest digest.
type ChartRef struct {
	Tag    name.Tag
	Digest v1.Hash
	// Path is the chart's file in the release.
	Path string
}

// ChartRefs returns where Charts(hub) pushes each chart of d, and with which digest (a chart's
// OCI digest depends only on the chart), for targets that act on pushed charts.
func ChartRefs(hub string, d *release.Dir) ([]ChartRef, error) {
	hub = strings.TrimSuffix(strings.TrimPrefix(hub, "oci://"), "/")
	if err := checkHub(hub); err != nil {
		return nil, fmt.Errorf("charts: %w", err)
	}
	charts, err := d.Charts()
	if err != nil {
		return nil, err
	}
	out := make([]ChartRef, len(charts))
	for i, c := range charts {
		o, err := chartArtifact(hub, d, c)
		if err != nil {
			return nil, err
		}
		out[i] = ChartRef{Tag: o.tag, Digest: o.digest, Path: c.Path}
	}
	return out, nil
}

func (t *charts) artifact(d *release.Dir, c release.Chart) (*chartOCI, error) {
	return chartArtifact(t.hub, d, c)
}

func chartArtifact(hub string, d *release.Dir, c release.Chart) (*chartOCI, error) {
	tag, err := name.NewTag(hub + "/" + c.Name + ":" + strings.ReplaceAll(c.Version, "+", "_"))
	if err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(c.Metadata)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.Path, err)
	}
	data, err := readChecked(d, c.Path, c.SHA256)
	if err != nil {
		return nil, err
	}
	o := &chartOCI{tag: tag, config: static.NewLayer(cfg, ChartConfigMediaType), content: static.NewLayer(data, ChartContentMediaType)}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for i, l := range []v1.Layer{o.config, o.content} {
		d, err := partialDescriptor(l)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			m.Config = d
		} else {
			d.Annotations = map[string]string{"org.opencontainers.image.title": path.Base(c.Path)}
			m.Layers = []v1.Descriptor{d}
		}
	}
	m.Annotations = map[string]string{
		"org.opencontainers.image.title":   c.Name,
		"org.opencontainers.image.version": c.Version,
	}
	if s, ok := c.Metadata["description"].(string); ok && s != "" {
		m.Annotations["org.opencontainers.image.description"] = s
	}
	if o.manifest, err = json.Marshal(m); err != nil {
		return nil, err
	}
	o.digest, _, err = v1.SHA256(strings.NewReader(string(o.manifest)))
	return o, err
}

func partialDescriptor(l v1.Layer) (v1.Descriptor, error) {
	d := v1.Descriptor{}
	var err error
	if d.Digest, err = l.Digest(); err != nil {
		return d, err
	}
	if d.Size, err = l.Size(); err != nil {
		return d, err
	}
	d.MediaType, err = l.MediaType()
	return d, err
}

func (t *charts) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	puller, err := remote.NewPuller(t.o.remote(ctx)...)
	if err != nil {
		return nil, err
	}
	charts, err := d.Charts()
	if err != nil {
		return nil, err
	}
	actions := make([]Action, len(charts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(t.o.jobs)
	for i, c := range charts {
		g.Go(func() error {
			o, err := t.artifact(d, c)
			if err != nil {
				return err
			}
			a := Action{Kind: KindChart, Object: o.tag.String(), Digest: o.digest.String(), Source: c.Path}
			actions[i], err = t.o.tagAction(ctx, puller, a, o.tag, o.digest)
			return err
		})
	}
	return actions, g.Wait()
}

func (t *charts) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	pusher, err := remote.NewPusher(t.o.remote(ctx)...)
	if err != nil {
		return err
	}
	charts, err := d.Charts()
	if err != nil {
		return err
	}
	bySource := map[string]release.Chart{}
	for _, c := range charts {
		bySource[c.Path] = c
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(t.o.jobs)
	for _, a := range push {
		g.Go(func() error {
			o, err := t.artifact(d, bySource[a.Source])
			if err != nil {
				return err
			}
			for _, l := range []v1.Layer{o.config, o.content} {
				if err := pusher.Upload(ctx, o.tag.Context(), l); err != nil {
					return fmt.Errorf("push %s: %w", o.tag, err)
				}
			}
			if err := pusher.Put(ctx, o.tag, o.manifest); err != nil {
				return fmt.Errorf("push %s: %w", o.tag, err)
			}
			return nil
		})
	}
	return g.Wait()
}
