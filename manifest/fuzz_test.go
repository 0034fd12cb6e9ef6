package manifest_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/releasekit/releasekit/manifest"
)

// FuzzParse checks that Parse never panics, that every problem has a position, and that what it
// accepts marshals to a manifest it accepts again unchanged.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/istio.yaml", "testdata/full.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\ndependencies: {a: &x {localpath: /a}, b: *x}\n"))
	f.Add([]byte("version: 1\ndependencies:\n  a: {<<: {git: x}, branch: main}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := manifest.Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			for _, p := range manifest.Problems(err) {
				if p.Line < 1 || p.Column < 1 || p.File != "fuzz.yaml" {
					t.Fatalf("problem without a position: %+v", p)
				}
			}
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		again, err := manifest.Parse(bytes.NewReader(out), "again.yaml")
		if err != nil {
			t.Fatalf("marshalled manifest does not parse: %v\n%s", err, out)
		}
		out2, err := again.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("marshal is not stable:\n%s\n---\n%s", out, out2)
		}
	})
}
