package chart

import (
	"context"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/yamledit"
)

// An image the render shows but no detected value pins (images keyed by name under one map, a
// tag beside an image string) may still come from values: a mapping that holds its tag and a
// piece of its repository. Each place its digest could go there is tried, and the first a render
// proves is kept.

// slot is one way to write an image's digest: a values path and its new text.
type slot struct{ path, text string }

// slots lists where the digest d of the rendered image ref could be written in values: in every
// mapping holding ref's tag and a value that is part of ref's repository, its digest or sha key,
// else its tag with the digest appended.
func slots(values []byte, ref digest.Reference, d digest.Digest) []slot {
	if ref.Tag == "" {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(values, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	var out []slot
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			var tagKey, digestKey, shaKey string
			names := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				if strings.ContainsAny(k, ".[]") || v.Kind != yaml.ScalarNode {
					continue
				}
				switch {
				case v.Value == ref.Tag:
					tagKey = k
				case strings.EqualFold(k, "digest"):
					digestKey = k
				case strings.EqualFold(k, "sha"):
					shaKey = k
				case len(v.Value) >= 3 && strings.Contains(ref.Repository, v.Value):
					names = true
				}
			}
			if tagKey == "" {
				// An empty tag the chart fills (from appVersion, as a rule): the render proves it.
				for i := 0; i+1 < len(n.Content); i += 2 {
					if k, v := n.Content[i].Value, n.Content[i+1]; strings.EqualFold(k, "tag") && v.Kind == yaml.ScalarNode && v.Value == "" {
						tagKey = k
					}
				}
			}
			if tagKey != "" && names {
				join := func(k string) string { return strings.TrimPrefix(path+"."+k, ".") }
				if digestKey != "" {
					out = append(out, slot{join(digestKey), string(d)})
				}
				if shaKey != "" {
					out = append(out, slot{join(shaKey), strings.TrimPrefix(string(d), "sha256:")})
				}
				out = append(out, slot{join(tagKey), ref.Tag + "@" + string(d)})
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := n.Content[i].Value; !strings.ContainsAny(k, ".[]") {
					walk(n.Content[i+1], strings.TrimPrefix(path+"."+k, "."))
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(doc.Content[0], "")
	return out
}

// discover tries the slots of a rendered image no detected value pins, and returns the values
// with the first a render proves and its path, or why none is.
func discover(ctx context.Context, render renderer, values []byte, file string, before *rendered, ref digest.Reference, r digest.Resolver) ([]byte, string, error) {
	d, err := r.Resolve(ctx, ref)
	if err != nil {
		return nil, "", fmt.Errorf("cannot resolve %s: %w", ref, err)
	}
	candidates := slots(values, ref, d)
	if len(candidates) == 0 {
		return nil, "", fmt.Errorf("written in the template, or by values of a shape not known: no value pins it")
	}
	if s, out, _, ok := bestSlot(render, values, file, before, ref, d); ok {
		return out, s.path, nil
	}
	return nil, "", fmt.Errorf("no value a render proves pins it (tried %d places)", len(candidates))
}

// bestSlot tries the slots of ref's digest d in values, proving each by a render against
// before, and returns the first that keeps the image's tag in the render, else the first
// proved at all, with the values it writes; ok is false when none is proved.
func bestSlot(render renderer, values []byte, file string, before *rendered, ref digest.Reference, d digest.Digest) (best slot, out []byte, kept, ok bool) {
	for _, s := range slots(values, ref, d) {
		next, err := yamledit.Set(values, file, map[string]string{s.path: s.text})
		if err != nil {
			continue
		}
		after, err := render(next)
		if err != nil {
			continue
		}
		pinned, err := proof(before, after, map[string]digest.Digest{ref.Key(): d})
		if err != nil || len(pinned) == 0 {
			continue
		}
		if !dropsTag(pinned) {
			return s, next, true, true
		}
		if !ok {
			best, out, ok = s, next, true
		}
	}
	return best, out, false, ok
}
