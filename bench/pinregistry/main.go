// Command pinregistry serves an in-process registry on 127.0.0.1 holding -images small images,
// writes a values file with -refs references to them (each image referred to refs/images
// times) and the list of references, prints the registry's host, and serves until killed. It is
// the fixture of bench/pin.sh.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func main() {
	images := flag.Int("images", 500, "distinct images")
	refs := flag.Int("refs", 1000, "references in the values file")
	dir := flag.String("dir", ".", "where values.yaml and refs.txt are written")
	flag.Parse()
	if err := run(*images, *refs, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	select {} // serve until killed
}

func run(images, refs int, dir string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	host := ln.Addr().String()
	go http.Serve(ln, registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	for i := range images {
		img, err := mutate.Config(empty.Image, v1.Config{Labels: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			return err
		}
		ref, err := name.ParseReference(fmt.Sprintf("%s/app/c%d:1.0", host, i))
		if err != nil {
			return err
		}
		if err := remote.Write(ref, img); err != nil {
			return err
		}
	}
	var values, list strings.Builder
	values.WriteString("# One component per image reference.\n")
	for i := range refs {
		ref := fmt.Sprintf("%s/app/c%d:1.0", host, i%images)
		fmt.Fprintf(&values, "component%d:\n  # replicas of component %d\n  replicas: 1\n  image: %s\n", i, i, ref)
		list.WriteString(ref + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "refs.txt"), []byte(list.String()), 0o644); err != nil {
		return err
	}
	fmt.Println(host)
	return nil
}
