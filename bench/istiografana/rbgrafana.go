//go:build ignore

// Command rbgrafana runs release-builder's own dashboard step (pkg/build.Grafana) on the istio
// checkout under -dir/work/src/istio.io/istio, writing -dir/out/grafana; bench/istiografana.sh
// builds it inside a copy of release-builder's source.
package main

import (
	"flag"
	"fmt"
	"os"

	"istio.io/release-builder/pkg/build"
	"istio.io/release-builder/pkg/model"
)

func main() {
	dir := flag.String("dir", "", "the manifest's directory")
	version := flag.String("version", "", "the release")
	flag.Parse()
	m := model.Manifest{Version: *version, Directory: *dir}
	if err := os.MkdirAll(m.OutDir(), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "rbgrafana:", err)
		os.Exit(1)
	}
	if err := build.Grafana(m); err != nil {
		fmt.Fprintln(os.Stderr, "rbgrafana:", err)
		os.Exit(1)
	}
}
