// Package sample is the small project the demo releases: a Go command, a Helm chart with image
// values, a LICENSE and README, and the release build spec that branches and tags with the code.
// Tests of the release flow build it too, so that they check the release the demo makes.
package sample

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
	"golang.org/x/tools/txtar"
)

//go:embed sample.txtar
var project []byte

// URL is where the manifest says the project lives; callers fetch it from the local copy with
// resolve.WithMirror, so that the release is the same bytes in any folder.
const URL = "https://git.example/hello.git"

// CommitDate is the project's one commit time, so that its SHA and every output are reproducible.
const CommitDate = "2024-05-01T12:00:00Z"

// Write writes the project to dir as a git repository with one commit, tagged v0.1.0. edit, when
// not nil, may change the files (by slash-separated name) before they are committed.
func Write(ctx context.Context, dir string, edit func(files map[string][]byte)) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	files := map[string][]byte{}
	for _, f := range txtar.Parse(project).Files {
		files[f.Name] = slices.Clip(f.Data) // an edit that appends gets its own copy
	}
	if edit != nil {
		edit(files)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "--all"},
		{"commit", "--quiet", "-m", "hello 0.1.0"},
		{"tag", "v0.1.0"},
	} {
		if err := git(ctx, dir, args...); err != nil {
			return err
		}
	}
	return nil
}

// Manifest is the release manifest of the project, version 0.1.0 from the tag matching ~0.1,
// with directory as its working directory.
func Manifest(directory string) string {
	return fmt.Sprintf(`version: 0.1.0
docker: registry.example/demo
directory: %s
dependencies:
  hello:
    git: %s
    tag: "~0.1"
    spec: release/releasekit.yaml
`, directory, URL)
}

// Resolve writes the project under dir/src/hello and resolves its manifest (working directory
// dir) from that copy: what the release flow's tests build.
func Resolve(ctx context.Context, dir string) (*resolve.Result, error) {
	src := filepath.Join(dir, "src", "hello")
	if err := Write(ctx, src, nil); err != nil {
		return nil, err
	}
	m, err := manifest.Parse(strings.NewReader(Manifest(dir)), "manifest.yaml")
	if err != nil {
		return nil, err
	}
	return resolve.Dependencies(ctx, m, resolve.WithMirror(URL, src))
}

func git(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Hello Authors", "GIT_AUTHOR_EMAIL=hello@example.com", "GIT_AUTHOR_DATE="+CommitDate,
		"GIT_COMMITTER_NAME=Hello Authors", "GIT_COMMITTER_EMAIL=hello@example.com", "GIT_COMMITTER_DATE="+CommitDate,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
