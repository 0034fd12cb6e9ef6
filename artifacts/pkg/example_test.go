package pkg_test

import (
	"fmt"
	"time"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/manifest"
)

// Info shows how a package spec becomes nfpm's: Go architectures are mapped to nfpm's names and
// the version's pre-release is kept apart, for deb's ~ and rpm's release rules.
func ExampleInfo() {
	info := pkg.Info(&artifacts.PackageSpec{
		Package: &manifest.Package{Name: "hello"},
		Format:  "deb", Arch: "arm", Variant: "v7", Version: "1.2.0-rc.1",
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
	})
	fmt.Println(info.Name, info.Arch, info.Version, info.Prerelease, info.MTime.Format(time.RFC3339))
	// Output: hello arm7 1.2.0 rc.1 2024-05-01T12:00:00Z
}
