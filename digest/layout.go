package digest

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// RefNameAnnotation names an index entry of an OCI layout with its full reference.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// Layout resolves the images of an OCI image layout, such as the docker/ folder of a release,
// by the full references their index entries are annotated with.
type Layout struct {
	digests map[string]Digest
}

// OpenLayout reads the index of the OCI layout in dir.
func OpenLayout(dir string) (*Layout, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("open OCI layout %s: %w", dir, err)
	}
	l := &Layout{digests: map[string]Digest{}}
	for _, m := range im.Manifests {
		ref, err := Parse(m.Annotations[RefNameAnnotation])
		if err != nil || ref.Tag == "" {
			continue // a bare tag or no name: nothing to resolve it by
		}
		d, err := ParseDigest(m.Digest.String())
		if err != nil {
			return nil, fmt.Errorf("OCI layout %s: %w", dir, err)
		}
		l.digests[ref.Key()] = d
	}
	return l, nil
}

// Resolve implements Resolver.
func (l *Layout) Resolve(_ context.Context, ref Reference) (Digest, error) {
	if d, ok := l.digests[ref.Key()]; ok {
		return d, nil
	}
	return "", fmt.Errorf("resolve %s in the release's images: %w", ref, ErrNotFound)
}
