package artifacts

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// maxCopiedFile bounds a file copied out of a Windows image.
const maxCopiedFile = 256 << 20

// windowsEntry is what one Windows entry of an image gets besides the binaries.
type windowsEntry struct {
	copied []archive.Entry
}

// planWindows checks an image's Windows entries; false means a problem was reported.
func (b *builder) planWindows(j *imageJob) bool {
	w := j.spec.Windows
	ok := true
	if len(j.windows) == 0 {
		b.problem(w.Pos.Errorf("platforms", "no windows platform: add windows/<arch> to the binaries' platforms, the manifest's architectures or windows.platforms"))
		ok = false
	}
	for _, pl := range j.windows {
		for _, bin := range j.spec.Binaries {
			if _, built := b.binary(bin, pl); !built {
				b.problem(j.spec.Pos.Errorf("binaries", "binary %q is not built for %s", bin, pl))
				ok = false
			}
		}
	}
	if b.m.DockerOutput == "tar" {
		b.problem(w.Pos.Errorf("bases", "docker tarballs hold one image per platform, and Windows entries share theirs (one per os.version): dockerOutput tar cannot write them"))
		ok = false
	}
	for _, ref := range slices.Concat(w.Bases, copySources(w)) {
		if err := checkBase(ref); err != nil {
			b.problem(w.Pos.Errorf("bases", "%v", err))
			ok = false
		}
	}
	return ok
}

func copySources(w *manifest.WindowsImage) []string {
	var refs []string
	for _, c := range w.Copy {
		refs = append(refs, c.From...)
	}
	return refs
}

// addWindows appends the image's Windows entries to idx: one per windows entry of each base
// whose platform the image is built for, with the base's os.version.
func (b *builder) addWindows(ctx context.Context, j *imageJob, idx v1.ImageIndex) (v1.ImageIndex, error) {
	w := j.spec.Windows
	seen := map[string]string{}
	for _, ref := range w.Bases {
		base, err := b.loadImage(ctx, j.spec, ref)
		if err != nil {
			return nil, err
		}
		im, err := base.IndexManifest()
		if err != nil {
			return nil, err
		}
		entries := 0
		for _, d := range im.Manifests {
			if d.Platform == nil || d.Platform.OS != "windows" {
				continue
			}
			pl := "windows/" + d.Platform.Architecture + variantSuffix(d.Platform.Variant)
			if !slices.Contains(j.windows, pl) {
				continue
			}
			if d.Platform.OSVersion == "" {
				return nil, fmt.Errorf("windows base %s: its %s entry has no os.version", b.refName(ref), pl)
			}
			key := pl + " " + d.Platform.OSVersion
			if other, dup := seen[key]; dup {
				return nil, fmt.Errorf("windows bases %s and %s both have %s os.version %s", other, b.refName(ref), pl, d.Platform.OSVersion)
			}
			seen[key] = b.refName(ref)
			img, err := base.Image(d.Digest)
			if err != nil {
				return nil, err
			}
			platform := *d.Platform.DeepCopy()
			win := &windowsEntry{}
			for i, c := range w.Copy {
				files, err := b.copyFiles(ctx, j.spec, c, platform)
				if err != nil {
					return nil, fmt.Errorf("windows.copy[%d]: %w", i, err)
				}
				win.copied = append(win.copied, files...)
			}
			if img, err = b.platformImage(j, img, platform, win); err != nil {
				return nil, fmt.Errorf("%s os.version %s: %w", pl, platform.OSVersion, err)
			}
			idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platform}})
			entries++
		}
		if entries == 0 {
			return nil, fmt.Errorf("windows base %s has no entry for %s", b.refName(ref), strings.Join(j.windows, ", "))
		}
	}
	return idx, nil
}

// refName is a pinned image as errors and outputs may name it: an OCI layout by its folder's
// name, never a host path.
func (b *builder) refName(ref string) string {
	at := strings.LastIndexByte(ref, '@')
	if dir, ok := strings.CutPrefix(ref[:at], "oci-layout:"); ok {
		return "oci-layout/" + filepath.Base(dir) + ref[at:]
	}
	return ref
}

// osBuild is an os.version's build (10.0.17763 of 10.0.17763.7009): Windows images of one
// build run together.
func osBuild(v string) string {
	parts := strings.SplitN(v, ".", 4)
	return strings.Join(parts[:min(3, len(parts))], ".")
}

// copyFiles reads c.Paths from the one image of c.From that has an entry for platform's
// os.version build.
func (b *builder) copyFiles(ctx context.Context, spec *manifest.Image, c manifest.WindowsCopy, platform v1.Platform) ([]archive.Entry, error) {
	var from v1.Image
	var fromRef string
	for _, ref := range c.From {
		idx, err := b.loadImage(ctx, spec, ref)
		if err != nil {
			return nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, d := range im.Manifests {
			p := d.Platform
			if p == nil || p.OS != "windows" || p.Architecture != platform.Architecture || p.Variant != platform.Variant ||
				osBuild(p.OSVersion) != osBuild(platform.OSVersion) {
				continue
			}
			if from != nil {
				return nil, fmt.Errorf("both %s and %s have an entry for os.version %s", fromRef, b.refName(ref), osBuild(platform.OSVersion))
			}
			if from, err = idx.Image(d.Digest); err != nil {
				return nil, err
			}
			fromRef = b.refName(ref)
		}
	}
	if from == nil {
		return nil, fmt.Errorf("no image of from has a windows/%s entry for os.version %s", platform.Architecture, osBuild(platform.OSVersion))
	}
	files, err := b.readWindowsFiles(from, c.Paths)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fromRef, err)
	}
	var out []archive.Entry
	for _, p := range c.Paths {
		out = append(out, archive.Entry{Name: strings.TrimPrefix(p, "/"), Data: files[p], Mode: 0o644})
	}
	return out, nil
}

// errNotInImage is returned for a path an image does not have.
var errNotInImage = errors.New("not in the image")

// readWindowsFiles reads paths (/Windows/System32/x.dll) from a Windows image: Files/Windows/…
// in its layers, the top one first, names compared as Windows compares them
// (case-insensitively); a whiteout in a higher layer means the file is gone. The layers are
// read once for all paths, and each image once per build.
func (b *builder) readWindowsFiles(img v1.Image, paths []string) (map[string][]byte, error) {
	h, err := img.Digest()
	if err != nil {
		return nil, err
	}
	files := b.windowsFiles[h.String()]
	if files == nil {
		files = map[string][]byte{}
		if b.windowsFiles == nil {
			b.windowsFiles = map[string]map[string][]byte{}
		}
		b.windowsFiles[h.String()] = files
	}
	// want maps the lower-cased layer name of each path not read yet to the path.
	want := map[string]string{}
	for _, p := range paths {
		if _, ok := files[p]; !ok {
			want[strings.ToLower("Files"+p)] = p
		}
	}
	if len(want) == 0 {
		return files, nil
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	var gone []string
	for i := len(layers) - 1; i >= 0 && len(want) > 0; i-- {
		if err := findInLayer(layers[i], want, &gone, files); err != nil {
			return nil, err
		}
	}
	if missing := slices.Sorted(slices.Values(append(gone, slices.Collect(maps.Values(want))...))); len(missing) > 0 {
		return nil, fmt.Errorf("%s: %w", missing[0], errNotInImage)
	}
	return files, nil
}

// findInLayer reads the wanted regular files of one layer into files and drops them from want;
// a whiteout of one drops it from want into gone, so that no lower layer gives it back.
func findInLayer(l v1.Layer, want map[string]string, gone *[]string, files map[string][]byte) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for len(want) > 0 {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := strings.ToLower(strings.TrimPrefix(path.Clean("/"+h.Name), "/"))
		if dir, base := path.Split(n); strings.HasPrefix(base, ".wh.") {
			if p, ok := want[dir+strings.TrimPrefix(base, ".wh.")]; ok {
				*gone = append(*gone, p)
				delete(want, dir+strings.TrimPrefix(base, ".wh."))
			}
			continue
		}
		p, ok := want[n]
		switch {
		case !ok:
			continue
		case h.Typeflag != tar.TypeReg:
			return fmt.Errorf("%s: not a regular file in the image (type %q)", p, h.Typeflag)
		case h.Size > maxCopiedFile:
			return fmt.Errorf("%s: %d bytes, more than the %d a copied file may have", p, h.Size, maxCopiedFile)
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxCopiedFile))
		if err != nil {
			return err
		}
		files[p] = data
		delete(want, n)
	}
	return nil
}

// windowsLayer rewrites a layer in the Windows format (Files/…, Hives/, and the security
// descriptor that makes binaries executable) through go-containerregistry's conversion, which
// crane.Append applies to layers appended to a Windows image.
func (b *builder) windowsLayer(l v1.Layer) (v1.Layer, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(b.o.work, "windows-layer-*.tar")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	win, err := mutate.ConfigFile(mutate.MediaType(empty.Image, types.OCIManifestSchema1), &v1.ConfigFile{OS: "windows", RootFS: v1.RootFS{Type: "layers"}})
	if err != nil {
		return nil, err
	}
	img, err := crane.Append(win, f.Name())
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	// The converted layer is in memory; the temporary file can go.
	converted := layers[len(layers)-1]
	if _, err := converted.Digest(); err != nil {
		return nil, err
	}
	return converted, nil
}
