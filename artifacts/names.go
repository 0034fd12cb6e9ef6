package artifacts

import (
	"fmt"
	"path"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// claim is the entry that names an output.
type claim struct {
	pos   manifest.Pos
	field string
}

// claimNames checks, before anything is written, that every output has a name of its own: no
// two outputs share one (each is reported at both positions), and none takes a name the release
// directory keeps for itself (its manifest, SHA256SUMS, the lock, a .sha256 file, the image
// layout, a hidden file).
func (b *builder) claimNames() {
	claims := map[string]claim{}
	var order []string
	add := func(rel string, pos manifest.Pos, field string) {
		if prev, ok := claims[rel]; ok {
			e := pos.Errorf(field, "writes %s, as %s does", rel, where(prev))
			b.problem(e)
			b.problem(prev.pos.Errorf(prev.field, "writes %s, as %s does", rel, where(claim{pos, field})))
			return
		}
		claims[rel] = claim{pos, field}
		order = append(order, rel)
	}
	if b.m.Wants(manifest.OutputSources) {
		add(release.SourcesFile, manifest.Pos{Path: "outputs"}, "")
	}
	for _, j := range b.archives {
		add(j.rel, j.spec.Pos, "nameTemplate")
	}
	for _, j := range b.packages {
		add(j.rel, j.spec.Pos, "name")
	}
	for _, j := range b.commands {
		for i, rel := range j.outputs {
			add(rel, j.spec.Pos, fmt.Sprintf("outputs[%d]", i))
		}
	}
	for _, j := range b.charts {
		add(j.rel, j.spec.Pos, "name")
	}
	for _, j := range b.licenseJobs {
		var pos manifest.Pos
		if b.m.Build.Licenses != nil {
			pos = b.m.Build.Licenses.Pos
		}
		add(j.rel, pos, "dependencies")
	}
	for _, j := range b.dashboards {
		add(j.rel, b.grafanaPos(), "")
	}
	for _, j := range b.scans {
		add(j.rel, b.m.Build.Scanner.Pos, "run")
	}
	tarballs := map[string]bool{}
	if b.m.DockerOutput == "tar" {
		for _, j := range b.images {
			for _, pl := range j.platforms {
				rel := tarballName(j, pl)
				tarballs[rel] = true
				add(rel, j.spec.Pos, "name")
			}
		}
	}
	for _, rel := range release.SBOMPaths(b.m) {
		add(rel, manifest.Pos{Path: "skipGenerateBillOfMaterials"}, "")
	}
	reserved := map[string]bool{release.ManifestFile: true, release.SumsFile: true, release.LockFile: true, release.ProvenanceFile: true}
	for _, rel := range order {
		c := claims[rel]
		base := path.Base(rel)
		switch {
		case reserved[rel]:
			b.problem(c.pos.Errorf(c.field, "writes %s, which the release directory keeps for itself", rel))
		case strings.HasSuffix(rel, ".sha256"):
			b.problem(c.pos.Errorf(c.field, "writes %s: .sha256 files are written beside each output", rel))
		case strings.HasPrefix(base, "."):
			b.problem(c.pos.Errorf(c.field, "writes the hidden file %s", rel))
		case (rel == release.ImagesDir || strings.HasPrefix(rel, release.ImagesDir+"/")) && !tarballs[rel]:
			b.problem(c.pos.Errorf(c.field, "writes %s, inside the image layout %s/", rel, release.ImagesDir))
		}
	}
}

// where names a claim for a message: file:line:col: path.field, or the path alone.
func where(c claim) string {
	e := c.pos.Errorf(c.field, "")
	if e.File == "" {
		return e.Path
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Path)
}
