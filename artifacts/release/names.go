package release

import (
	"fmt"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// These functions name the outputs of a build. The build writes under these names, and checks
// and publish targets look for them, so that they never disagree.

// Labels every image of a release carries in its config.
const (
	// LabelVersion is the release version.
	LabelVersion = "org.opencontainers.image.version"
	// LabelRevision is the commit of the dependency the image's binaries (or files) come from.
	LabelRevision = "org.opencontainers.image.revision"
)

// SourcesFile is the archive of every resolved dependency's tree.
const SourcesFile = "sources.tar.gz"

// DefaultArchiveName names an archive when its spec has no nameTemplate.
const DefaultArchiveName = "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}"

// ArchivePath returns the path in the release directory of spec's archive for platform, its
// format and its top folder ("" when entries are at the root).
func ArchivePath(m *manifest.Manifest, spec *manifest.Archive, platform string) (file, format, top string, err error) {
	goos, goarch, _, ok := manifest.ParsePlatform(platform)
	if !ok {
		return "", "", "", fmt.Errorf("unknown platform %q", platform)
	}
	data := m.TemplateData(spec.Name, ArchiveDependency(m, spec), goos, goarch)
	format = spec.Format
	if format == "" {
		format = "tar.gz"
		if goos == "windows" {
			format = "zip"
		}
	}
	tmpl := spec.NameTemplate
	if tmpl == "" {
		tmpl = DefaultArchiveName
	}
	name, err := data.Execute(tmpl)
	if err != nil {
		return "", "", "", fmt.Errorf("nameTemplate: %w", err)
	}
	if name == "" || strings.ContainsAny(name, `/\`) {
		return "", "", "", fmt.Errorf("nameTemplate: %q is not a file name", name)
	}
	if top, err = data.Execute(spec.TopFolder); err != nil {
		return "", "", "", fmt.Errorf("topFolder: %w", err)
	}
	if top != "" && archive.CheckName(top) != nil {
		return "", "", "", fmt.Errorf("topFolder: %q is not a folder name inside the archive", top)
	}
	return name + "." + format, format, top, nil
}

// ArchiveDependency is the dependency an archive's templates take the commit from: its first
// binary's, or else its first files'.
func ArchiveDependency(m *manifest.Manifest, spec *manifest.Archive) string {
	if len(spec.Binaries) > 0 {
		if x := BinarySpec(m, spec.Binaries[0]); x != nil {
			return x.Dependency
		}
		return ""
	}
	if len(spec.Files) > 0 {
		return spec.Files[0].Dependency
	}
	return ""
}

// ArchivePlatforms are the platforms spec's archives are made for.
func ArchivePlatforms(m *manifest.Manifest, spec *manifest.Archive) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return m.Platforms()
}

// BinaryPlatforms are the platforms spec's binary is built for.
func BinaryPlatforms(m *manifest.Manifest, spec *manifest.Binary) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return m.Platforms()
}

// BinarySpec returns the binary named name in m's build, or nil.
func BinarySpec(m *manifest.Manifest, name string) *manifest.Binary {
	for i := range m.Build.Binaries {
		if m.Build.Binaries[i].Name == name {
			return &m.Build.Binaries[i]
		}
	}
	return nil
}

// BinaryFile is a binary's file name on goos: name.exe on windows.
func BinaryFile(name, goos string) string {
	if goos == "windows" {
		return name + ".exe"
	}
	return name
}

// PackagePath returns the path in the release directory of spec's package in format (deb, rpm)
// for platform: <format>/<nameTemplate>.<format> when the spec has a nameTemplate (e.g.
// "{{.Name}}_{{.Version}}_{{.Arch}}"), else <format>/<name>.<format> for amd64 and
// <format>/<name>-<arch><variant>.<format> otherwise.
func PackagePath(m *manifest.Manifest, spec *manifest.Package, format, platform string) (string, error) {
	goos, goarch, variant, _ := manifest.ParsePlatform(platform)
	if spec.NameTemplate != "" {
		name, err := m.TemplateData(spec.Name, PackageDependency(m, spec), goos, goarch+variant).Execute(spec.NameTemplate)
		if err != nil {
			return "", fmt.Errorf("nameTemplate: %w", err)
		}
		if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			return "", fmt.Errorf("nameTemplate: %q is not a file name", name)
		}
		return fmt.Sprintf("%s/%s.%s", format, name, format), nil
	}
	if goarch == "amd64" {
		return fmt.Sprintf("%s/%s.%s", format, spec.Name, format), nil
	}
	return fmt.Sprintf("%s/%s-%s%s.%s", format, spec.Name, goarch, variant, format), nil
}

// PackageDependency is the dependency a package's templates and scripts take: that of its first
// source file, else of its first binary.
func PackageDependency(m *manifest.Manifest, spec *manifest.Package) string {
	for _, c := range spec.Contents {
		if c.Dependency != "" {
			return c.Dependency
		}
	}
	for _, c := range spec.Contents {
		if x := BinarySpec(m, c.Binary); x != nil && c.Binary != "" {
			return x.Dependency
		}
	}
	return ""
}

// PackageOutput is the output a package format (deb, rpm) belongs to.
func PackageOutput(format string) manifest.Output {
	if format == "rpm" {
		return manifest.OutputRpm
	}
	return manifest.OutputDebian
}

// PackagePlatforms are the platforms spec's packages are made for: its own, or the manifest's
// linux ones.
func PackagePlatforms(m *manifest.Manifest, spec *manifest.Package) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	var out []string
	for _, p := range m.Platforms() {
		if strings.HasPrefix(p, "linux/") {
			out = append(out, p)
		}
	}
	return out
}

// ImageRef is the reference an image variant ("" for the image itself) is tagged with:
// <docker>/<name>:<version>[-<variant>].
func ImageRef(m *manifest.Manifest, spec *manifest.Image, variant string) string {
	tag := m.Version
	if variant != "" {
		tag += "-" + variant
	}
	return strings.TrimSuffix(m.Docker, "/") + "/" + spec.Name + ":" + tag
}

// ChartPath is the path in the release directory of a chart packaged at version.
func ChartPath(name, version string) string {
	return "helm/" + name + "-" + version + ".tgz"
}

// DashboardPath is the path in the release directory of a Grafana dashboard, as publish's
// Grafana target reads it.
func DashboardPath(name string) string {
	return dashboardDir + name + ".json"
}

// dashboardDir holds the dashboards, one level deep.
const dashboardDir = "grafana/"

// DashboardName is the name of the dashboard at path p of the release directory (the inverse of
// DashboardPath), and whether p is one.
func DashboardName(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, dashboardDir)
	name, json := strings.CutSuffix(rest, ".json")
	return name, ok && json && name != "" && !strings.Contains(name, "/")
}

// ScanPaths are the paths of the scanner's reports on image name (ImageName: with -<variant>)
// built for platforms: scan/<name>.json, or with tarball input (one export per platform) and
// several platforms, scan/<name>-<arch>.json for each.
func ScanPaths(name string, platforms []string, tarball bool) []string {
	if !tarball || len(platforms) < 2 {
		return []string{"scan/" + name + ".json"}
	}
	out := make([]string, len(platforms))
	for i, pl := range platforms {
		_, goarch, variant, _ := manifest.ParsePlatform(pl)
		out[i] = "scan/" + name + "-" + goarch + variant + ".json"
	}
	return out
}

// LicensesPath is the path in the release directory of a dependency's license bundle.
func LicensesPath(dep string) string {
	return "licenses/" + dep + ".tar.gz"
}

// ImagePlatforms are the platforms spec's image is built for: its own, or the linux platforms
// of its first binary, or the manifest's linux platforms.
func ImagePlatforms(m *manifest.Manifest, spec *manifest.Image) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return defaultPlatforms(m, spec, "linux/")
}

// WindowsPlatforms are the windows platforms of spec's Windows entries: its windows.platforms,
// else the windows platforms of its first binary or of the manifest; none without windows.
func WindowsPlatforms(m *manifest.Manifest, spec *manifest.Image) []string {
	if spec.Windows == nil {
		return nil
	}
	if len(spec.Windows.Platforms) > 0 {
		return spec.Windows.Platforms
	}
	return defaultPlatforms(m, spec, "windows/")
}

// defaultPlatforms are the platforms of spec's first binary, or the manifest's, starting with
// prefix (an os and a slash).
func defaultPlatforms(m *manifest.Manifest, spec *manifest.Image, prefix string) []string {
	all := m.Platforms()
	if len(spec.Binaries) > 0 {
		if x := BinarySpec(m, spec.Binaries[0]); x != nil && len(x.Platforms) > 0 {
			all = x.Platforms
		}
	}
	var out []string
	for _, p := range all {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// ImageVariants are the variant names of spec's image, "" (the image itself) first.
func ImageVariants(spec *manifest.Image) []string {
	out := []string{""}
	for _, v := range spec.Variants {
		out = append(out, v.Name)
	}
	return out
}

// ImageDependency is the dependency whose commit an image's revision label carries: its first
// binary's, or else its first files'.
func ImageDependency(m *manifest.Manifest, spec *manifest.Image) string {
	for _, name := range spec.Binaries {
		if x := BinarySpec(m, name); x != nil {
			return x.Dependency
		}
	}
	if len(spec.Files) > 0 {
		return spec.Files[0].Dependency
	}
	return ""
}

// ImageName names an image variant: the image's name, then -<variant> unless variant is "".
// Ldflags templates find the image's reference under this name in .Images.
func ImageName(image, variant string) string {
	if variant == "" {
		return image
	}
	return image + "-" + variant
}

// LicenseDependencies are the dependencies that get a license bundle: those licenses.dependencies
// lists, or else every dependency that has a binary, sorted.
func LicenseDependencies(m *manifest.Manifest) []string {
	if l := m.Build.Licenses; l != nil && len(l.Dependencies) > 0 {
		return l.Dependencies
	}
	var deps []string
	for _, x := range m.Build.Binaries {
		if !slices.Contains(deps, x.Dependency) {
			deps = append(deps, x.Dependency)
		}
	}
	slices.Sort(deps)
	return deps
}

// The supply-chain records of a release.
const (
	// SourcesSBOM is the bill of materials of the release's sources.
	SourcesSBOM = "sbom/sources.spdx.json"
	// ProvenanceFile is the release's build provenance, an in-toto statement.
	ProvenanceFile = "provenance.intoto.json"
)

// BinarySBOMPath is the path of the bill of materials of a binary (its spec name) built for
// platform.
func BinarySBOMPath(name, platform string) string {
	return "sbom/" + name + "-" + strings.ReplaceAll(platform, "/", "-") + ".spdx.json"
}

// ImageSBOMPath is the path of the bill of materials of an image, named as ImageName names it.
func ImageSBOMPath(imageName string) string {
	return "sbom/images/" + imageName + ".spdx.json"
}

// SBOMPaths returns the bills of materials a build of m writes: one per binary and platform,
// one per image (and variant), and the sources' (when there are any); none when the manifest
// skips them.
func SBOMPaths(m *manifest.Manifest) []string {
	if m.SkipGenerateBillOfMaterials {
		return nil
	}
	var out []string
	for i := range m.Build.Binaries {
		x := &m.Build.Binaries[i]
		for _, p := range BinaryPlatforms(m, x) {
			out = append(out, BinarySBOMPath(x.Name, p))
		}
	}
	if m.Wants(manifest.OutputDocker) {
		for i := range m.Build.Images {
			for _, v := range ImageVariants(&m.Build.Images[i]) {
				out = append(out, ImageSBOMPath(ImageName(m.Build.Images[i].Name, v)))
			}
		}
	}
	if m.Wants(manifest.OutputSources) && len(m.Dependencies) > 0 {
		out = append(out, SourcesSBOM)
	}
	slices.Sort(out)
	return out
}

// ImageSBOMFor returns the bill of materials of the image built as ref, if the manifest
// builds one.
func ImageSBOMFor(m *manifest.Manifest, ref string) (string, bool) {
	if m.SkipGenerateBillOfMaterials {
		return "", false
	}
	for i := range m.Build.Images {
		spec := &m.Build.Images[i]
		for _, v := range ImageVariants(spec) {
			if ImageRef(m, spec, v) == ref {
				return ImageSBOMPath(ImageName(spec.Name, v)), true
			}
		}
	}
	return "", false
}
