package release_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/releasekit/releasekit/artifacts/release"
)

// FuzzOpenLayout: an OCI layout's index.json opens, or fails; every image it returns has a
// reference, and a descriptor whose size is not its blob's never opens.
func FuzzOpenLayout(f *testing.F) {
	blob := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`
	const sum = "dff9de10919148711140d349bf03f1a99eb06f94b03e51715ccebfa7cdc518e2"
	f.Add(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + sum + `","size":84,"annotations":{"org.opencontainers.image.ref.name":"r.example/a:1"}}]}`)
	f.Add(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:` + sum + `","size":1000000000000000}]}`)
	f.Add(`{"manifests":[{"digest":"sha256:../../etc"}]}`)
	f.Fuzz(func(t *testing.T, index string) {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755)
		os.WriteFile(filepath.Join(dir, "blobs", "sha256", sum), []byte(blob), 0o644)
		os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
		os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644)
		l, err := release.OpenLayout(dir)
		if err != nil {
			return
		}
		for _, im := range l.Images {
			if im.Ref == "" || im.Descriptor.Size != int64(len(blob)) {
				t.Fatalf("opened %+v", im)
			}
		}
	})
}
