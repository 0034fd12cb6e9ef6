// Command imgsfx reads suffixes, one per line in the order they were committed, and reports how
// many lifecycle.ParseSuffix reads and how many of the transitions between consecutive ones
// lifecycle.CheckSuffixChange accepts. bench/imgsfx.sh feeds it automation_images' history.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/releasekit/releasekit/publish/lifecycle"
)

func main() {
	var all []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			all = append(all, s)
		}
	}
	parsed, accepted := 0, 0
	for i, s := range all {
		if _, err := lifecycle.ParseSuffix(s); err != nil {
			fmt.Println("not read:", err)
		} else {
			parsed++
		}
		if i == 0 {
			continue
		}
		// Each value was new when committed: the ones before it are the tags in use.
		c := lifecycle.SuffixChange{Old: all[i-1], New: s, InUse: all[:i-1]}
		if err := lifecycle.CheckSuffixChange(c); err != nil {
			fmt.Printf("transition %d refused: %v\n", i, err)
		} else {
			accepted++
		}
	}
	fmt.Printf("ParseSuffix: %d/%d suffixes read; CheckSuffixChange: %d/%d transitions accepted\n", parsed, len(all), accepted, max(len(all)-1, 0))
	if parsed != len(all) || accepted != len(all)-1 {
		os.Exit(1)
	}
}
