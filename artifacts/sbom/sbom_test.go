package sbom_test

import (
	"bytes"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/releasekit/releasekit/artifacts/sbom"
)

var when = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func TestForBinary(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build information")
	}
	b := sbom.FromBuildInfo("hello", "linux/arm64", strings.Repeat("ab", 32), bi)
	one, err := sbom.Marshal(sbom.ForBinary(b, when))
	if err != nil {
		t.Fatal(err)
	}
	two, err := sbom.Marshal(sbom.ForBinary(b, when))
	if err != nil || !bytes.Equal(one, two) {
		t.Fatalf("two documents from the same binary differ (%v)", err)
	}
	d, err := sbom.Read(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	if d.DocumentName != "hello-linux-arm64" || !strings.HasPrefix(d.DocumentNamespace, "urn:uuid:") || d.CreationInfo.Created != "2024-05-01T12:00:00Z" {
		t.Errorf("document %q %q %q", d.DocumentName, d.DocumentNamespace, d.CreationInfo.Created)
	}
	var names []string
	for _, p := range d.Packages {
		names = append(names, p.PackageName+"@"+p.PackageVersion)
	}
	for _, want := range []string{"hello@" + bi.Main.Version, "stdlib@" + bi.GoVersion} {
		if !slices.Contains(names, want) {
			t.Errorf("no package %s in %v", want, names)
		}
	}
	for _, dep := range bi.Deps {
		if !slices.Contains(names, dep.Path+"@"+dep.Version) {
			t.Errorf("dependency %s@%s missing", dep.Path, dep.Version)
		}
	}
	described := 0
	for _, r := range d.Relationships {
		if r.Relationship == "DESCRIBES" {
			described++
		}
	}
	if described != 1 {
		t.Errorf("%d packages described, want the binary", described)
	}
	// Another binary, another namespace.
	b.SHA256 = strings.Repeat("cd", 32)
	three, _ := sbom.Marshal(sbom.ForBinary(b, when))
	d3, _ := sbom.Read(bytes.NewReader(three))
	if d3.DocumentNamespace == d.DocumentNamespace {
		t.Error("two binaries share a namespace")
	}
}

func TestForImage(t *testing.T) {
	im := sbom.Image{Ref: "registry.example/demo/hello:0.1.0", Digest: "sha256:" + strings.Repeat("1", 64),
		Base:     "gcr.io/distroless/static@sha256:" + strings.Repeat("2", 64),
		Binaries: []sbom.Binary{{Name: "hello", Platform: "linux/amd64", SHA256: strings.Repeat("3", 64), GoVersion: "go1.26.8", Main: sbom.Module{Path: "example.com/hello", Version: "(devel)"}}},
		Files:    []sbom.File{{Path: "etc/hello/config.yaml", SHA256: strings.Repeat("4", 64)}}}
	data, err := sbom.Marshal(sbom.ForImage(im, when))
	if err != nil {
		t.Fatal(err)
	}
	d, err := sbom.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		`"referenceLocator": "pkg:oci/hello@sha256%3A1111`, `?repository_url=registry.example/demo/hello"`,
		`"referenceLocator": "pkg:oci/static@sha256%3A2222`, `"relationshipType": "DESCENDANT_OF"`,
		`"fileName": "/etc/hello/config.yaml"`, `"name": "hello"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %s in\n%s", want, text)
		}
	}
	if len(d.Files) != 1 || len(d.Packages) != 5 {
		t.Errorf("%d files, %d packages", len(d.Files), len(d.Packages))
	}

	// Windows entries' bases are bases too, each a package the image descends from.
	im.Bases = []string{"mcr.microsoft.com/windows/nanoserver@sha256:" + strings.Repeat("5", 64),
		"mcr.microsoft.com/windows/nanoserver@sha256:" + strings.Repeat("6", 64)}
	data, err = sbom.Marshal(sbom.ForImage(im, when))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(data), `"relationshipType": "DESCENDANT_OF"`); got != 3 {
		t.Errorf("%d DESCENDANT_OF relationships, want 3", got)
	}
	for _, want := range []string{`"referenceLocator": "pkg:oci/nanoserver@sha256%3A5555`, `"referenceLocator": "pkg:oci/nanoserver@sha256%3A6666`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("no %s", want)
		}
	}
}
