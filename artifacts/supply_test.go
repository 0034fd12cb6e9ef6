package artifacts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/provenance"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/sbom"
)

// TestSupplyChain builds a release with images twice, in two folders: the bills of materials
// describe every binary and image, the provenance names every output, and both are the same
// bytes with no host path in them.
func TestSupplyChain(t *testing.T) {
	text, _ := imagesFixture(t)
	const builder = "https://ci.example/jobs/release"
	var sets []*artifacts.Set
	for _, dir := range []string{t.TempDir(), t.TempDir()} {
		set, err := artifacts.Build(t.Context(), resolved(t, dir, text), filepath.Join(dir, "out"), artifacts.WithProvenance(builder))
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, set)
	}
	one, two := sets[0], sets[1]
	var sboms []string
	for _, a := range one.Artifacts {
		if a.Kind == "sbom" {
			sboms = append(sboms, a.Path)
		}
	}
	want := []string{"sbom/app-linux-amd64.spdx.json", "sbom/app-linux-arm64.spdx.json", "sbom/appctl-linux-amd64.spdx.json",
		"sbom/images/app-debug.spdx.json", "sbom/images/app-distroless.spdx.json", "sbom/images/app-local.spdx.json"}
	if diff := cmp.Diff(want, sboms); diff != "" {
		t.Errorf("bills of materials (-want +got):\n%s", diff)
	}
	for _, rel := range append(sboms, release.ProvenanceFile) {
		a, b := readFile(t, filepath.Join(one.Dir, rel)), readFile(t, filepath.Join(two.Dir, rel))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds", rel)
		}
		// (The manifest names its layout base by an absolute path, which the parameters keep.)
		for _, dir := range []string{one.Dir, filepath.Dir(one.Dir)} {
			if bytes.Contains(a, []byte(dir)) {
				t.Errorf("%s names the host path %s", rel, dir)
			}
		}
	}

	doc, err := sbom.Read(bytes.NewReader(readFile(t, filepath.Join(one.Dir, "sbom/images/app-debug.spdx.json"))))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, p := range doc.Packages {
		pkgs = append(pkgs, p.PackageName+" "+p.PrimaryPackagePurpose)
	}
	for _, want := range []string{"registry.example/app/app:1.2.0-debug CONTAINER", "app APPLICATION", "stdlib LIBRARY"} {
		if !slices.Contains(pkgs, want) {
			t.Errorf("image SBOM has no %q: %v", want, pkgs)
		}
	}
	if len(doc.Files) != 1 || doc.Files[0].FileName != "/etc/packaging/app.conf" {
		t.Errorf("image SBOM files: %+v", doc.Files)
	}

	st, err := provenance.Read(bytes.NewReader(readFile(t, filepath.Join(one.Dir, release.ProvenanceFile))))
	if err != nil {
		t.Fatal(err)
	}
	var subjects, wantSubjects []string
	for _, s := range st.Subjects {
		for alg, d := range s.Digest {
			subjects = append(subjects, s.Name+" "+alg+":"+d)
		}
	}
	for _, a := range one.Artifacts {
		if a.Path != release.ProvenanceFile {
			wantSubjects = append(wantSubjects, a.Path+" sha256:"+a.SHA256)
		}
	}
	for _, im := range one.Images {
		wantSubjects = append(wantSubjects, im.Ref+" "+string(im.Digest))
	}
	slices.Sort(wantSubjects)
	if diff := cmp.Diff(wantSubjects, subjects); diff != "" {
		t.Errorf("provenance subjects (-want +got):\n%s", diff)
	}
	var deps []string
	for _, d := range st.Dependencies {
		deps = append(deps, d.Name)
	}
	if st.BuilderID != builder || !slices.Contains(deps, "app") || !slices.Contains(deps, "go") || !slices.Contains(deps, "oci-layout/base-layout") {
		t.Errorf("provenance builder %q, dependencies %v", st.BuilderID, deps)
	}
}

func TestSkipBillOfMaterials(t *testing.T) {
	work := t.TempDir()
	set := build(t, resolved(t, work, "skipGenerateBillOfMaterials: true\n"+fullRelease), filepath.Join(work, "out"))
	for _, a := range set.Artifacts {
		if strings.HasPrefix(a.Path, "sbom/") || a.Path == release.ProvenanceFile {
			t.Errorf("skipped, yet built %s", a.Path)
		}
	}
	if _, err := os.Stat(filepath.Join(set.Dir, "sbom")); !os.IsNotExist(err) {
		t.Errorf("sbom/ exists: %v", err)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
