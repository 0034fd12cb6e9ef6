package digest_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/digest"
)

// every resolves any reference to its fake digest.
type every struct{}

func (every) Resolve(_ context.Context, ref digest.Reference) (digest.Digest, error) {
	return fakeDigest(ref), nil
}

// seedValues adds the test charts' values files to a fuzz corpus.
func seedValues(f *testing.F) {
	files, _ := filepath.Glob("testdata/pin/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("image:\n  repository: x\n  tag: \"\"\n"))
	f.Add([]byte("digest: {a: !!str}\nimage: {registry: r.example, name: \"0:0\", tag: \"\"}\n"))
	f.Add([]byte("image: 'UPPER:::bad'\n"))
	f.Add([]byte("data: |\n  nested:\n    image: nginx:1.14.2\n  x: \"a:b\"\nlist:\n- |-\n\n  - image: 'busybox'\n"))
	f.Add([]byte("data: |2\n    image: nginx:1.14.2\nconf: |\n  image: café:1\n"))
	f.Add([]byte("metadata:\n  labels:\n    {{- include \"x\" . | nindent 4 }}\nspec:\n  - image: busybox # c\n  - image: \"{{ .Values.i }}\"\n    sideImage: 'a/b:1'\n"))
}

// validYAML reports whether every document of data parses.
func validYAML(data []byte) bool {
	var doc yaml.Node
	for dec := yaml.NewDecoder(bytes.NewReader(data)); ; {
		if err := dec.Decode(&doc); err != nil {
			return err.Error() == "EOF"
		}
	}
}

// FuzzPin: whatever Pin writes parses as YAML (a template keeps its lines), and every image it then finds is pinned to a
// reference that parses.
func FuzzPin(f *testing.F) {
	seedValues(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		out, _, err := digest.Pin(t.Context(), data, "values.yaml", every{})
		if err != nil {
			return
		}
		// A template, which is no YAML before it is rendered, keeps its lines; YAML stays YAML.
		if !validYAML(data) && bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n")) {
			t.Fatalf("Pin changed a template's lines\nin:\n%s\nout:\n%s", data, out)
		}
		if validYAML(data) && !validYAML(out) {
			t.Fatalf("Pin wrote invalid YAML\nin:\n%s\nout:\n%s", data, out)
		}
		images, err := digest.Find(out, "values.yaml")
		if err != nil {
			t.Fatalf("Find after Pin: %v\nin:\n%s\nout:\n%s", err, data, out)
		}
		for _, im := range images {
			if !im.Ref.Pinned() {
				t.Fatalf("%s is not pinned after Pin\nin:\n%s\nout:\n%s", im, data, out)
			}
			if _, err := digest.Parse(im.Ref.String()); err != nil {
				t.Fatalf("Pin wrote %q, which does not parse: %v", im.Ref, err)
			}
		}
	})
}

// FuzzCheck: Check and Find never fail differently on one input, and every image they report
// parses.
func FuzzCheck(f *testing.F) {
	seedValues(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		images, ferr := digest.Find(data, "values.yaml")
		unpinned, cerr := digest.Check(data, "values.yaml")
		if (ferr == nil) != (cerr == nil) {
			t.Fatalf("Find: %v, Check: %v", ferr, cerr)
		}
		if len(unpinned) > len(images) {
			t.Fatalf("%d unpinned of %d images", len(unpinned), len(images))
		}
		for _, im := range images {
			if _, err := digest.Parse(im.Ref.String()); err != nil && im.Refused == "" {
				t.Fatalf("Find reported %q, which does not parse, and did not refuse it: %v", im.Ref, err)
			}
		}
	})
}

// FuzzParse: a reference that parses prints as a string that parses to the same reference.
func FuzzParse(f *testing.F) {
	for _, s := range known {
		f.Add(s)
	}
	f.Add("registry.example:5000/a/b:1.0@sha256:" + strings.Repeat("a", 64))
	f.Add("UPPER:::bad")
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := digest.Parse(s)
		if err != nil {
			return
		}
		again, err := digest.Parse(ref.String())
		if err != nil || again != ref {
			t.Fatalf("Parse(%q) = %+v; its String %q parses to %+v, %v", s, ref, ref.String(), again, err)
		}
	})
}

// FuzzReadLock: a lock that reads marshals to bytes that read to the same lock.
func FuzzReadLock(f *testing.F) {
	f.Add([]byte("images:\n  docker.io/library/busybox:1.36: sha256:" + strings.Repeat("b", 64) + "\n"))
	f.Add([]byte("images: {}\n"))
	f.Add([]byte("images: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := digest.ReadLock(data, "images.lock.yaml")
		if err != nil {
			return
		}
		again, err := digest.ReadLock(l.Marshal(), "images.lock.yaml")
		if err != nil || string(again.Marshal()) != string(l.Marshal()) {
			t.Fatalf("a lock does not read back: %v\n%s", err, l.Marshal())
		}
	})
}

// TestPinNeverCorrupts: shapes that once made Pin write invalid YAML or an invalid reference are
// errors naming the value, or valid, pinned output; never a corrupt file.
func TestPinNeverCorrupts(t *testing.T) {
	for _, c := range []struct{ name, in, err string }{
		// The chart fills an empty tag; "@sha256:…" as the tag would render repo:@sha256:….
		{"an empty tag", "image:\n  repository: docker.io/example/app\n  tag:\n", "its tag is empty"},
		{"an empty quoted tag", "image:\n  repository: docker.io/example/app\n  tag: \"\"\n", "its tag is empty"},
		{"an empty tag and digest", "image:\n  repository: docker.io/example/app\n  tag: \"\"\n  digest: \"\"\n", "its tag is empty"},
		{"a tag-typed digest map", "image:\n  repository: example/app\n  tag: \"1.0\"\n  digest: {a: !!str}\n", "values.yaml"},
		{"a name that is not a repository", "image: {registry: r.example, name: \"0:0\", tag: \"\"}\n", "values.yaml"},
		{"a key with no value in a flow map", "imAge: {name: \"00\",tag}\n", "values.yaml"},
		{"a word that is no reference", "image: 'UPPER:::bad'\n", `image: UPPER:::bad: "UPPER:::bad" is not an image reference`},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := digest.Pin(t.Context(), []byte(c.in), "values.yaml", every{})
			if err != nil {
				if c.err == "" || !strings.Contains(err.Error(), c.err) {
					t.Errorf("error %v, want one naming %q", err, c.err)
				}
				return
			}
			var v any
			if err := yaml.Unmarshal(out, &v); err != nil {
				t.Fatalf("invalid YAML written: %v\n%s", err, out)
			}
			images, err := digest.Find(out, "values.yaml")
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range images {
				if !im.Ref.Pinned() {
					t.Errorf("%s is not pinned:\n%s", im, out)
				}
			}
			t.Logf("pinned:\n%s", out)
		})
	}
}

// TestExplicitInsideDetected: a value the caller names inside a map the detector would claim
// wins, as the README says.
func TestExplicitInsideDetected(t *testing.T) {
	in := []byte("image:\n  repository: example/app\n  tag: \"1.0\"\n  digest: \"\"\n")
	images, err := digest.Find(in, "values.yaml", digest.WithImages(map[string]string{"image.tag": "registry.example/other/app"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || images[0].Path != "image.tag" || images[0].Ref.String() != "registry.example/other/app:1.0" {
		t.Errorf("images %v", images)
	}
}
