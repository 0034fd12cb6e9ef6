package release

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/releasekit/releasekit/digest"
)

// indexLimit bounds the size of an OCI layout's index.json.
const indexLimit = 16 << 20

// RefNameAnnotation names an index entry of an OCI layout with its full reference.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// Layout is an OCI image layout read back: its images by the references their index entries
// are annotated with.
type Layout struct {
	// Index is the layout's top index.
	Index v1.ImageIndex
	// Images are the entries with a reference, sorted by reference.
	Images []Image
}

// Image is one image (or multi-arch index) of an OCI layout.
type Image struct {
	// Ref is the reference it was built as, e.g. "docker.io/istio/pilot:1.2.3".
	Ref string
	// Descriptor is its entry in the layout's index; Descriptor.Digest is its digest.
	Descriptor v1.Descriptor
	// Index is set for a multi-arch image, Image otherwise.
	Index v1.ImageIndex
	Image v1.Image
}

// Digest is the image's manifest digest.
func (im Image) Digest() v1.Hash { return im.Descriptor.Digest }

// Name is the image's repository without hub (e.g. "pilot" or "tools/proxy" under
// "docker.io/istio"), or its last element when it was built under another hub.
func (im Image) Name(hub string) string {
	repo := im.Ref
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if rest, ok := strings.CutPrefix(repo, strings.TrimSuffix(hub, "/")+"/"); ok && hub != "" {
		return rest
	}
	return path.Base(repo)
}

// OpenLayout reads the OCI image layout in dir, any layout: a release's, or one of base images.
// A missing layout is an error wrapping fs.ErrNotExist.
func OpenLayout(dir string) (*Layout, error) {
	st, err := os.Lstat(filepath.Join(dir, "index.json"))
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	if !st.Mode().IsRegular() || st.Size() > indexLimit {
		return nil, fmt.Errorf("OCI layout %s: index.json is not a regular file of at most %d bytes", dir, indexLimit)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	l := &Layout{Index: idx}
	for _, desc := range im.Manifests {
		// A descriptor's size is what readers trust: it must be the blob's.
		blob, err := os.Lstat(filepath.Join(dir, "blobs", desc.Digest.Algorithm, desc.Digest.Hex))
		switch {
		case err != nil:
			return nil, fmt.Errorf("OCI layout %s: %s: %w", dir, desc.Digest, err)
		case !blob.Mode().IsRegular() || blob.Size() != desc.Size:
			return nil, fmt.Errorf("OCI layout %s: %s: the index says %d bytes, the blob is not a regular file of that size", dir, desc.Digest, desc.Size)
		}
		ref := desc.Annotations[RefNameAnnotation]
		if ref == "" {
			continue
		}
		img := Image{Ref: ref, Descriptor: desc}
		switch {
		case desc.MediaType.IsIndex():
			img.Index, err = idx.ImageIndex(desc.Digest)
		case desc.MediaType.IsImage():
			img.Image, err = idx.Image(desc.Digest)
		default:
			err = fmt.Errorf("unsupported media type %s", desc.MediaType)
		}
		if err != nil {
			return nil, fmt.Errorf("OCI layout %s: %s: %w", dir, ref, err)
		}
		l.Images = append(l.Images, img)
	}
	slices.SortFunc(l.Images, func(a, b Image) int { return strings.Compare(a.Ref, b.Ref) })
	for i := 1; i < len(l.Images); i++ {
		if l.Images[i].Ref == l.Images[i-1].Ref {
			return nil, fmt.Errorf("OCI layout %s: two entries are named %s", dir, l.Images[i].Ref)
		}
	}
	return l, nil
}

// Lookup returns the image built as ref.
func (l *Layout) Lookup(ref string) (Image, bool) {
	i, ok := slices.BinarySearchFunc(l.Images, ref, func(im Image, ref string) int { return strings.Compare(im.Ref, ref) })
	if !ok {
		return Image{}, false
	}
	return l.Images[i], true
}

// Resolve implements [digest.Resolver]: the digest of the image whose reference has ref's
// repository and tag.
func (l *Layout) Resolve(_ context.Context, ref digest.Reference) (digest.Digest, error) {
	for _, im := range l.Images {
		r, err := digest.Parse(im.Ref)
		if err != nil || r.Tag == "" || r.Key() != ref.Key() {
			continue
		}
		return digest.ParseDigest(im.Digest().String())
	}
	return "", fmt.Errorf("resolve %s in the OCI layout: %w", ref, digest.ErrNotFound)
}

// Layout reads the release's OCI layout (ImagesDir); an error wrapping fs.ErrNotExist when the
// release has none.
func (d *Dir) Layout() (*Layout, error) {
	return d.layout.get(func() (*Layout, error) {
		p, err := d.Path(ImagesDir)
		if err != nil {
			return nil, err
		}
		if st, err := os.Lstat(p); err == nil && !st.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", ImagesDir)
		}
		l, err := OpenLayout(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", ImagesDir, fs.ErrNotExist)
		}
		if err != nil {
			// Name the layout by its path in the release, not on this host.
			return nil, errors.New(strings.ReplaceAll(err.Error(), p, ImagesDir))
		}
		return l, nil
	})
}
