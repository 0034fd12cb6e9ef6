package policy_test

import (
	"os"
	"path/filepath"
	"strings"
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

// FuzzReadPolicy: a policy file reads, or fails with an error at a position; a policy that reads
// checks a release against itself without panicking, and against a changed copy of itself.
func FuzzReadPolicy(f *testing.F) {
	if data, err := os.ReadFile("../../examples/bump/giantswarm.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("default: {major: forbidden}\nrules:\n- {match: ['a*'], scheme: opaque, added: none}\n"))
	f.Add([]byte("rules:\n- match: ['[']\n"))
	rel, err := os.ReadFile("testdata/giantswarm/aws-30.0.0.yaml")
	if err != nil {
		f.Fatal(err)
	}
	prev, err := policy.ReadRelease(rel, "prev.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.ReadPolicy(data, "policy.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy.yaml") {
				t.Fatalf("an error without its file: %v", err)
			}
			return
		}
		next := *prev
		next.Components = append([]policy.Component{{Name: "added", Version: "1.0.0", Kind: "app"}}, prev.Components[1:]...)
		for _, v := range append(p.Check(prev, prev), p.Check(prev, &next)...) {
			if v.Error() == "" {
				t.Fatal("a violation without a message")
			}
		}
	})
}
