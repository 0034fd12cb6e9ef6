package manifest

import (
	"path"
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

// Binary is a Go command cross-compiled for each of its platforms.
type Binary struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos    `yaml:"-"`
	Name       string `yaml:"name"`
	Dependency string `yaml:"dependency,omitempty"`
	// Package is the Go package to build, relative to the dependency's root, e.g. ./cmd/hello.
	Package string `yaml:"package"`
	// Platforms defaults to the manifest's architectures.
	Platforms []string `yaml:"platforms,omitempty"`
	// Ldflags are templates over [TemplateData], e.g. "-X main.version={{.Version}}".
	Ldflags []string `yaml:"ldflags,omitempty"`
	Tags    []string `yaml:"tags,omitempty"`
	// GoVersion is the Go toolchain to build with, e.g. go1.26.0 (through GOTOOLCHAIN).
	GoVersion string `yaml:"goVersion,omitempty"`
	// VersionCommand is the arguments that make the binary print its version, e.g. [version,
	// --short]. Validation runs the host platform's binary with them and looks for the release
	// version in what it prints.
	VersionCommand []string `yaml:"versionCommand,omitempty"`
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

// Archive is a tar.gz (zip on windows) per platform holding binaries and files.
type Archive struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name"`
	// NameTemplate names the file without extension; default "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}".
	NameTemplate string `yaml:"nameTemplate,omitempty"`
	// TopFolder, a template, puts every entry under one folder.
	TopFolder string `yaml:"topFolder,omitempty"`
	// BinDir is the folder binaries go to, under TopFolder; default the top.
	BinDir string `yaml:"binDir,omitempty"`
	// Format is tar.gz or zip; default zip for windows and tar.gz otherwise.
	Format    string   `yaml:"format,omitempty"`
	Binaries  []string `yaml:"binaries,omitempty"`
	Files     []Files  `yaml:"files,omitempty"`
	Platforms []string `yaml:"platforms,omitempty"`
}

// Package is a system package (deb, rpm) per platform.
type Package struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos         Pos      `yaml:"-"`
	Name        string   `yaml:"name"`
	Formats     []string `yaml:"formats"`
	Maintainer  string   `yaml:"maintainer,omitempty"`
	Description string   `yaml:"description,omitempty"`
	Homepage    string   `yaml:"homepage,omitempty"`
	License     string   `yaml:"license,omitempty"`
	Depends     []string `yaml:"depends,omitempty"`
	// NameTemplate names the package file, without its extension, e.g.
	// "{{.Name}}_{{.Version}}_{{.Arch}}"; default <name>, and -<arch> but on amd64.
	NameTemplate string `yaml:"nameTemplate,omitempty"`
	// Section is the deb's section (e.g. utils, net); default "default", never empty.
	Section   string            `yaml:"section,omitempty"`
	Contents  []PackageContent  `yaml:"contents,omitempty"`
	Scripts   map[string]string `yaml:"scripts,omitempty"` // preinstall, postinstall, preremove, postremove → file in the dependency
	Platforms []string          `yaml:"platforms,omitempty"`
}

// PackageContent places a binary or a dependency's file at Dst.
type PackageContent struct {
	Pos        Pos    `yaml:"-"`
	Binary     string `yaml:"binary,omitempty"`
	Dependency string `yaml:"dependency,omitempty"`
	Src        string `yaml:"src,omitempty"`
	Dst        string `yaml:"dst"`
	// Type is "" for a plain file or "config" for a configuration file.
	Type string `yaml:"type,omitempty"`
	Mode string `yaml:"mode,omitempty"` // octal, e.g. "0755"
}

// Image is a multi-arch OCI image assembled from binaries on a base pinned by digest.
type Image struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name"`
	// Base is "scratch", "repo@sha256:…" or "oci-layout:<dir>@sha256:…".
	Base     string   `yaml:"base,omitempty"`
	Binaries []string `yaml:"binaries,omitempty"`
	// BinaryDir is the folder the binaries go to, absolute; default /usr/local/bin.
	BinaryDir  string            `yaml:"binaryDir,omitempty"`
	Files      []Files           `yaml:"files,omitempty"`
	Entrypoint []string          `yaml:"entrypoint,omitempty"`
	Cmd        []string          `yaml:"cmd,omitempty"`
	User       string            `yaml:"user,omitempty"`
	Env        []string          `yaml:"env,omitempty"`
	WorkDir    string            `yaml:"workdir,omitempty"`
	Ports      []string          `yaml:"ports,omitempty"`
	Labels     map[string]string `yaml:"labels,omitempty"`
	Variants   []ImageVariant    `yaml:"variants,omitempty"`
	// Platforms defaults to the manifest's linux architectures.
	Platforms []string `yaml:"platforms,omitempty"`
	// Windows adds Windows entries to the image's index, on Windows bases of their own.
	Windows *WindowsImage `yaml:"windows,omitempty"`
}

// WindowsImage adds Windows entries to an image's index, as Kubernetes-CSI ships nanoserver
// images beside its distroless ones. Every windows/<arch> entry of every base gives one entry
// with the base's os.version, so one index serves several Windows releases (1809, ltsc2022).
// The binaries (name.exe) and files go into one Windows-format layer (Files/…).
type WindowsImage struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos Pos `yaml:"-"`
	// Bases are pinned like an image's base: repo@sha256:… or oci-layout:<dir>@sha256:….
	Bases []string `yaml:"bases"`
	// Platforms are windows/<arch>; default the manifest's (or the first binary's) windows ones.
	Platforms []string `yaml:"platforms,omitempty"`
	// Entrypoint and User replace the image's on Windows, e.g. [/livenessprobe.exe] and
	// ContainerAdministrator. An entrypoint is required when the image has one.
	Entrypoint []string `yaml:"entrypoint,omitempty"`
	User       string   `yaml:"user,omitempty"`
	// Copy takes files from other pinned Windows images, e.g. servercore's netapi32.dll.
	Copy []WindowsCopy `yaml:"copy,omitempty"`
}

// WindowsCopy copies files from pinned Windows images into each Windows entry: for an entry,
// the one image of From whose windows/<arch> entry has the same os.version build (10.0.17763)
// gives the files; none or two is an error.
type WindowsCopy struct {
	From []string `yaml:"from"`
	// Paths are absolute Windows-image paths with forward slashes, e.g.
	// /Windows/System32/netapi32.dll; each goes to the same path in the image.
	Paths []string `yaml:"paths"`
}

// ImageVariant builds the image again on another base, e.g. Istio's debug and distroless.
type ImageVariant struct {
	Name string `yaml:"name"`
	Base string `yaml:"base"`
}

// Chart is a Helm chart directory in a dependency, stamped and pinned, packaged as a .tgz.
type Chart struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos    `yaml:"-"`
	Name       string `yaml:"name"`
	Dependency string `yaml:"dependency,omitempty"`
	Path       string `yaml:"path"`
	// Values maps a values.yaml path to what is written there: "{{.Docker}}", "{{.Version}}".
	Values map[string]string `yaml:"values,omitempty"`
	// Images maps a values.yaml path to the image reference it holds, overriding detection.
	Images map[string]string `yaml:"images,omitempty"`
	// Pin is "digest" (default: every image pinned) or "tag" (floating tags, for main branches).
	Pin string `yaml:"pin,omitempty"`
	// Unpinned are the chart's template files (path.Match globs, e.g. templates/tests/*) whose
	// images may stay unpinned: helm test hooks with images written in the template, which no
	// value pins. They must still be valid references. Default none.
	Unpinned []string `yaml:"unpinned,omitempty"`
}

// MayStayUnpinned reports whether the images of the chart's template file may stay unpinned.
func (c *Chart) MayStayUnpinned(file string) bool {
	for _, g := range c.Unpinned {
		if ok, _ := path.Match(g, file); ok {
			return true
		}
	}
	return false
}

// Command runs a project's own build step with a fixed environment and collects its outputs.
type Command struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos      `yaml:"-"`
	Name       string   `yaml:"name"`
	Dependency string   `yaml:"dependency,omitempty"`
	Run        []string `yaml:"run"`
	// Outputs are files, relative to the dependency, copied into the release.
	Outputs []string `yaml:"outputs"`
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
