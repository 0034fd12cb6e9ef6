// Command csibase writes local stand-ins for the sidecars' bases, for machines that cannot pull
// them, into OCI layouts under DIR, and prints examples/csi's flags for them, one per line:
// -base, an empty image for the five linux platforms (amd64, arm/v7, arm64, ppc64le, s390x)
// standing in for gcr.io/distroless/static; -windows-base twice, empty nanoservers 1809 and
// ltsc2022 (windows/amd64, os.version 10.0.17763 and 10.0.20348); -windows-addon twice,
// servercores ltsc2019 and ltsc2022 of the same builds holding a stand-in
// Windows/System32/netapi32.dll.
//
//	go run ./bench/csibase DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/internal/registrytest"
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
	linux := filepath.Join(dir, "distroless-static")
	p, err := layout.Write(linux, empty.Index)
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
	fmt.Printf("-base oci-layout:%s@%s\n", linux, d)
	for _, w := range []struct{ flag, name, osVersion, dll string }{
		{"-windows-base", "nanoserver-1809", "10.0.17763.7009", ""},
		{"-windows-base", "nanoserver-ltsc2022", "10.0.20348.3207", ""},
		{"-windows-addon", "servercore-ltsc2019", "10.0.17763.6893", "netapi32 of 10.0.17763"},
		{"-windows-addon", "servercore-ltsc2022", "10.0.20348.3091", "netapi32 of 10.0.20348"},
	} {
		files := map[string]string{}
		if w.dll != "" {
			files["Windows/System32/netapi32.dll"] = w.dll
		}
		ref, err := registrytest.WriteWindowsImage(filepath.Join(dir, w.name), w.osVersion, files)
		if err != nil {
			return err
		}
		fmt.Println(w.flag, ref)
	}
	return nil
}
