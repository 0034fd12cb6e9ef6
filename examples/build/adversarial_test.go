package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// position is file:line:col at the start of an error line.
var position = regexp.MustCompile(`(?m)^[^\s:]+\.yaml:\d+:\d+: `)

// mutations returns bad versions of a manifest: for every field and list item, one with its value
// of the wrong kind (a mapping for a scalar, a scalar for a mapping or a list), and for every
// mapping one with an unknown field and one with a key given twice. Each is named by the path.
func mutations(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	encode := func() []byte {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(&doc); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, value := n.Content[i], n.Content[i+1]
				p := strings.TrimPrefix(path+"."+key.Value, ".")
				// The value of the wrong kind.
				saved := *value
				switch value.Kind {
				case yaml.ScalarNode:
					*value = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
						{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: "y"}}}
				default:
					*value = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
				}
				out[p+" of the wrong kind"] = encode()
				*value = saved
				walk(value, p)
			}
			// An unknown field in this mapping; maps keyed by names the user chooses
			// (dependencies, dashboards, values, images) take any key.
			if !regexp.MustCompile(`(^dependencies|dashboards|values|labels|\.images)$`).MatchString(path) {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "bogusField"},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "1"})
				out[strings.TrimPrefix(path+".bogusField", ".")+" unknown"] = encode()
				n.Content = n.Content[:len(n.Content)-2]
			}
			// A key given twice.
			if len(n.Content) >= 2 {
				n.Content = append(n.Content, n.Content[0], n.Content[1])
				out[strings.TrimPrefix(path+"."+n.Content[0].Value, ".")+" twice"] = encode()
				n.Content = n.Content[:len(n.Content)-2]
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				// An item of the wrong kind.
				saved := *c
				if c.Kind == yaml.ScalarNode {
					*c = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x"}}}
				} else {
					*c = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "7"}
				}
				out[p+" of the wrong kind"] = encode()
				*c = saved
				walk(c, p)
			}
		}
	}
	walk(doc.Content[0], "")
	return out
}

// TestAdversarialManifests runs the build on every mutation of the full example manifest: each
// exits 2, names a position, and writes nothing.
func TestAdversarialManifests(t *testing.T) {
	data, err := os.ReadFile("../../manifest/testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The manifest's own directory is replaced by the test's, so that nothing could be written
	// elsewhere.
	data = bytes.Replace(data, []byte("directory: /tmp/hello-release"), []byte("directory: "+dir), 1)
	cases := mutations(t, data)
	if len(cases) < 120 {
		t.Fatalf("%d cases, want at least 120", len(cases))
	}
	out := filepath.Join(dir, "out")
	for name, bad := range cases {
		file := filepath.Join(dir, "manifest.yaml")
		if err := os.WriteFile(file, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := run(t.Context(), config{path: file, out: out, jobs: 1, offline: true}, &stdout, &stderr)
		if code != 2 || !position.MatchString(stderr.String()) {
			t.Errorf("%s: exit %d, want 2 with a position:\n%s", name, code, stderr.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("%s: wrote %d entries in %s", name, len(entries)-1, dir)
		}
	}
	t.Logf("%d bad manifests, each exit 2 with a position and nothing written", len(cases))
}
