// Command resolvecmd resolves one git dependency by a tag constraint, cold, for bench/resolve.sh:
// the remote's ref list, then the commits the release needs, into a new cache.
//
//	go run ./bench/resolvecmd -url file:///repo.git -tag '~1.1999' -dir WORK [-history]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func main() {
	url := flag.String("url", "", "the repository")
	tag := flag.String("tag", "", "a tag or semver constraint")
	dir := flag.String("dir", "", "working folder (cache and sources)")
	history := flag.Bool("history", false, "fetch every branch and tag with its history")
	flag.Parse()
	m, err := manifest.Parse(strings.NewReader(fmt.Sprintf("version: 1.0.0\ndependencies:\n  app: {git: %q, tag: %q}\n", *url, *tag)), "manifest.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	opts := []resolve.Option{resolve.WithDir(*dir)}
	if *history {
		opts = append(opts, resolve.WithHistory())
	}
	res, err := resolve.Dependencies(context.Background(), m, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d := res.Manifest.Dependencies["app"]
	fmt.Println(d.Sha, d.Resolved.From)
}
