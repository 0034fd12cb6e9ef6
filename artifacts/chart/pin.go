package chart

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
	// Images are the images the chart renders, sorted by file and path.
	Images []ImageState
}

// Pin proves the pins of the chart folder dir's values.yaml by rendering, as Package does, and
// returns the values with the proved ones written and the state of every image the chart
// renders. It writes nothing.
func (p *Packager) Pin(ctx context.Context, dir string, r digest.Resolver, opts ...digest.Option) (*PinResult, error) {
	ch, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", dir, err)
	}
	var values []byte
	for _, f := range ch.Raw {
		if f.Name == chartutil.ValuesfileName {
			values = f.Data
		}
	}
	file := chartutil.ValuesfileName
	out, refused, written, err := pinValues(ctx, ch, values, file, r, opts...)
	if err != nil {
		return nil, err
	}
	before, err := renderValues(ch, values)
	if err != nil {
		return nil, err
	}
	after, err := renderValues(ch, out)
	if err != nil {
		return nil, err
	}
	was, now := before.images, after.images
	res := &PinResult{Values: out}
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
