// Command samplesetup writes the demo's sample project to DIR/src/hello and its manifest to
// DIR/manifest.yaml (working directory DIR), for benchmarks that build it with examples/build
// -mirror https://git.example/hello.git=DIR/src/hello.
//
//	go run ./bench/samplesetup DIR
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/releasekit/releasekit/examples/sample"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: samplesetup DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := sample.Write(context.Background(), filepath.Join(dir, "src", "hello"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yaml"), []byte(sample.Manifest(dir)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(sample.URL + "=" + filepath.Join(dir, "src", "hello"))
}
