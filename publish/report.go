package publish

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Report is what a release published: every image and chart with its digest.
type Report struct {
	Version string      `json:"version"`
	Images  []Published `json:"images"`
	Charts  []Published `json:"charts"`
}

// Published is one reference and the digest it names.
type Published struct {
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
}

// String is "ref@digest".
func (p Published) String() string { return p.Ref + "@" + p.Digest }

// Report lists the images and charts of the plan that are published once it is applied (those
// pushed and those found identical), sorted.
func (p *Plan) Report() *Report {
	r := &Report{Version: p.Release.Manifest.Version, Images: []Published{}, Charts: []Published{}}
	for _, a := range p.Actions {
		if a.Op == Refuse {
			continue
		}
		switch a.Kind {
		case KindImage:
			r.Images = append(r.Images, Published{a.Object, a.Digest})
		case KindChart:
			r.Charts = append(r.Charts, Published{"oci://" + a.Object, a.Digest})
		}
	}
	byRef := func(a, b Published) int { return strings.Compare(a.Ref, b.Ref) }
	slices.SortFunc(r.Images, byRef)
	slices.SortFunc(r.Charts, byRef)
	return r
}

// JSON returns the report as indented JSON.
func (r *Report) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	return append(data, '\n'), err
}

// WriteList writes one "ref@digest" line per image, then per chart: the plain list release
// notes and downstream pinning consume.
func (r *Report) WriteList(w io.Writer) error {
	for _, p := range append(slices.Clone(r.Images), r.Charts...) {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	return nil
}
