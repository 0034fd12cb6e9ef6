// Command validate checks a finished release directory against its resolved manifest before it
// is published: a line per check, then "Release validation PASSED" or "Release validation FAILED
// (n of m checks)".
//
//	go run ./examples/validate -release DIR [-junit FILE] [-lock images.lock.yaml] [-run=false]
//
// -junit writes a JUnit XML report as well; with -junit "" and $ARTIFACTS set (as in Prow), it
// goes to $ARTIFACTS/junit_release_validation.xml. Exit status 0 when the release passes, 1 when a
// check fails, 2 for bad usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/validate"
)

func main() {
	release := flag.String("release", "", "release directory (required)")
	junit := flag.String("junit", "", "write a JUnit XML report to this file (default $ARTIFACTS/junit_release_validation.xml when $ARTIFACTS is set)")
	lock := flag.String("lock", "", "lock file of the third-party images charts may pin")
	run := flag.Bool("run", true, "run the host platform's binaries with their versionCommand")
	flag.Parse()
	if *release == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: validate -release DIR [-junit FILE] [-lock FILE] [-run=false]")
		os.Exit(2)
	}
	if *junit == "" && os.Getenv("ARTIFACTS") != "" {
		*junit = filepath.Join(os.Getenv("ARTIFACTS"), "junit_release_validation.xml")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := []validate.Option{validate.WithChartRenderer(chart.New()), validate.WithRunBinaries(*run)}
	if *lock != "" {
		l, err := digest.LoadLock(*lock)
		if err != nil {
			fmt.Fprintln(os.Stderr, "validate:", err)
			os.Exit(2)
		}
		opts = append(opts, validate.WithLock(l))
	}
	passed, err := check(ctx, *release, *junit, os.Stdout, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "validate:", err)
		os.Exit(2)
	}
	if !passed {
		os.Exit(1)
	}
}

// check validates dir, prints the report to w and writes the JUnit report when junit is set.
func check(ctx context.Context, dir, junit string, w io.Writer, opts ...validate.Option) (bool, error) {
	rep, err := validate.Release(ctx, dir, opts...)
	if err != nil {
		return false, err
	}
	if _, err := rep.WriteTo(w); err != nil {
		return false, err
	}
	if junit != "" {
		if err := rep.WriteJUnitFile(junit); err != nil {
			return false, err
		}
	}
	return rep.Passed(), nil
}
