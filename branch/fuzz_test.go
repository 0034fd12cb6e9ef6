package branch_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/manifest"
)

// FuzzParse checks that Parse never panics, that every problem has a position, and that a plan
// it accepts has its steps numbered 1 to N, each with actions of exactly one kind.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"plans/istio.yaml", "plans/csi.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("steps: [~, {step: 1, actions: [~, {}]}]\n"))
	f.Add([]byte("repositories: {a: ~}\nsteps:\n  - {step: 1, actions: [{replace: {files: [x], pattern: '(', with: '{{.X}}'}}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := branch.Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			for _, e := range manifest.Problems(err) {
				if e.Line < 1 || e.Column < 1 || e.File != "fuzz.yaml" {
					t.Fatalf("problem without a position: %+v", e)
				}
			}
			return
		}
		for n := 1; n <= len(p.Steps); n++ {
			s, err := p.StepOf(n)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range s.Actions {
				kinds := 0
				for _, set := range []bool{a.Branch != nil, a.Run != nil, a.Replace != nil, a.Set != nil, a.Write != nil, a.GoMod != nil} {
					if set {
						kinds++
					}
				}
				if kinds != 1 {
					t.Fatalf("step %d: an action of %d kinds was accepted", n, kinds)
				}
			}
		}
	})
}
