package digest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/digest"
)

// BenchmarkPin pins 1,000 references to 500 images held by an in-process registry; each
// iteration uses a new Registry, so every distinct tag is asked again. bench/pin.sh compares the
// same work with a loop of crane digest.
func BenchmarkPin(b *testing.B) {
	var tags []string
	for i := range 500 {
		tags = append(tags, fmt.Sprintf("app/c%d:1.0", i))
	}
	host, _, _ := serve(b, false, tags...)
	var values strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&values, "c%d:\n  image: %s/app/c%d:1.0\n", i, host, i%500)
	}
	data := []byte(values.String())
	b.ResetTimer()
	for b.Loop() {
		reg, _ := digest.NewRegistry()
		if _, changes, err := digest.Pin(b.Context(), data, "values.yaml", reg); err != nil || len(changes) != 1000 {
			b.Fatal(len(changes), err)
		}
	}
}
