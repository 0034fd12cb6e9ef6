package validate

import (
	"context"
	"errors"
	"fmt"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/scan"
	"github.com/releasekit/releasekit/manifest"
)

// Scanner checks the scanner output: a report under scan/ for every image of the release, each
// a report the scanner's shape is known for, with no finding at build.scanner.failOn or above.
type Scanner struct{}

// Name is "scanner".
func (Scanner) Name() string { return "scanner" }

// Check implements [Checker].
func (Scanner) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if m.Build.Scanner == nil || !m.Wants(manifest.OutputScanner) {
		return skip("the manifest asks for no scans")
	}
	reports := d.Artifacts(manifest.OutputScanner)
	recorded := paths(reports)
	var errs []error
	for i := range m.Build.Images {
		spec := &m.Build.Images[i]
		for _, v := range spec.VariantNames() {
			name := release.ImageName(spec.Name, v)
			for _, rel := range release.ScanPaths(name, m.ImagePlatforms(spec), m.Build.Scanner.Input == "tarball") {
				if !recorded[rel] {
					errs = append(errs, fmt.Errorf("image %s has no report %s", release.ImageRef(m, spec, v), rel))
				}
			}
		}
	}
	for _, r := range reports {
		data, err := d.ReadFile(r.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Path, missing(err)))
			continue
		}
		findings, err := scan.Findings(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Path, err))
			continue
		}
		if f := m.Build.Scanner.FailOn; f != "" {
			if hits, _ := scan.AtLeast(findings, f); len(hits) > 0 {
				errs = append(errs, fmt.Errorf("%s: %d findings at %s or above, the first %s", r.Path, len(hits), f, hits[0].ID))
			}
		}
	}
	return errors.Join(errs...)
}
