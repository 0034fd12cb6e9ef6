package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
)

// build is Istio's "build --manifest FILE": resolve, then build into <directory>/out.
func build(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	path := fs.String("manifest", "", "release manifest (required)")
	token := fs.String("githubtoken", "", "file holding the GitHub token (not supported: sources are fetched with git's own credentials)")
	bases := fs.Bool("build-base-images", false, "build the base images (not supported: image bases are pinned by digest)")
	if err := flags(fs, args, stderr); err != nil {
		return err
	}
	switch {
	case *path == "":
		return usageError{errors.New("--manifest is required")}
	case *token != "":
		return unsupported("githubtoken", "build fetches sources with git's own credentials; give them to git")
	case *bases:
		return unsupported("build-base-images", "image bases are pinned by digest, never built")
	}
	m, err := manifest.Load(*path)
	if err != nil {
		return usageError{err}
	}
	if m.Directory == "" {
		return usageError{fmt.Errorf("%s: directory is required, as Istio's builder requires it", *path)}
	}
	opts := []artifacts.Option{artifacts.WithJobs(runtime.NumCPU()), artifacts.WithProgress(stderr),
		artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()),
		artifacts.WithChartPackager(chart.New()), artifacts.WithKeychain(authn.DefaultKeychain)}
	reg, err := digest.NewRegistry(digest.WithKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	opts = append(opts, artifacts.WithResolver(reg))
	if epoch := os.Getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil || sec <= 0 {
			return usageError{fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", epoch)}
		}
		opts = append(opts, artifacts.WithTime(time.Unix(sec, 0)))
	}
	res, err := resolve.Dependencies(ctx, m, resolve.WithProgress(stderr))
	if err != nil {
		if errors.Is(err, resolve.ErrNoSpec) || len(manifest.Problems(err)) > 0 {
			return usageError{err}
		}
		return err
	}
	set, err := artifacts.Build(ctx, res, filepath.Join(m.Directory, "out"), opts...)
	if err != nil {
		if len(manifest.Problems(err)) > 0 {
			return usageError{err}
		}
		return err
	}
	fmt.Fprintf(stdout, "built %d artifacts and %d images in %s\n", len(set.Artifacts), len(set.Images), set.Dir)
	return nil
}

// validateCmd is Istio's "validate --release DIR".
func validateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	dir := fs.String("release", "", "release directory (required)")
	if err := flags(fs, args, stderr); err != nil {
		return err
	}
	if *dir == "" {
		return usageError{errors.New("--release is required")}
	}
	rep, err := validate.Release(ctx, *dir, validate.WithChartRenderer(chart.New()))
	if err != nil {
		return usageError{err}
	}
	if _, err := rep.WriteTo(stdout); err != nil {
		return err
	}
	if !rep.Passed() {
		return errFailed
	}
	return nil
}
