package manifest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/manifest"
)

// TestDefaults: what a build spec means where it leaves platforms, dependencies and variants
// out.
func TestDefaults(t *testing.T) {
	m := &manifest.Manifest{Architectures: []string{"linux/amd64", "linux/arm64", "windows/amd64"}}
	m.Build.Binaries = []manifest.Binary{{Name: "cli", Dependency: "tools", Platforms: []string{"linux/arm64", "windows/amd64"}}, {Name: "agent", Dependency: "app"}}
	img := &manifest.Image{Name: "cli", Binaries: []string{"cli"}, Windows: &manifest.WindowsImage{}, Variants: []manifest.ImageVariant{{Name: "distroless"}}}
	pkg := &manifest.Package{Name: "agent", Contents: []manifest.PackageContent{{Binary: "agent"}}}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"binary", m.Binary("agent").Dependency, "app"},
		{"no such binary", m.Binary("x") == nil, true},
		{"binary platforms", m.BinaryPlatforms(&m.Build.Binaries[1]), m.Platforms()},
		{"image platforms: its binary's linux ones", m.ImagePlatforms(img), []string{"linux/arm64"}},
		{"windows platforms: its binary's", m.WindowsPlatforms(img), []string{"windows/amd64"}},
		{"no windows entries", m.WindowsPlatforms(&manifest.Image{Name: "x"}), []string(nil)},
		{"image dependency", m.ImageDependency(img), "tools"},
		{"variants", img.VariantNames(), []string{"", "distroless"}},
		{"package platforms: the linux ones", m.PackagePlatforms(pkg), []string{"linux/amd64", "linux/arm64"}},
		{"package dependency: its binary's", m.PackageDependency(pkg), "app"},
		{"license dependencies: those with binaries, sorted", m.LicenseDependencies(), []string{"app", "tools"}},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
