package digest

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Digest is an OCI content digest, "sha256:" and 64 lowercase hex digits.
type Digest string

// ParseDigest checks that s is a sha256 digest.
func ParseDigest(s string) (Digest, error) {
	hexPart, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(hexPart) != 64 || strings.ToLower(hexPart) != hexPart {
		return "", fmt.Errorf("digest %q: want sha256: and 64 lowercase hex digits", s)
	}
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", fmt.Errorf("digest %q: want sha256: and 64 lowercase hex digits", s)
	}
	return Digest(s), nil
}

func (d Digest) String() string { return string(d) }

// Reference is an image reference as written: a repository (with its registry when one is
// named), a tag, a digest, or both. Keeping the written form lets Pin change no more than the
// digest.
type Reference struct {
	// Repository is e.g. "prom/prometheus" or "ghcr.io/org/app".
	Repository string
	// Tag is empty when none is written; a lookup then uses "latest".
	Tag    string
	Digest Digest
}

// Parse reads "repo[:tag][@sha256:…]", checking it the way registries do.
func Parse(s string) (Reference, error) {
	var r Reference
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		d, err := ParseDigest(rest[i+1:])
		if err != nil {
			return Reference{}, fmt.Errorf("image reference %q: %w", s, err)
		}
		r.Digest, rest = d, rest[:i]
	}
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		r.Repository, r.Tag = rest[:i], rest[i+1:]
		if r.Tag == "" {
			// "repo:@sha256:…", as a chart renders an empty tag value pinned: no runtime pulls it.
			return Reference{}, fmt.Errorf("image reference %q: an empty tag after the colon", s)
		}
	} else {
		r.Repository = rest
	}
	if _, err := name.NewRepository(r.Repository); err != nil {
		return Reference{}, fmt.Errorf("image reference %q: %w", s, err)
	}
	if r.Tag != "" {
		if _, err := name.NewTag(r.Repository + ":" + r.Tag); err != nil {
			return Reference{}, fmt.Errorf("image reference %q: %w", s, err)
		}
	}
	return r, nil
}

// String is the reference as written: repository, then ":tag", then "@digest".
func (r Reference) String() string {
	s := r.Repository
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + string(r.Digest)
	}
	return s
}

// Pinned reports whether the reference names a digest.
func (r Reference) Pinned() bool { return r.Digest != "" }

// WithDigest returns r pinned to d, keeping its tag for readers.
func (r Reference) WithDigest(d Digest) Reference {
	r.Digest = d
	return r
}

// Key is the canonical form of the repository and tag, the same for every way of writing
// them: "prom/prometheus" and "docker.io/prom/prometheus:latest" have one key. Resolvers and
// lock files are indexed by it.
func (r Reference) Key() string {
	tag := r.Tag
	if tag == "" {
		tag = "latest"
	}
	t, err := name.NewTag(r.Repository + ":" + tag)
	if err != nil {
		return r.Repository + ":" + tag // Parse has checked it; unreachable for parsed references
	}
	return t.Context().Name() + ":" + t.TagStr()
}

// tag is the reference as go-containerregistry names it for a lookup.
func (r Reference) tag() (name.Tag, error) {
	tag := r.Tag
	if tag == "" {
		tag = "latest"
	}
	return name.NewTag(r.Repository + ":" + tag)
}
