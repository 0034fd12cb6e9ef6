package chart

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/releasekit/releasekit/digest"
)

// State is what pinning a chart found for one image it renders.
type State string

// The states of a rendered image.
const (
	// Pinned was pinned by the chart as it came.
	Pinned State = "pinned"
	// Pinnable is pinned by a value whose pin a render proved.
	Pinnable State = "pinnable"
	// Refused is written by a value whose pin no render bears out.
	Refused State = "refused"
	// NotPinnable is written in a template: no value pins it.
	NotPinnable State = "not pinnable"
)

// ImageState is one rendered image and what pinning found for it.
type ImageState struct {
	// File is the rendered template, Path the image's place in it.
	File, Path string
	Ref        digest.Reference
	State      State
	// Value is the values.yaml path that pins it, for Pinnable and Refused.
	Value string
	// Reason says why, for Refused and NotPinnable.
	Reason string
}

// PinResult is the outcome of pinning a chart folder's values.
type PinResult struct {
	// Values is values.yaml with every proved pin written; the chart's own bytes when none.
	Values []byte
	// Changed are the values files with pins written, by their path in the chart: values.yaml
	// and subcharts' (charts/<name>/values.yaml).
	Changed map[string][]byte
	// Images are the images the chart renders, sorted by file and path.
	Images []ImageState
	// Renders counts the renders that proved the pins (and refused the rest).
	Renders int
}

// Pin proves the pins of the chart folder dir's values.yaml by rendering, as Package does, and
// returns the values with the proved ones written and the state of every image the chart
// renders. It writes nothing.
func (p *Packager) Pin(ctx context.Context, dir string, r digest.Resolver, opts ...digest.Option) (*PinResult, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	files, original := map[string][]byte{}, map[string][]byte{}
	for _, f := range ch.Raw {
		files[f.Name], original[f.Name] = f.Data, f.Data
	}
	before, err := renderFiles(ch, files, p.user)
	if err != nil {
		return nil, err
	}
	pc, err := pinChart(ctx, ch, files, "", p.user, p.jobs, r, opts...)
	if err != nil {
		return nil, err
	}
	after, err := renderFiles(ch, files, p.user)
	if err != nil {
		return nil, err
	}
	refused, written := append(pc.refused, pc.subRefused...), pc.written
	out := files[chartutil.ValuesfileName]
	was, now := before.images, after.images
	res := &PinResult{Values: out, Changed: map[string][]byte{}, Renders: pc.renders}
	for name, data := range files {
		if !bytes.Equal(data, original[name]) {
			res.Changed[name] = data
		}
	}
	for i, b := range was {
		st := ImageState{File: b.file, Path: b.path, Ref: b.ref}
		switch {
		case b.ref.Pinned():
			st.State = Pinned
		case now[i].ref.Pinned():
			st.State, st.Ref = Pinnable, now[i].ref
			st.Value = written[b.ref.Key()]
		default:
			st.State, st.Reason = NotPinnable, "written in the template: no value pins it"
			if why, ok := pc.missed[b.ref.Key()]; ok {
				st.Reason = why
			}
			for _, rf := range refused {
				if sameRepository(rf.change.Ref, b.ref) {
					st.State, st.Value, st.Reason = Refused, rf.change.Path, rf.err.Error()
				}
			}
		}
		res.Images = append(res.Images, st)
	}
	slices.SortStableFunc(res.Images, func(a, b ImageState) int { return strings.Compare(a.File, b.File) })
	return res, nil
}

// sameRepository reports whether a and b name one repository, whatever their tags.
func sameRepository(a, b digest.Reference) bool {
	a.Tag, a.Digest, b.Tag, b.Digest = "", "", "", ""
	return a.Key() == b.Key()
}

// pinnedChart is what pinning a chart's values and its subcharts' did.
type pinnedChart struct {
	// refused are the chart's own values whose pins no render bears out; subRefused its
	// subcharts'.
	refused, subRefused []refusal
	// written is the values path (a subchart's prefixed with its file) each pin was written
	// at, by image key.
	written map[string]string
	// missed says, by image key, why a rendered image no detected value pins was not pinned
	// either through the values that make it.
	missed map[string]string
	// renders counts the renders made to prove the pins.
	renders int
}

// pinChart pins ch's values.yaml and then each subchart's own values.yaml in files (the chart's
// files by name, values.yaml and charts/<sub>/values.yaml are replaced), proving every pin by
// rendering the whole chart with user's values over them, up to jobs renders at once. A
// subchart packaged as an archive is left as it is.
func pinChart(ctx context.Context, ch *helmchart.Chart, files map[string][]byte, prefix string, user map[string]any, jobs int, r digest.Resolver, opts ...digest.Option) (*pinnedChart, error) {
	values := files[chartutil.ValuesfileName]
	seen := newSession(user)
	pv, err := pinValues(ctx, valuesOf(ch, seen), values, prefix+chartutil.ValuesfileName, jobs, r, opts...)
	if err != nil {
		return nil, err
	}
	out := pv.out
	files[chartutil.ValuesfileName] = out
	pc := &pinnedChart{refused: pv.refused, written: map[string]string{}, missed: map[string]string{}}
	maps.Copy(pc.written, pv.written)
	maps.Copy(pc.missed, pv.missed)
	for _, sub := range ch.Dependencies() {
		name := "charts/" + sub.Name() + "/" + chartutil.ValuesfileName
		sv, ok := files[name]
		if !ok {
			continue
		}
		spv, err := pinValues(ctx, subchartValues(ch, out, sub, seen), sv, prefix+name, jobs, r, opts...)
		if err != nil {
			return nil, err
		}
		files[name] = spv.out
		pc.subRefused = append(pc.subRefused, spv.refused...)
		for k, v := range spv.missed {
			if _, ok := pc.missed[k]; !ok {
				pc.missed[k] = name + ": " + v
			}
		}
		for k, v := range spv.written {
			if _, ok := pc.written[k]; !ok {
				pc.written[k] = name + ": " + v
			}
		}
	}
	pc.renders = seen.renders
	return pc, nil
}

// renderFiles renders ch with the values files of files in place of its own and its
// subcharts', and user's values over them.
func renderFiles(ch *helmchart.Chart, files map[string][]byte, user map[string]any) (*rendered, error) {
	c := *ch
	var err error
	if c.Values, err = chartutil.ReadValues(files[chartutil.ValuesfileName]); err != nil {
		return nil, err
	}
	deps := make([]*helmchart.Chart, 0, len(ch.Dependencies()))
	for _, d := range ch.Dependencies() {
		cp := *d
		if sv, ok := files["charts/"+d.Name()+"/"+chartutil.ValuesfileName]; ok {
			if cp.Values, err = chartutil.ReadValues(sv); err != nil {
				return nil, err
			}
		}
		deps = append(deps, &cp)
	}
	c.SetDependencies(deps...)
	return renderChart(&c, newSession(user))
}
