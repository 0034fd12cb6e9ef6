package publish

import (
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
)

// blobs returns every blob (layers and configs) of an image or index, each once, in order.
func blobs(img release.Image) ([]v1.Layer, error) {
	var out []v1.Layer
	seen := map[v1.Hash]bool{}
	add := func(im v1.Image) error {
		ls, err := im.Layers()
		if err != nil {
			return err
		}
		cl, err := partial.ConfigLayer(im)
		if err != nil {
			return err
		}
		for _, l := range append(ls, cl) {
			h, err := l.Digest()
			if err != nil {
				return err
			}
			if !seen[h] {
				seen[h] = true
				out = append(out, l)
			}
		}
		return nil
	}
	if img.Image != nil {
		return out, add(img.Image)
	}
	return out, eachImage(img.Index, add)
}

func eachImage(idx v1.ImageIndex, f func(v1.Image) error) error {
	m, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, d := range m.Manifests {
		switch {
		case d.MediaType.IsImage():
			im, err := idx.Image(d.Digest)
			if err != nil {
				return err
			}
			if err := f(im); err != nil {
				return err
			}
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return err
			}
			if err := eachImage(child, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// mountable returns img with its blobs marked as mountable from the repository from(h) they
// were uploaded to, so that pushing it to another repository mounts them instead of sending
// them again. Digests and manifests are unchanged.
func mountable(img release.Image, from func(v1.Hash) name.Repository) remote.Taggable {
	if img.Image != nil {
		return mountImage{img.Image, from}
	}
	return mountIndex{img.Index, from}
}

type mountIndex struct {
	index
	from func(v1.Hash) name.Repository
}

// index is v1.ImageIndex under another name, so mountIndex can embed it and still define
// ImageIndex.
type index = interface {
	MediaType() (types.MediaType, error)
	Digest() (v1.Hash, error)
	Size() (int64, error)
	IndexManifest() (*v1.IndexManifest, error)
	RawManifest() ([]byte, error)
	Image(v1.Hash) (v1.Image, error)
	ImageIndex(v1.Hash) (v1.ImageIndex, error)
}

func (m mountIndex) Image(h v1.Hash) (v1.Image, error) {
	im, err := m.index.Image(h)
	if err != nil {
		return nil, err
	}
	return mountImage{im, m.from}, nil
}

func (m mountIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	idx, err := m.index.ImageIndex(h)
	if err != nil {
		return nil, err
	}
	return mountIndex{idx, m.from}, nil
}

type mountImage struct {
	v1.Image
	from func(v1.Hash) name.Repository
}

func (m mountImage) mount(l v1.Layer) (v1.Layer, error) {
	h, err := l.Digest()
	if err != nil {
		return nil, err
	}
	return &remote.MountableLayer{Layer: l, Reference: m.from(h).Digest(h.String())}, nil
}

func (m mountImage) Layers() ([]v1.Layer, error) {
	ls, err := m.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		if out[i], err = m.mount(l); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (m mountImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	l, err := m.Image.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	return m.mount(l)
}

func (m mountImage) ConfigLayer() (v1.Layer, error) {
	l, err := partial.ConfigLayer(m.Image)
	if err != nil {
		return nil, err
	}
	return m.mount(l)
}

var (
	_ v1.ImageIndex = mountIndex{}
	_ v1.Image      = mountImage{}
)
