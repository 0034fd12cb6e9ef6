// Command build resolves a release manifest and writes the resolved manifest into the release
// directory: what the release is built from, every dependency pinned to a commit.
//
//	go run ./examples/build -manifest manifest.yaml -out /tmp/release
//
// Exit status 2 means the manifest is wrong (each problem is printed with file:line:col), 1 that
// resolving failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func main() {
	path := flag.String("manifest", "manifest.yaml", "release manifest")
	out := flag.String("out", "", "release directory (default <directory>/out)")
	offline := flag.Bool("offline", false, "resolve from the cache only, with no network")
	cache := flag.String("cache", "", "repository cache (default <directory>/cache)")
	verbose := flag.Bool("v", false, "log each step")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, *path, *out, *cache, *offline, *verbose, os.Stdout, os.Stderr))
}

func run(ctx context.Context, path, out, cache string, offline, verbose bool, stdout, stderr io.Writer) int {
	m, err := manifest.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var bad *manifest.Error
		if errors.As(err, &bad) {
			return 2
		}
		return 1
	}
	if m.Directory == "" {
		if m.Directory, err = os.MkdirTemp("", "release-"); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if out == "" {
		out = filepath.Join(m.Directory, "out")
	}
	opts := []resolve.Option{resolve.Offline(offline)}
	if cache != "" {
		opts = append(opts, resolve.WithCacheDir(cache))
	}
	if verbose {
		opts = append(opts, resolve.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	res, err := resolve.Dependencies(ctx, m, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := res.Manifest.WriteFile(filepath.Join(out, "manifest.yaml")); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, name := range res.Manifest.DependencyNames() {
		d := res.Manifest.Dependencies[name]
		fmt.Fprintf(stdout, "%-12s %s  %s\n", name, d.Sha, d.Resolved.From)
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(out, "manifest.yaml"))
	return 0
}
