package manifest

import (
	"slices"
	"strings"
)

// What a build spec means where it leaves a field out: the defaults the build, validate and
// publish read alike.

// ArchiveDependency is the dependency an archive's templates take the commit from: its first
// binary's, or else its first files'.
func (m *Manifest) ArchiveDependency(spec *Archive) string {
	if len(spec.Binaries) > 0 {
		if x := m.Binary(spec.Binaries[0]); x != nil {
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
func (m *Manifest) ArchivePlatforms(spec *Archive) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return m.Platforms()
}

// BinaryPlatforms are the platforms spec's binary is built for.
func (m *Manifest) BinaryPlatforms(spec *Binary) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return m.Platforms()
}

// Binary returns the binary named name in m's build, or nil.
func (m *Manifest) Binary(name string) *Binary {
	for i := range m.Build.Binaries {
		if m.Build.Binaries[i].Name == name {
			return &m.Build.Binaries[i]
		}
	}
	return nil
}

// PackageDependency is the dependency a package's templates and scripts take: that of its first
// source file, else of its first binary.
func (m *Manifest) PackageDependency(spec *Package) string {
	for _, c := range spec.Contents {
		if c.Dependency != "" {
			return c.Dependency
		}
	}
	for _, c := range spec.Contents {
		if x := m.Binary(c.Binary); x != nil && c.Binary != "" {
			return x.Dependency
		}
	}
	return ""
}

// PackagePlatforms are the platforms spec's packages are made for: its own, or the manifest's
// linux ones.
func (m *Manifest) PackagePlatforms(spec *Package) []string {
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

// ImagePlatforms are the platforms spec's image is built for: its own, or the linux platforms
// of its first binary, or the manifest's linux platforms.
func (m *Manifest) ImagePlatforms(spec *Image) []string {
	if len(spec.Platforms) > 0 {
		return spec.Platforms
	}
	return m.defaultPlatforms(spec, "linux/")
}

// WindowsPlatforms are the windows platforms of spec's Windows entries: its windows.platforms,
// else the windows platforms of its first binary or of the manifest; none without windows.
func (m *Manifest) WindowsPlatforms(spec *Image) []string {
	if spec.Windows == nil {
		return nil
	}
	if len(spec.Windows.Platforms) > 0 {
		return spec.Windows.Platforms
	}
	return m.defaultPlatforms(spec, "windows/")
}

// defaultPlatforms are the platforms of spec's first binary, or the manifest's, starting with
// prefix (an os and a slash).
func (m *Manifest) defaultPlatforms(spec *Image, prefix string) []string {
	all := m.Platforms()
	if len(spec.Binaries) > 0 {
		if x := m.Binary(spec.Binaries[0]); x != nil && len(x.Platforms) > 0 {
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

// VariantNames are the variant names of the image, "" (the image itself) first.
func (spec *Image) VariantNames() []string {
	out := []string{""}
	for _, v := range spec.Variants {
		out = append(out, v.Name)
	}
	return out
}

// ImageDependency is the dependency whose commit an image's revision label carries: its first
// binary's, or else its first files'.
func (m *Manifest) ImageDependency(spec *Image) string {
	for _, name := range spec.Binaries {
		if x := m.Binary(name); x != nil {
			return x.Dependency
		}
	}
	if len(spec.Files) > 0 {
		return spec.Files[0].Dependency
	}
	return ""
}

// LicenseDependencies are the dependencies that get a license bundle: those licenses.dependencies
// lists, or else every dependency that has a binary, sorted.
func (m *Manifest) LicenseDependencies() []string {
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
