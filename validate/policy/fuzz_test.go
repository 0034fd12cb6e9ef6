package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/releasekit/releasekit/validate/policy"
)

// FuzzReadRelease: a Release file reads, or fails with an error; what reads can be checked
// against itself without a violation.
func FuzzReadRelease(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("apiVersion: release.giantswarm.io/v1alpha1\nkind: Release\nmetadata: {name: v1.0.0}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := policy.ReadRelease(data, "release.yaml")
		if err != nil {
			return
		}
		if _, err := policy.Classify(r.Version, r.Version); err != nil {
			return // a version Classify does not know is reported by Check as a violation
		}
		for _, v := range policy.Check(r, r) {
			if v.Error() == "" {
				t.Fatal("a violation without a message")
			}
		}
	})
}
