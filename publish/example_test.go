package publish_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

// A release directory is planned against a bucket, published, and planned again: the second
// plan finds everything identical.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "release-")
	defer os.RemoveAll(dir)
	archive := []byte("an archive")
	os.WriteFile(filepath.Join(dir, "app-1.0.0.tar.gz"), archive, 0o644)
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), fmt.Appendf(nil, "%x  app-1.0.0.tar.gz\n", sha256.Sum256(archive)), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(`version: 1.0.0
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.0.0, commitTime: "2024-05-01T12:00:00Z"}
`), 0o644)

	rel, err := publish.Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	bucket, _ := blob.Open(ctx, "mem://")
	p, _ := publish.New(rel, []publish.Target{publish.Files(bucket, "app", publish.WithAliases("latest.txt"))})
	for range 2 {
		plan, err := p.Plan(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, a := range plan.Actions {
			fmt.Println(a.Op, a.Object)
		}
		if err := p.Apply(ctx, plan); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// push mem://app/1.0.0/SHA256SUMS
	// push mem://app/1.0.0/app-1.0.0.tar.gz
	// push mem://app/1.0.0/manifest.yaml
	// push mem://app/latest.txt
	// skip (identical) mem://app/1.0.0/SHA256SUMS
	// skip (identical) mem://app/1.0.0/app-1.0.0.tar.gz
	// skip (identical) mem://app/1.0.0/manifest.yaml
	// skip (identical) mem://app/latest.txt
}
