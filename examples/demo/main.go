// Command demo releases a small sample project end to end, with nothing but Go and git: it
// writes the sample project (package examples/sample) to a git repository (one commit at a fixed
// date, tagged v0.1.0), writes a manifest for it and runs the release flow on it: resolve, then
// build binaries, archives, a deb, an image, a pinned chart, sources, licenses and checksums;
// then validate the release directory and, only if it passes, publish the image and chart to a
// registry served in-process and the files and a chart repository to a local bucket
// (<dir>/bucket), and print the digests report.
//
// The manifest names the project by a URL that the demo serves from the local copy (a mirror), so
// that the release is the same bytes whichever folder it is built in.
//
//	go run ./examples/demo [-dir DIR] [-registry HOST]
//
// -registry publishes to a running registry instead of the in-process one.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
	pubconfig "github.com/releasekit/releasekit/publish/config"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
)

// builderID names the demo as the builder in the release's provenance; a CI job names itself
// (its job URL) instead.
const builderID = "https://github.com/releasekit/releasekit/examples/demo"

func main() {
	dir := flag.String("dir", "", "working directory (default: a new temporary one)")
	reg := flag.String("registry", "", "publish to this registry host (default: one served in-process)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dir == "" {
		d, err := os.MkdirTemp("", "releasekit-demo-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		*dir = d
	}
	if err := run(ctx, *dir, *reg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run builds, validates and publishes the demo release; reg are extra options of the registry
// targets.
func run(ctx context.Context, dir, registryHost string, stdout, progress io.Writer, reg ...publish.RegistryOption) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(ctx, src, nil); err != nil {
		return fmt.Errorf("sample project: %w", err)
	}
	fmt.Fprintf(stdout, "sample project  src/hello, tagged v0.1.0 at %s\n", sample.CommitDate)

	path := filepath.Join(dir, "manifest.yaml")
	text := sample.Manifest(dir)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	m, err := manifest.Load(path)
	if err != nil {
		return err
	}
	res, err := resolve.Dependencies(ctx, m, resolve.WithMirror(sample.URL, src))
	if err != nil {
		return err
	}
	for _, name := range res.Manifest.DependencyNames() {
		d := res.Manifest.Dependencies[name]
		fmt.Fprintf(stdout, "resolved        %s %s (%s, committed %s)\n", name, d.Sha, d.Resolved.From, d.Resolved.CommitTime)
	}
	b := res.Manifest.Build
	fmt.Fprintf(stdout, "build spec      %d binary, %d archive, %d package, %d image, %d chart (from hello/release/releasekit.yaml)\n",
		len(b.Binaries), len(b.Archives), len(b.Packages), len(b.Images), len(b.Charts))
	fmt.Fprintf(stdout, "release time    %s\n", res.Time().Format("2006-01-02T15:04:05Z"))

	out := filepath.Join(dir, "out")
	set, err := artifacts.Build(ctx, res, out,
		artifacts.WithWorkDir(filepath.Join(dir, "work")),
		artifacts.WithPackager(pkg.New()),
		artifacts.WithLicenseScanner(licenses.New()),
		artifacts.WithChartPackager(chart.New()),
		artifacts.WithProvenance(builderID),
		artifacts.WithProgress(progress))
	if err != nil {
		return err
	}
	for _, a := range set.Artifacts {
		fmt.Fprintf(stdout, "artifact        %-9s %s\n", a.Kind, a.Path)
	}
	for _, im := range set.Images {
		fmt.Fprintf(stdout, "image           %s@%s\n", im.Ref, im.Digest)
	}
	sums, err := os.ReadFile(filepath.Join(out, release.SumsFile))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SHA256SUMS      %d files, sha256 %x\n", bytes.Count(sums, []byte("\n")), sha256.Sum256(sums))
	fmt.Fprintf(stdout, "release directory: %s\n", out)

	// Nothing is published unless the release directory validates.
	rep, err := validate.Release(ctx, out, validate.WithChartRenderer(chart.New()))
	if err != nil {
		return err
	}
	if _, err := rep.WriteTo(stdout); err != nil {
		return err
	}
	if !rep.Passed() {
		return errors.New("the release did not validate; nothing was published")
	}
	return publishDemo(ctx, dir, out, registryHost, stdout, progress, reg)
}

// publishDemo publishes the release directory to a registry (served here unless given) and a
// bucket in dir, then prints the digests report.
func publishDemo(ctx context.Context, dir, out, registryHost string, stdout, progress io.Writer, reg []publish.RegistryOption) error {
	if registryHost == "" {
		srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		defer srv.Close()
		registryHost = strings.TrimPrefix(srv.URL, "http://")
	}
	bucketDir := filepath.Join(dir, "bucket")
	// A fresh bucket each run, as the registry is: the demo shows a first publish.
	if err := os.RemoveAll(bucketDir); err != nil {
		return err
	}
	rel, err := release.Open(out)
	if err != nil {
		return err
	}
	bucket := "file://" + filepath.ToSlash(bucketDir)
	cfg := pubconfig.Config{
		ImageHubs: []string{registryHost + "/demo"}, Tags: []string{"latest"},
		ChartHubs:  []string{"oci://" + registryHost + "/demo/charts"},
		Buckets:    []pubconfig.Bucket{{URL: bucket, Prefix: "hello", Aliases: []string{"latest.txt"}}},
		ChartRepos: []pubconfig.ChartRepo{{URL: bucket, Prefix: "charts", PublicURL: "https://charts.example/hello"}},
		Progress:   progress, RegistryOptions: reg,
	}
	targets, closeTargets, err := cfg.Targets(ctx, rel)
	defer closeTargets()
	if err != nil {
		return err
	}
	p, err := publish.New(rel, targets)
	if err != nil {
		return err
	}
	plan, err := p.Plan(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "publish plan    %d to push, %d identical, %d refused (registry %s, bucket %s)\n",
		plan.Count(publish.Push), plan.Count(publish.Skip), plan.Count(publish.Refuse), registryHost, bucketDir)
	if err := p.Apply(ctx, plan); err != nil {
		return err
	}
	report := plan.Report()
	for _, im := range append(report.Images, report.Charts...) {
		fmt.Fprintf(stdout, "published       %s\n", im)
	}
	return nil
}
