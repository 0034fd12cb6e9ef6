package publish_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

// exampleRelease writes a small release directory, one archive recorded by release.Write as a
// build records its outputs, and opens it.
func exampleRelease() (*release.Dir, error) {
	dir, err := os.MkdirTemp("", "release-")
	if err != nil {
		return nil, err
	}
	archive := []byte("an archive")
	if err := os.WriteFile(filepath.Join(dir, "app-1.0.0.tar.gz"), archive, 0o644); err != nil {
		return nil, err
	}
	m, err := manifest.Parse(strings.NewReader(`version: 1.0.0
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.0.0, commitTime: "2024-05-01T12:00:00Z"}
`), "manifest.yaml")
	if err != nil {
		return nil, err
	}
	_, err = release.Write(dir, release.Record{
		Manifest: m,
		Time:     time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC),
		Files:    []manifest.Artifact{{Path: "app-1.0.0.tar.gz", Kind: manifest.OutputArchive, SHA256: fmt.Sprintf("%x", sha256.Sum256(archive))}},
	})
	if err != nil {
		return nil, err
	}
	return release.Open(dir)
}

// A release directory is planned against a bucket, published, and planned again: the second
// plan finds everything identical.
func Example() {
	ctx := context.Background()
	rel, err := exampleRelease()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(rel.Root())
	bucket, _ := blob.Open(ctx, "mem://")
	files, err := publish.Files(bucket, "app", publish.WithAliases("latest.txt"))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := publish.New(rel, []publish.Target{files})
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
	// push mem://app/1.0.0/app-1.0.0.tar.gz.sha256
	// push mem://app/1.0.0/manifest.yaml
	// push mem://app/latest.txt
	// skip (identical) mem://app/1.0.0/SHA256SUMS
	// skip (identical) mem://app/1.0.0/app-1.0.0.tar.gz
	// skip (identical) mem://app/1.0.0/app-1.0.0.tar.gz.sha256
	// skip (identical) mem://app/1.0.0/manifest.yaml
	// skip (identical) mem://app/latest.txt
}

// announce is a caller's own target: it posts one line per release to a chat room, here a
// slice. It plans a push unless the room has the line already.
type announce struct{ room *[]string }

func (announce) Name() string { return "announce" }

func (t announce) line(d *release.Dir) string {
	return fmt.Sprintf("released %s at %s", d.Manifest.Version, d.Time.Format(time.DateOnly))
}

func (t announce) Plan(_ context.Context, d *release.Dir) ([]publish.Action, error) {
	a := publish.Action{Kind: "message", Object: "#releases", Digest: t.line(d), Op: publish.Push}
	for _, l := range *t.room {
		if l == t.line(d) {
			a.Op = publish.Skip
		}
	}
	return []publish.Action{a}, nil
}

func (t announce) Apply(_ context.Context, d *release.Dir, actions []publish.Action) error {
	for range actions {
		*t.room = append(*t.room, t.line(d))
	}
	return nil
}

// A caller's own Target is planned and applied with the built-in ones, and receives the same
// opened release directory.
func ExampleTarget() {
	ctx := context.Background()
	rel, err := exampleRelease()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(rel.Root())
	var room []string
	p, _ := publish.New(rel, []publish.Target{announce{&room}})
	for range 2 {
		plan, err := p.Plan(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		plan.WriteTo(os.Stdout)
		if err := p.Apply(ctx, plan); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(room)
	// Output:
	// push  announce  message  #releases  released 1.0.0 at 2024-05-02
	// plan: 1 to push, 0 identical, 0 refused
	// skip (identical)  announce  message  #releases  released 1.0.0 at 2024-05-02
	// plan: 0 to push, 1 identical, 0 refused
	// [released 1.0.0 at 2024-05-02]
}
