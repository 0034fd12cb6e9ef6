// Command semsort sorts the versions on its input, one a line, in semver order (a pre-release
// before its release), as bench/giantswarm.sh walks a provider's releases.
package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"

	"github.com/Masterminds/semver/v3"
)

func main() {
	var vs []*semver.Version
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		v, err := semver.NewVersion(sc.Text())
		if err != nil {
			fmt.Fprintln(os.Stderr, "semsort:", err)
			os.Exit(2)
		}
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b *semver.Version) int { return a.Compare(b) })
	for _, v := range vs {
		fmt.Println(v.Original())
	}
}
