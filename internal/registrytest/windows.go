package registrytest

import (
	"archive/tar"
	"bytes"
	"io"
	"maps"
	"slices"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WindowsImage writes a Windows image in nanoserver's or servercore's shape into an OCI layout
// at dir (see [WriteWindowsImage]) and returns it pinned; it fails t on an error.
func WindowsImage(t testing.TB, dir, osVersion string, layers ...map[string]string) string {
	t.Helper()
	ref, err := WriteWindowsImage(dir, osVersion, layers...)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// WriteWindowsImage writes a Windows image in nanoserver's or servercore's shape into an OCI
// layout at dir: an index with one windows/amd64 entry of the given os.version, whose layers
// (bottom first) hold the given files (path under Files/ → content) in the Windows layer
// format. It returns the image pinned, as a manifest names it: oci-layout:<dir>@sha256:….
func WriteWindowsImage(dir, osVersion string, layers ...map[string]string) (string, error) {
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "windows", Architecture: "amd64", OSVersion: osVersion,
		RootFS: v1.RootFS{Type: "layers"}, Config: v1.Config{User: "ContainerUser"}})
	if err != nil {
		return "", err
	}
	for _, files := range layers {
		l, err := windowsLayer(files)
		if err != nil {
			return "", err
		}
		if img, err = mutate.Append(img, mutate.Addendum{Layer: l, MediaType: types.OCILayer}); err != nil {
			return "", err
		}
	}
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{Add: img,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "windows", Architecture: "amd64", OSVersion: osVersion}}})
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", err
	}
	if err := p.AppendIndex(idx); err != nil {
		return "", err
	}
	d, err := idx.Digest()
	if err != nil {
		return "", err
	}
	return "oci-layout:" + dir + "@" + d.String(), nil
}

func windowsLayer(files map[string]string) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"Files", "Hives"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o555}); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := tw.WriteHeader(&tar.Header{Name: "Files/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(files[name]))}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}
