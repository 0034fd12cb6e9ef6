package provenance_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts/provenance"
)

// FuzzRead checks that reading a provenance statement never panics and that what it accepts
// has digests that validate.
func FuzzRead(f *testing.F) {
	good, err := provenance.Marshal(provenance.Build{BuilderID: "https://ci.example/job",
		Subjects:   []provenance.Subject{{Name: "a.tar.gz", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}}},
		Parameters: map[string]any{"manifest": map[string]any{"version": "1"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","predicate":{"buildDefinition":{"resolvedDependencies":[{}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := provenance.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range st.Subjects {
			if len(s.Digest) == 0 && s.Name == "" {
				t.Fatalf("accepted an empty subject")
			}
		}
	})
}
