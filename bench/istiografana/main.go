// Command istiografana compares releasekit's grafana.com dashboards with release-builder's: each
// dashboard of -src externalized by artifacts/dashboard for -version, against the file of the
// same name release-builder wrote to -rb (its out/grafana). It prints, per dashboard, equal or
// the top-level fields that differ, with both values of each, and a summary line. It is run by
// bench/istiografana.sh.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts/dashboard"
)

func main() {
	src := flag.String("src", "", "the dashboards folder (istio's manifests/addons/dashboards)")
	rb := flag.String("rb", "", "release-builder's out/grafana")
	version := flag.String("version", "", "the release")
	flag.Parse()
	if err := run(*src, *rb, *version); err != nil {
		fmt.Fprintln(os.Stderr, "istiografana:", err)
		os.Exit(1)
	}
}

func run(src, rb, version string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	equal, differ := 0, 0
	fields := map[string]int{} // differing field → dashboards
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "-dashboard.json") && !strings.HasSuffix(e.Name(), "-dashboard.gen.json") {
			continue
		}
		name := strings.ReplaceAll(e.Name(), ".gen.json", ".json") // as release-builder names it
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		out, err := dashboard.Externalize(data, version)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		theirs, err := os.ReadFile(filepath.Join(rb, name))
		if err != nil {
			return err
		}
		a, b := map[string]any{}, map[string]any{}
		if err := json.Unmarshal(out, &a); err != nil {
			return err
		}
		if err := json.Unmarshal(theirs, &b); err != nil {
			return fmt.Errorf("release-builder's %s: %w", name, err)
		}
		var keys []string
		for k := range a {
			keys = append(keys, k)
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		var diffs []string
		for _, k := range keys {
			if !cmp.Equal(a[k], b[k]) {
				fields[k]++
				diffs = append(diffs, fmt.Sprintf("    %s: releasekit %s\n    %s  release-builder %s", k, compact(a[k]), strings.Repeat(" ", len(k)), compact(b[k])))
			}
		}
		if len(diffs) == 0 {
			fmt.Printf("  %s %s: equal\n", version, name)
			equal++
			continue
		}
		fmt.Printf("  %s %s: differs\n%s\n", version, name, strings.Join(diffs, "\n"))
		differ++
	}
	var in []string
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		in = append(in, fmt.Sprintf("%s in %d", k, fields[k]))
	}
	fmt.Printf("grafana %s: %d dashboards equal, %d differ (%s)\n", version, equal, differ, strings.Join(in, ", "))
	return nil
}

// compact is v as one line of JSON, "absent" for nothing.
func compact(v any) string {
	if v == nil {
		return "absent"
	}
	data, _ := json.Marshal(v)
	var b bytes.Buffer
	json.Compact(&b, data)
	return b.String()
}
