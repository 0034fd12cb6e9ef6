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
	data := m.TemplateData(spec.Name, m.ArchiveDependency(spec), goos, goarch)
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
		name, err := m.TemplateData(spec.Name, m.PackageDependency(spec), goos, goarch+variant).Execute(spec.NameTemplate)
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

// PackageOutput is the output a package format (deb, rpm) belongs to.
func PackageOutput(format string) manifest.Output {
	if format == "rpm" {
		return manifest.OutputRpm
	}
	return manifest.OutputDebian
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

// ImageName names an image variant: the image's name, then -<variant> unless variant is "".
// Ldflags templates find the image's reference under this name in .Images.
func ImageName(image, variant string) string {
	if variant == "" {
		return image
	}
	return image + "-" + variant
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
		for _, p := range m.BinaryPlatforms(x) {
			out = append(out, BinarySBOMPath(x.Name, p))
		}
	}
	if m.Wants(manifest.OutputDocker) {
		for i := range m.Build.Images {
			for _, v := range m.Build.Images[i].VariantNames() {
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
		for _, v := range spec.VariantNames() {
			if ImageRef(m, spec, v) == ref {
				return ImageSBOMPath(ImageName(spec.Name, v)), true
			}
		}
	}
	return "", false
}
