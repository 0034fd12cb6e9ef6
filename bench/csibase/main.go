// Command csibase writes an empty five-platform base image (linux amd64, arm/v7, arm64, ppc64le
// and s390x: the sidecars' linux platforms) into an OCI layout in DIR and prints it as a pinned base for
// examples/csi -base, for machines that cannot pull gcr.io/distroless/static.
//
//	go run ./bench/csibase DIR
package main

import (
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: csibase DIR")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "csibase:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, pl := range []string{"linux/amd64", "linux/arm/v7", "linux/arm64", "linux/ppc64le", "linux/s390x"} {
		p, err := v1.ParsePlatform(pl)
		if err != nil {
			return err
		}
		img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, RootFS: v1.RootFS{Type: "layers"}})
		if err != nil {
			return err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: p}})
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("oci-layout:%s@%s\n", dir, d)
	return nil
}
