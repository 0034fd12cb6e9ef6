package validate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/provenance"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/sbom"
	"github.com/releasekit/releasekit/manifest"
)

// SBOM checks the bills of materials: unless the manifest skips them, there is one for every
// binary on every platform, every image and the sources, recorded in the manifest and no more;
// each is SPDX 2.3 and describes what its name says, with the packages it must name (an
// image's binaries, each dependency at its commit).
type SBOM struct{}

// Name is "sbom".
func (SBOM) Name() string { return "sbom" }

// expectation is what one bill of materials must describe.
type expectation struct {
	// document is the document's name, when known.
	document string
	// describes is the name of the described package, and version its version when known.
	describes, version string
	// contains are names of other packages it must hold.
	contains []string
}

// sbomExpectations maps each bill of materials a build of m writes to what it describes.
func sbomExpectations(d *release.Dir) map[string]expectation {
	m := d.Manifest
	out := map[string]expectation{}
	for i := range m.Build.Binaries {
		x := &m.Build.Binaries[i]
		for _, p := range m.BinaryPlatforms(x) {
			goos, _, _, _ := manifest.ParsePlatform(p)
			out[release.BinarySBOMPath(x.Name, p)] = expectation{document: release.BinaryFile(x.Name, goos) + "-" + strings.ReplaceAll(p, "/", "-"),
				describes: release.BinaryFile(x.Name, goos), contains: []string{"stdlib"}}
		}
	}
	digests := map[string]string{}
	for _, a := range m.Artifacts {
		if a.Image != "" {
			digests[a.Image] = a.Digest
		}
	}
	if m.Wants(manifest.OutputDocker) {
		for i := range m.Build.Images {
			spec := &m.Build.Images[i]
			for _, v := range spec.VariantNames() {
				ref := release.ImageRef(m, spec, v)
				out[release.ImageSBOMPath(release.ImageName(spec.Name, v))] = expectation{document: "image-" + ref, describes: ref, version: digests[ref], contains: spec.Binaries}
			}
		}
	}
	if slices.Contains(release.SBOMPaths(m), release.SourcesSBOM) {
		var deps []string
		for _, name := range m.DependencyNames() {
			// A dependency without a commit is the manifest check's to report.
			deps = append(deps, strings.TrimSuffix(name+"@"+m.Dependencies[name].Sha, "@"))
		}
		out[release.SourcesSBOM] = expectation{contains: deps}
	}
	return out
}

// Check implements [Checker].
func (SBOM) Check(_ context.Context, d *release.Dir) error {
	if d.Manifest.SkipGenerateBillOfMaterials {
		return skip("the manifest skips the bill of materials (skipGenerateBillOfMaterials)")
	}
	want := sbomExpectations(d)
	recorded := paths(d.Artifacts(manifest.OutputSBOM))
	var errs []error
	for _, rel := range slices.Sorted(maps.Keys(recorded)) {
		if _, ok := want[rel]; !ok {
			errs = append(errs, fmt.Errorf("%s: a bill of materials of nothing the manifest builds", rel))
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		if !recorded[rel] {
			errs = append(errs, fmt.Errorf("%s: not recorded in the manifest", rel))
			continue
		}
		if err := checkSBOM(d, rel, want[rel]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
		}
	}
	return errors.Join(errs...)
}

func checkSBOM(d *release.Dir, rel string, want expectation) error {
	f, err := d.Open(rel)
	if err != nil {
		return missing(err)
	}
	defer f.Close()
	doc, err := sbom.Read(f)
	if err != nil {
		return err
	}
	byID := map[string]string{}
	have := map[string]bool{}
	for _, p := range doc.Packages {
		byID[string(p.PackageSPDXIdentifier)] = p.PackageName + "@" + p.PackageVersion
		have[p.PackageName] = true
		have[p.PackageName+"@"+p.PackageVersion] = true
	}
	var described []string
	for _, r := range doc.Relationships {
		if r.Relationship == "DESCRIBES" && string(r.RefA.ElementRefID) == "DOCUMENT" {
			described = append(described, byID[string(r.RefB.ElementRefID)])
		}
	}
	var errs []error
	if want.document != "" && doc.DocumentName != want.document {
		errs = append(errs, fmt.Errorf("document %q, want %q", doc.DocumentName, want.document))
	}
	if want.describes != "" {
		name := want.describes + "@" + want.version
		ok := slices.ContainsFunc(described, func(s string) bool {
			n, v, _ := strings.Cut(s, "@")
			return n == want.describes && (want.version == "" || v == want.version)
		})
		if !ok {
			errs = append(errs, fmt.Errorf("describes %s, want %s", strings.Join(described, ", "), strings.TrimSuffix(name, "@")))
		}
	}
	for _, c := range want.contains {
		if !have[c] {
			errs = append(errs, fmt.Errorf("names no package %s", c))
		}
	}
	return errors.Join(errs...)
}

// Provenance checks the build provenance when the release has one: an in-toto statement with
// a SLSA Provenance v1 predicate whose subjects are exactly the release's recorded outputs, files
// by sha256 and images by digest.
type Provenance struct{}

// Name is "provenance".
func (Provenance) Name() string { return "provenance" }

// Check implements [Checker].
func (Provenance) Check(_ context.Context, d *release.Dir) error {
	if len(d.Artifacts(manifest.OutputProvenance)) == 0 {
		return skip("the release has no provenance (the build named no builder)")
	}
	f, err := d.Open(release.ProvenanceFile)
	if err != nil {
		return fmt.Errorf("%s: %w", release.ProvenanceFile, missing(err))
	}
	defer f.Close()
	st, err := provenance.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", release.ProvenanceFile, err)
	}
	want := map[string]string{}
	for _, a := range d.Manifest.Artifacts {
		switch {
		case a.Path == release.ProvenanceFile:
		case a.Path != "":
			want[a.Path] = "sha256:" + a.SHA256
		default:
			want[a.Image] = a.Digest
		}
	}
	got := map[string]string{}
	for _, s := range st.Subjects {
		for alg, h := range s.Digest {
			got[s.Name] = alg + ":" + h
		}
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(want)) {
		switch g, ok := got[name]; {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: no subject %s", release.ProvenanceFile, name))
		case g != want[name]:
			errs = append(errs, fmt.Errorf("%s: subject %s is %s, the release has %s", release.ProvenanceFile, name, g, want[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			errs = append(errs, fmt.Errorf("%s: subject %s is not in the release", release.ProvenanceFile, name))
		}
	}
	return errors.Join(errs...)
}
