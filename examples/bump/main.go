// Command bump checks the version policy between two versions of a composite release: a Giant
// Swarm Release resource, or a resolved releasekit manifest (its tagged dependencies). The
// release must bump at least as much as its largest component bump.
//
//	go run ./examples/bump -prev release-25.0.0.yaml -next release-25.1.0.yaml
//
// Exit status 1 means the policy is broken (each violation is printed), 2 bad input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/validate/policy"
)

func main() {
	prev := flag.String("prev", "", "the previous release (Release YAML or resolved manifest)")
	next := flag.String("next", "", "the next release")
	flag.Parse()
	os.Exit(run(*prev, *next, os.Stdout, os.Stderr))
}

func run(prevFile, nextFile string, stdout, stderr io.Writer) int {
	if prevFile == "" || nextFile == "" {
		fmt.Fprintln(stderr, "bump: -prev and -next are required")
		return 2
	}
	prev, err := load(prevFile)
	if err != nil {
		fmt.Fprintln(stderr, "bump:", err)
		return 2
	}
	next, err := load(nextFile)
	if err != nil {
		fmt.Fprintln(stderr, "bump:", err)
		return 2
	}
	change, err := policy.Classify(prev.Version, next.Version)
	if err != nil {
		fmt.Fprintln(stderr, "bump:", err)
		return 2
	}
	fmt.Fprintf(stdout, "release %s -> %s: %s\n", prev.Version, next.Version, change)
	violations := policy.Check(prev, next)
	for _, v := range violations {
		fmt.Fprintln(stdout, "FAIL", v.Message)
	}
	if len(violations) > 0 {
		fmt.Fprintf(stdout, "Version policy FAILED (%d violations)\n", len(violations))
		return 1
	}
	fmt.Fprintln(stdout, "Version policy PASSED")
	return 0
}

// load reads a Giant Swarm Release, or else a resolved manifest.
func load(file string) (*policy.Composite, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	r, err := policy.ReadRelease(data, file)
	if !errors.Is(err, policy.ErrNotRelease) {
		return r, err
	}
	m, err := manifest.Parse(strings.NewReader(string(data)), file)
	if err != nil {
		return nil, err
	}
	return policy.FromManifest(m, file), nil
}
