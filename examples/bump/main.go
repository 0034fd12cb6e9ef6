// Command bump checks the version policy between two versions of a composite release: a Giant
// Swarm Release resource, or a resolved releasekit manifest (its tagged dependencies). The
// release must bump at least as much as its largest component bump, or as a policy file says
// (examples/bump/giantswarm.yaml encodes Giant Swarm's rules).
//
//	go run ./examples/bump -prev release-25.0.0.yaml -next release-25.1.0.yaml
//	go run ./examples/bump -policy examples/bump/giantswarm.yaml -prev aws-30.0.0.yaml -next aws-30.1.0.yaml
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
	pol := flag.String("policy", "", "a policy file (default: strict semver)")
	flag.Parse()
	os.Exit(run(*pol, *prev, *next, os.Stdout, os.Stderr))
}

func run(policyFile, prevFile, nextFile string, stdout, stderr io.Writer) int {
	if prevFile == "" || nextFile == "" {
		fmt.Fprintln(stderr, "bump: -prev and -next are required")
		return 2
	}
	pol := policy.Default()
	if policyFile != "" {
		data, err := os.ReadFile(policyFile)
		if err == nil {
			pol, err = policy.ReadPolicy(data, policyFile)
		}
		if err != nil {
			fmt.Fprintln(stderr, "bump:", err)
			return 2
		}
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
	failed := 0
	for _, v := range pol.Check(prev, next) {
		if v.Warning {
			fmt.Fprintln(stdout, "WARN", v.Message)
			continue
		}
		failed++
		fmt.Fprintln(stdout, "FAIL", v.Message)
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "Version policy FAILED (%d violations)\n", failed)
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
