package artifacts_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// A release with nothing to build still gets its resolved manifest and SHA256SUMS; with
// dependencies, res comes from resolve.Dependencies and carries their source trees.
func ExampleBuild() {
	dir, _ := os.MkdirTemp("", "release-")
	defer os.RemoveAll(dir)
	res := &resolve.Result{Manifest: &manifest.Manifest{Version: "1.0.0"}}
	set, err := artifacts.Build(context.Background(), res, filepath.Join(dir, "out"),
		artifacts.WithTime(time.Unix(1714564800, 0))) // SOURCE_DATE_EPOCH, read by a main
	if err != nil {
		fmt.Println(err)
		return
	}
	sums, _ := os.ReadFile(filepath.Join(set.Dir, release.SumsFile))
	fmt.Print(set.Time.Format(time.RFC3339), " ", string(sums[66:]))
	// Output: 2024-05-01T12:00:00Z manifest.yaml
}
