package yamledit_test

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/internal/yamledit"
)

// FuzzSet: Set either fails or writes valid YAML in which the path reads as the value.
func FuzzSet(f *testing.F) {
	f.Add([]byte("image:\n  tag: 1.0 # pinned\n"), "image.tag", "2.0@sha256:abc")
	f.Add([]byte("a: [1, {b: x}]\n"), "a[1].b", "y: z")
	f.Add([]byte("a:\n"), "a", "@x")
	f.Add([]byte("a: 'it''s'\n"), "a", "it's \"quoted\"")
	f.Fuzz(func(t *testing.T, data []byte, path, value string) {
		if len(data) > 1<<14 {
			return
		}
		out, err := yamledit.Set(data, "values.yaml", map[string]string{path: value})
		if err != nil {
			return
		}
		var doc yaml.Node
		if err := yaml.NewDecoder(bytes.NewReader(out)).Decode(&doc); err != nil {
			t.Fatalf("Set wrote invalid YAML: %v\n%s", err, out)
		}
		if len(doc.Content) == 0 {
			t.Fatalf("Set wrote an empty document:\n%s", out)
		}
		n, err := yamledit.Lookup(doc.Content[0], path)
		if err != nil {
			t.Fatalf("%s: %v after Set\n%s", path, err, out)
		}
		if n.Value != value {
			t.Fatalf("%s reads %q, want %q\n%s", path, n.Value, value, out)
		}
	})
}
