package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGiantSwarmPolicy: the verdicts of giantswarm.yaml and of the strict default on Release
// pairs in Giant Swarm's shape (provider-prefixed names, catalog, dependsOn on apps the
// cluster chart installs, Flatcar build series).
func TestGiantSwarmPolicy(t *testing.T) {
	const dir = "../../validate/policy/testdata/giantswarm/"
	for _, tc := range []struct {
		prev, next string
		strict     int      // violations under the strict default
		gs         []string // Giant Swarm's failures; none is a pass
	}{
		{"30.0.0", "30.0.1", 4, nil},
		{"30.0.0", "30.1.0", 7, nil},
		{"30.1.0", "30.2.0", 3, []string{"kubernetes 1.30.6 -> 1.31.1 needs a major release, 30.1.0 -> 30.2.0 is minor"}},
		{"30.1.0", "31.0.0", 3, nil},
		{"31.0.0", "31.0.1", 5, []string{"cilium depends on itself", "kubernetes 1.31.1 -> 1.30.9: a downgrade change is forbidden"}},
		{"30.0.0", "30.0.0", 3, []string{"release version 30.0.0 does not increase on 30.0.0"}},
		{"30.1.0", "30.0.1", 4, []string{"release version goes down from 30.1.0 to 30.0.1"}},
	} {
		prev, next := dir+"aws-"+tc.prev+".yaml", dir+"aws-"+tc.next+".yaml"
		var out, errOut bytes.Buffer
		code := run("", prev, next, &out, &errOut)
		if got := strings.Count(out.String(), "\nFAIL "); code != 1 || got != tc.strict {
			t.Errorf("strict %s -> %s: exit %d, %d violations, want %d:\n%s%s", tc.prev, tc.next, code, got, tc.strict, out.String(), errOut.String())
		}
		out.Reset()
		code = run("giantswarm.yaml", prev, next, &out, &errOut)
		var fails []string
		for _, line := range strings.Split(out.String(), "\n") {
			if msg, ok := strings.CutPrefix(line, "FAIL "+next+": "); ok {
				fails = append(fails, msg)
			}
		}
		want := 0
		if tc.gs != nil {
			want = 1
		}
		if code != want || strings.Join(fails, "\n") != strings.Join(tc.gs, "\n") {
			t.Errorf("giantswarm %s -> %s: exit %d, failures %q, want %q:\n%s%s", tc.prev, tc.next, code, fails, tc.gs, out.String(), errOut.String())
		}
	}
}

func TestPolicyFlag(t *testing.T) {
	const rel = "../../validate/policy/testdata/giantswarm/aws-30.0.0.yaml"
	bad := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(bad, []byte("rules:\n  - match: [kubernetes]\n    minor: sometimes\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := run(bad, rel, rel, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), bad+":2:5: rules[0].minor: \"sometimes\"") {
		t.Errorf("bad policy: exit %d: %s", code, errOut.String())
	}
	errOut.Reset()
	if code := run(filepath.Join(t.TempDir(), "none.yaml"), rel, rel, &out, &errOut); code != 2 {
		t.Errorf("missing policy: exit %d: %s", code, errOut.String())
	}
}
