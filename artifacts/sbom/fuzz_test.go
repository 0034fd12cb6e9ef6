package sbom_test

import (
	"bytes"
	"testing"

	"github.com/releasekit/releasekit/artifacts/sbom"
)

// FuzzRead checks that reading an SPDX document never panics and that what it accepts is SPDX
// 2.3 and marshals again.
func FuzzRead(f *testing.F) {
	doc, err := sbom.Marshal(sbom.ForSources("hello", "0.1.0", []sbom.Source{{Name: "hello", URL: "https://git.example/hello.git", SHA: "2fe313b19e3ca08e9e5b075222a074cd7b7c9fd0"}}, when))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"x","filesAnalyzed":false}],"relationships":[{"spdxElementId":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := sbom.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := sbom.Marshal(d); err != nil {
			t.Fatalf("accepted a document it cannot write: %v", err)
		}
	})
}
