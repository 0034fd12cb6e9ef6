package manifest

import (
	"slices"
	"sort"
)

// Manifest declares a release. Its YAML form is Istio's release-builder manifest, extended with
// [AutoSources], [Build] and, once resolved, [Resolution] records and [Artifact] digests.
type Manifest struct {
	// Version is the release version, stamped into every output.
	Version string `yaml:"version"`
	// Docker is the image hub the outputs refer to (charts, binaries), e.g. docker.io/istio.
	Docker string `yaml:"docker,omitempty"`
	// DockerOutput is how images are written: "tar" (per-image tarballs) or "context".
	DockerOutput string `yaml:"dockerOutput,omitempty"`
	// Architectures lists os/arch platforms; empty means linux/amd64.
	Architectures []string `yaml:"architectures,omitempty"`
	// Directory is the working directory; empty means a temporary one chosen by the caller.
	Directory string `yaml:"directory,omitempty"`
	// ProxyOverride is an alternative URL to fetch the Envoy binary from.
	ProxyOverride string `yaml:"proxyOverride,omitempty"`
	// Outputs selects what to build; empty means everything the manifest declares.
	Outputs []Output `yaml:"outputs,omitempty"`
	// Dashboards maps a Grafana dashboard name to its grafana.com id.
	Dashboards map[string]int `yaml:"dashboards,omitempty"`
	// SkipGenerateBillOfMaterials turns off the bill of materials.
	SkipGenerateBillOfMaterials bool `yaml:"skipGenerateBillOfMaterials,omitempty"`
	// Dependencies maps a name (any name) to where its source comes from.
	Dependencies map[string]*Dependency `yaml:"dependencies"`
	// AutoSources configures the auto resolvers; the defaults are Istio's.
	AutoSources AutoSources `yaml:"autoSources,omitempty"`
	// Build declares the outputs to make from the dependencies.
	Build Build `yaml:"build,omitempty"`
	// ReleaseTime is the one timestamp of every output of a built release, RFC 3339 in UTC: what
	// git tags and chart repository entries are dated with when it is published. Only builds
	// write it.
	ReleaseTime string `yaml:"releaseTime,omitempty"`
	// Suffix names this build uniquely (publish/lifecycle's Suffix, such as
	// c20261130t080102z-f9152e2, committed beside the sources): .Suffix in name templates, so
	// that a build never overwrites outputs CI still uses.
	Suffix string `yaml:"suffix,omitempty"`
	// Artifacts records every output of a built release with its digest. Only builds write it.
	Artifacts []Artifact `yaml:"artifacts,omitempty"`
}

// Dependency is one source repository of a release.
//
// git with branch, sha, tag or auto names a remote repository; localpath names a local git
// repository. A resolved dependency has git or localpath, a full sha and a [Resolution].
type Dependency struct {
	Git       string `yaml:"git,omitempty"`
	Branch    string `yaml:"branch,omitempty"`
	Sha       string `yaml:"sha,omitempty"`
	Tag       string `yaml:"tag,omitempty"` // an exact tag or a semver constraint such as "~1.7"
	LocalPath string `yaml:"localpath,omitempty"`
	Auto      Auto   `yaml:"auto,omitempty"`
	// GoVersionEnabled also tags the repository v<version> on publish (Go module versioning).
	GoVersionEnabled bool `yaml:"goversionenabled,omitempty"`
	// Module is the Go module path looked up by auto: modules; default <main module host>/<name>.
	Module string `yaml:"module,omitempty"`
	// Spec is a build spec file inside the repository, merged into the manifest's build when resolved.
	Spec string `yaml:"spec,omitempty"`
	// AllowDirty accepts uncommitted changes in a localpath repository (recorded as dirty).
	AllowDirty bool `yaml:"allowDirty,omitempty"`
	// Resolved says where Sha came from. Only resolve writes it.
	Resolved *Resolution `yaml:"resolved,omitempty"`
}

// Resolution records how a dependency was resolved.
type Resolution struct {
	// From is the request that was resolved, e.g. "branch release-1.7" or "tag v1.7.3 (~1.7)".
	From string `yaml:"from"`
	// CommitTime is the commit's committer time, RFC 3339 in UTC.
	CommitTime string `yaml:"commitTime"`
	// Dirty is set when a localpath repository had uncommitted changes that were built.
	Dirty bool `yaml:"dirty,omitempty"`
	// Spec is the build spec file that was merged into the manifest's build.
	Spec string `yaml:"spec,omitempty"`
	// Shallow is set when the commit came from a shallow history (a shallow remote, a depth-1
	// checkout): the tree is whole, but what needs the history before it is refused.
	Shallow bool `yaml:"shallow,omitempty"`
}

// Auto names the rule that finds a dependency's commit from another dependency.
type Auto string

// The auto resolvers.
const (
	// AutoModules takes the version of the module in the main dependency's go.mod.
	AutoModules Auto = "modules"
	// AutoDeps takes lastStableSHA of the entry with this repoName in the main dependency's istio.deps.
	AutoDeps Auto = "deps"
	// AutoProxyWorkspace takes ENVOY_SHA from the proxy dependency's WORKSPACE.
	AutoProxyWorkspace Auto = "proxy_workspace"
)

var autoResolvers = []Auto{AutoModules, AutoDeps, AutoProxyWorkspace}

// AutoSources configures where the auto resolvers look. Every field has Istio's default.
type AutoSources struct {
	// Main is the dependency whose go.mod and deps file are read; default "istio".
	Main string `yaml:"main,omitempty"`
	// DepsFile is the JSON file in Main listing repoName and lastStableSHA; default "istio.deps".
	DepsFile string `yaml:"depsFile,omitempty"`
	// Workspace is the dependency whose workspace file pins the SHA; default "proxy".
	Workspace string `yaml:"workspace,omitempty"`
	// WorkspaceFile is the file in Workspace; default "WORKSPACE".
	WorkspaceFile string `yaml:"workspaceFile,omitempty"`
	// WorkspaceKey is the variable assigned the SHA; default "ENVOY_SHA".
	WorkspaceKey string `yaml:"workspaceKey,omitempty"`
}

// WithDefaults returns a copy with every empty field set to its default.
func (a AutoSources) WithDefaults() AutoSources {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&a.Main, "istio")
	def(&a.DepsFile, "istio.deps")
	def(&a.Workspace, "proxy")
	def(&a.WorkspaceFile, "WORKSPACE")
	def(&a.WorkspaceKey, "ENVOY_SHA")
	return a
}

// AutoSource returns the dependency an auto rule of dependency name reads from, or "" when name has no
// auto rule.
func (m *Manifest) AutoSource(name string) string {
	d := m.Dependencies[name]
	if d == nil {
		return ""
	}
	a := m.AutoSources.WithDefaults()
	switch d.Auto {
	case AutoModules, AutoDeps:
		return a.Main
	case AutoProxyWorkspace:
		return a.Workspace
	}
	return ""
}

// Output names a kind of release output.
type Output string

// The outputs of Istio's release-builder.
const (
	OutputDocker   Output = "docker"
	OutputHelm     Output = "helm"
	OutputDebian   Output = "debian"
	OutputRpm      Output = "rpm"
	OutputArchive  Output = "archive"
	OutputGrafana  Output = "grafana"
	OutputLicenses Output = "licenses"
	OutputSources  Output = "sources"
	// OutputCommand is the files of command steps.
	OutputCommand Output = "command"
	// OutputScanner is the vulnerability reports of the release's images.
	OutputScanner Output = "scanner"
	// OutputSBOM is the bills of materials: made unless SkipGenerateBillOfMaterials is set,
	// never listed in outputs.
	OutputSBOM Output = "sbom"
	// OutputProvenance is the build provenance: made when the caller names a builder, never
	// listed in outputs.
	OutputProvenance Output = "provenance"
)

var knownOutputs = []Output{OutputArchive, OutputCommand, OutputDebian, OutputDocker, OutputGrafana, OutputHelm, OutputLicenses, OutputRpm, OutputScanner, OutputSources}

// DefaultArchitecture is the platform built when a manifest names none.
const DefaultArchitecture = "linux/amd64"

// Platforms returns the manifest's architectures, or the default.
func (m *Manifest) Platforms() []string {
	if len(m.Architectures) == 0 {
		return []string{DefaultArchitecture}
	}
	return slices.Clone(m.Architectures)
}

// Wants reports whether output o is to be built: it is listed, or the list is empty and the
// manifest declares something of that kind.
func (m *Manifest) Wants(o Output) bool {
	if len(m.Outputs) > 0 {
		return slices.Contains(m.Outputs, o)
	}
	b := &m.Build
	switch o {
	case OutputDocker:
		return len(b.Images) > 0
	case OutputHelm:
		return len(b.Charts) > 0
	case OutputDebian:
		return b.hasPackageFormat("deb")
	case OutputRpm:
		return b.hasPackageFormat("rpm")
	case OutputArchive:
		return len(b.Archives) > 0
	case OutputGrafana:
		return len(m.Dashboards) > 0 || b.Grafana != nil
	case OutputLicenses:
		return b.Licenses != nil
	case OutputSources:
		return true
	case OutputCommand:
		return len(b.Commands) > 0
	case OutputScanner:
		return b.Scanner != nil
	}
	return false
}

// DependencyNames returns the dependency names, sorted.
func (m *Manifest) DependencyNames() []string {
	names := make([]string, 0, len(m.Dependencies))
	for n := range m.Dependencies {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Artifact is one output of a built release: a file (Path and SHA256) or an image of the
// release's OCI layout (Image and Digest).
type Artifact struct {
	// Path is a file's path, relative to the release directory, with forward slashes.
	Path string `yaml:"path,omitempty"`
	// Image is an image's reference, e.g. "docker.io/istio/pilot:1.2.3".
	Image string `yaml:"image,omitempty"`
	// Kind is the output kind that made it.
	Kind Output `yaml:"kind,omitempty"`
	// SHA256 is the hex digest of a file.
	SHA256 string `yaml:"sha256,omitempty"`
	// Digest is the OCI digest of an image, "sha256:…".
	Digest string `yaml:"digest,omitempty"`
}
