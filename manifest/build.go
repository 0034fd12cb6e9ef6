package manifest

import (
	"slices"
	"strings"
	"text/template"
)

// Build is the declarative build spec: what to make from which dependency. It is written inline
// under build: in the manifest, or in a file inside a dependency (see [Dependency.Spec]) so that a
// component's release config branches and tags with its code. Names are unique within a kind.
type Build struct {
	Binaries []Binary  `yaml:"binaries,omitempty"`
	Archives []Archive `yaml:"archives,omitempty"`
	Packages []Package `yaml:"packages,omitempty"`
	Images   []Image   `yaml:"images,omitempty"`
	Charts   []Chart   `yaml:"charts,omitempty"`
	Commands []Command `yaml:"commands,omitempty"`
	Licenses *Licenses `yaml:"licenses,omitempty"`
	Grafana  *Grafana  `yaml:"grafana,omitempty"`
	Scanner  *Scanner  `yaml:"scanner,omitempty"`
}

func (b *Build) hasPackageFormat(f string) bool {
	for _, p := range b.Packages {
		if slices.Contains(p.Formats, f) {
			return true
		}
	}
	return false
}

// Merge appends other's entries to b, defaulting their dependency to dep.
func (b *Build) Merge(other Build, dep string) {
	other = other.Clone()
	setDep := func(s *string) {
		if *s == "" {
			*s = dep
		}
	}
	for _, x := range other.Binaries {
		setDep(&x.Dependency)
		b.Binaries = append(b.Binaries, x)
	}
	for _, x := range other.Archives {
		for i := range x.Files {
			setDep(&x.Files[i].Dependency)
		}
		b.Archives = append(b.Archives, x)
	}
	for _, x := range other.Packages {
		for i := range x.Contents {
			if x.Contents[i].Binary == "" {
				setDep(&x.Contents[i].Dependency)
			}
		}
		b.Packages = append(b.Packages, x)
	}
	for _, x := range other.Images {
		for i := range x.Files {
			setDep(&x.Files[i].Dependency)
		}
		b.Images = append(b.Images, x)
	}
	for _, x := range other.Charts {
		setDep(&x.Dependency)
		b.Charts = append(b.Charts, x)
	}
	for _, x := range other.Commands {
		setDep(&x.Dependency)
		b.Commands = append(b.Commands, x)
	}
	if other.Licenses != nil && b.Licenses == nil {
		l := *other.Licenses
		b.Licenses = &l
	}
	if other.Grafana != nil && b.Grafana == nil {
		g := *other.Grafana
		b.Grafana = &g
	}
	if other.Scanner != nil && b.Scanner == nil {
		sc := *other.Scanner
		sc.Run = slices.Clone(sc.Run)
		b.Scanner = &sc
	}
}

// Files selects files of a dependency by glob, relative to its root.
type Files struct {
	Pos        Pos      `yaml:"-"`
	Dependency string   `yaml:"dependency,omitempty"`
	Include    []string `yaml:"include"`
	Exclude    []string `yaml:"exclude,omitempty"`
	// Dest is the folder the files go to inside the output.
	Dest string `yaml:"dest,omitempty"`
}

// Grafana makes the grafana output: the dashboards of a dependency's folder, externalized for
// grafana.com (grafana/<name>.json).
type Grafana struct {
	Pos Pos `yaml:"-"`
	// Dependency holds the dashboards. Default: the only dependency, else "istio".
	Dependency string `yaml:"dependency,omitempty"`
	// Dir is their folder in it. Default: Istio's, manifests/addons/dashboards.
	Dir string `yaml:"dir,omitempty"`
}

// DefaultDashboardDir is where Istio keeps its Grafana dashboards.
const DefaultDashboardDir = "manifests/addons/dashboards"

// GrafanaSpec is the grafana output's spec with its defaults filled in: build.grafana, or for a
// manifest without one (Istio's), the istio dependency's dashboards.
func (m *Manifest) GrafanaSpec() Grafana {
	var g Grafana
	if m.Build.Grafana != nil {
		g = *m.Build.Grafana
	}
	if g.Dependency == "" {
		g.Dependency = "istio"
		if len(m.Dependencies) == 1 {
			g.Dependency = m.DependencyNames()[0]
		}
	}
	if g.Dir == "" {
		g.Dir = DefaultDashboardDir
	}
	return g
}

// Scanner makes the scanner output: a vulnerability scanner run over each image of the release,
// its JSON report kept as scan/<image>.json.
type Scanner struct {
	Pos Pos `yaml:"-"`
	// Run is the scanner's argv, each a template of .Input (the exported image's path), .Image
	// (its reference), .Name and .Platform (os/arch, with input: tarball), e.g.
	// [trivy, image, --quiet, --format, json, --input, "{{.Input}}"]. It prints the report.
	Run []string `yaml:"run"`
	// Input is how each image is given: "oci" (an OCI layout folder holding the image index;
	// the default) or "tarball" (docker save's format, one per platform, reports
	// scan/<image>-<arch>.json when there are several).
	Input string `yaml:"input,omitempty"`
	// FailOn fails the build on a finding of this severity or above: low, medium, high,
	// critical. Default: reports are kept and nothing fails.
	FailOn string `yaml:"failOn,omitempty"`
}

// Licenses bundles the licenses of every Go module linked by the listed dependencies.
type Licenses struct {
	Pos Pos `yaml:"-"`
	// Dependencies defaults to every dependency that has a binary.
	Dependencies []string `yaml:"dependencies,omitempty"`
	// Forbid lists license types that fail the build, e.g. forbidden, restricted.
	Forbid []string `yaml:"forbid,omitempty"`
}

// TemplateData is what name, folder and ldflags templates may use.
type TemplateData struct {
	Name       string
	Version    string
	Docker     string
	Commit     string
	CommitDate string
	OS         string
	Arch       string
	// Suffix is the build's unique suffix (Manifest.Suffix), "" when it has none.
	Suffix string
	// Images are the images the release builds, by name (name-variant for variants), as
	// ref@sha256:…, for ldflags such as -X main.image={{index .Images "pilot"}}: a CLI built in
	// the release installs pinned images. Binaries that use it are built after the images.
	Images map[string]string
}

// TemplateData is the data for name templates of the named output of dependency dep, for goos
// and goarch ("" when the output has no platform): the release's version and hub, and the
// dependency's resolved commit and commit time.
func (m *Manifest) TemplateData(name, dep, goos, goarch string) TemplateData {
	d := TemplateData{Name: name, Version: m.Version, Docker: m.Docker, OS: goos, Arch: goarch, Suffix: m.Suffix}
	if x, ok := m.Dependencies[dep]; ok && x != nil {
		d.Commit = x.Sha
		if x.Resolved != nil {
			d.CommitDate = x.Resolved.CommitTime
		}
	}
	return d
}

// Execute renders text, a template over d; a field d does not have is an error.
func (d TemplateData) Execute(text string) (string, error) {
	t, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	if err := t.Execute(&out, d); err != nil {
		return "", err
	}
	return out.String(), nil
}
