package release_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// A build writes its outputs, then records them with Write; checks and publish targets open the
// directory and read the same records back.
func Example() {
	dir, _ := os.MkdirTemp("", "release-")
	defer os.RemoveAll(dir)
	m, _ := manifest.Parse(strings.NewReader(`version: 1.0.0
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.0.0, commitTime: "2024-05-01T12:00:00Z"}
`), "manifest.yaml")
	sources := []byte("sources")
	os.WriteFile(filepath.Join(dir, release.SourcesFile), sources, 0o644)
	_, err := release.Write(dir, release.Record{
		Manifest: m,
		Time:     time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC),
		Files: []manifest.Artifact{{Path: release.SourcesFile, Kind: manifest.OutputSources,
			SHA256: fmt.Sprintf("%x", sha256.Sum256(sources))}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := release.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("release", d.Manifest.Version, "at", d.Time.Format(time.RFC3339))
	files, _ := d.Files()
	for _, f := range files {
		fmt.Println(f.Path, f.Size)
	}
	// Output:
	// release 1.0.0 at 2024-05-02T00:00:00Z
	// SHA256SUMS 249
	// manifest.yaml 368
	// sources.tar.gz 7
	// sources.tar.gz.sha256 81
}

// Output names come from the manifest, so that the build and the checks agree.
func ExampleArchivePath() {
	m := &manifest.Manifest{Version: "1.0.0"}
	spec := &manifest.Archive{Name: "hello", TopFolder: "{{.Name}}-{{.Version}}"}
	for _, platform := range []string{"linux/arm64", "windows/amd64"} {
		file, format, top, _ := release.ArchivePath(m, spec, platform)
		fmt.Println(file, format, top)
	}
	// Output:
	// hello-1.0.0-linux-arm64.tar.gz tar.gz hello-1.0.0
	// hello-1.0.0-windows-amd64.zip zip hello-1.0.0
}
