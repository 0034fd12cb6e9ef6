package artifacts_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/releasekit/releasekit/artifacts"
)

// BenchmarkBuild builds the test release (3 binaries, 2 archives, 4 packages, sources, a
// command) cold — a new release directory, work folder and Go build cache each time — and again
// with nothing changed, which should reuse every output. bench/rebuild.sh prints the ratio.
func BenchmarkBuild(b *testing.B) {
	work := b.TempDir()
	res := resolved(b, work, fullRelease)
	b.Run("cold", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			dir := filepath.Join(work, fmt.Sprint("cold", i))
			env := append(os.Environ(), "GOCACHE="+filepath.Join(dir, "gocache"))
			if _, err := artifacts.Build(b.Context(), res, filepath.Join(dir, "out"), withPackager(), artifacts.WithEnv(env)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("noop", func(b *testing.B) {
		out := filepath.Join(work, "warm", "out")
		if _, err := artifacts.Build(b.Context(), res, out, withPackager()); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			set, err := artifacts.Build(b.Context(), res, out, withPackager())
			if err != nil {
				b.Fatal(err)
			}
			for _, a := range set.Artifacts {
				if !a.Reused {
					b.Fatalf("%s was built again", a.Path)
				}
			}
		}
	})
}
