package provenance_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts/provenance"
)

func TestMarshalRead(t *testing.T) {
	b := provenance.Build{
		BuilderID: "https://ci.example/jobs/release",
		Subjects: []provenance.Subject{
			{Name: "sources.tar.gz", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}},
			{Name: "registry.example/demo/hello:0.1.0", Digest: map[string]string{"sha256": strings.Repeat("b", 64)}},
		},
		Dependencies: []provenance.Dependency{
			{Name: "hello", URI: "git+https://git.example/hello.git", Digest: map[string]string{"gitCommit": strings.Repeat("c", 40)}},
			{Name: "golang.org/x/sync", URI: "pkg:golang/golang.org/x/sync@v0.10.0", Digest: map[string]string{"dirHash": strings.Repeat("d", 64)}},
		},
		Parameters: map[string]any{"manifest": map[string]any{"version": "0.1.0", "dependencies": map[string]any{"hello": map[string]any{"tag": "~0.1"}}}},
	}
	one, err := provenance.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	b.Subjects[0], b.Subjects[1] = b.Subjects[1], b.Subjects[0]
	two, err := provenance.Marshal(b)
	if err != nil || !bytes.Equal(one, two) {
		t.Fatalf("the same build gave other bytes (%v):\n%s\n%s", err, one, two)
	}
	st, err := provenance.Read(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	if st.BuilderID != b.BuilderID || st.BuildType != provenance.BuildType || len(st.Dependencies) != 2 {
		t.Errorf("read back %+v", st)
	}
	want := []provenance.Subject{b.Subjects[0], b.Subjects[1]}
	if diff := cmp.Diff(want, st.Subjects); diff != "" {
		t.Errorf("subjects (-want +got):\n%s", diff)
	}
	for _, s := range []string{`"_type": "https://in-toto.io/Statement/v1"`, `"predicateType": "https://slsa.dev/provenance/v1"`, `"buildType": "` + provenance.BuildType + `"`} {
		if !bytes.Contains(one, []byte(s)) {
			t.Errorf("no %s in\n%s", s, one)
		}
	}
}

func TestRefuses(t *testing.T) {
	if _, err := provenance.Marshal(provenance.Build{}); err == nil {
		t.Error("a provenance without a builder id was written")
	}
	bad := provenance.Build{BuilderID: "x", Subjects: []provenance.Subject{{Name: "a", Digest: map[string]string{"sha256": "short"}}}}
	if _, err := provenance.Marshal(bad); err == nil {
		t.Error("a subject with a malformed digest was written")
	}
	for _, in := range []string{"", "{}", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"https://example.com/other","predicate":{}}`} {
		if _, err := provenance.Read(strings.NewReader(in)); err == nil {
			t.Errorf("Read(%q) accepted it", in)
		}
	}
}
