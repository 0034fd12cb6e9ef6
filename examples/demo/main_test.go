package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/manifest"
)

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(t.Context(), dir, &out); err != nil {
		t.Fatal(err)
	}
	want := `sample project  src/hello, tagged v0.1.0 at 2024-05-01T12:00:00Z
resolved        hello cb6d0c8ae9cf99bf187f29e3a8e53abe72528082 (tag v0.1.0 (~0.1), committed 2024-05-01T12:00:00Z)
build spec      1 binary, 1 archive, 1 image, 1 chart (from hello/release/releasekit.yaml)
release time    2024-05-01T12:00:00Z
wrote           out/manifest.yaml
release directory: $DIR/out
`
	if diff := cmp.Diff(want, strings.ReplaceAll(out.String(), dir, "$DIR")); diff != "" {
		t.Errorf("demo output (-want +got):\n%s", diff)
	}
	m, err := manifest.Load(filepath.Join(dir, "out", "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Dependencies["hello"]; d.Sha != "cb6d0c8ae9cf99bf187f29e3a8e53abe72528082" || m.Directory != "" {
		t.Errorf("resolved manifest: sha %s, directory %q", d.Sha, m.Directory)
	}

	// Running the demo again in the same directory gives the same result.
	var again bytes.Buffer
	if err := run(t.Context(), dir, &again); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Errorf("second run differs:\n%s", again.String())
	}
}
