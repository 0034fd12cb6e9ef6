package resolve_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func ExampleDependencies() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "resolve-example-")
	defer os.RemoveAll(dir)

	// A repository with two releases, made at a fixed date so that its SHAs never change.
	src := filepath.Join(dir, "app")
	os.MkdirAll(src, 0o755)
	g := gitx.At(src, "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
		"GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"commit", "-q", "--allow-empty", "-m", "one"}, {"tag", "v1.7.0"},
		{"commit", "-q", "--allow-empty", "-m", "two"}, {"tag", "v1.7.1"},
		{"commit", "-q", "--allow-empty", "-m", "three"}, {"tag", "v1.8.0-rc.1"},
	} {
		if _, err := g.Run(ctx, args...); err != nil {
			fmt.Println(err)
			return
		}
	}

	m, _ := manifest.Parse(strings.NewReader("version: 1.7.1\ndependencies:\n  app: {git: "+src+", tag: \"~1.7\"}\n"), "manifest.yaml")
	res, err := resolve.Dependencies(ctx, m, resolve.WithDir(filepath.Join(dir, "work")))
	if err != nil {
		fmt.Println(err)
		return
	}
	app := res.Manifest.Dependencies["app"]
	fmt.Println(app.Resolved.From, app.Sha)
	// Output:
	// tag v1.7.1 (~1.7) 8b771015a424bf5ce37c01b31fcf7619ff058b52
}
