package policy_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/validate/policy"
)

func TestReadPolicyErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rules:\n  - match: [kubernetes]\n    minor: sometimes\n", `p.yaml:2:5: rules[0].minor: "sometimes": want none, patch, minor, major or forbidden`},
		{"rules:\n  - major: major\n", "p.yaml:2:5: rules[0].match: a rule needs at least one name or glob"},
		{"rules:\n  - match: ['[']\n", `p.yaml:2:5: rules[0].match: "[": syntax error in pattern`},
		{"default:\n  scheme: calver\n", `p.yaml:2:3: default.scheme: "calver": want semver, series or opaque`},
		{"default:\n  match: [x]\n", "p.yaml:2:3: default.match: the default rule applies to every component; it takes no match"},
		{"unknownDependsOn: ignore\n", `p.yaml: unknownDependsOn: "ignore": want fail or warn`},
		{"increase: yes please\n", `p.yaml:1:11: increase: want true or false, got "yes please"`},
		{"rules:\n  - match: [x]\n    minnor: patch\n", `p.yaml:3:5: rules[0].minnor: unknown field "minnor"`},
		{"provides:\n  security-bundle: []\n", `p.yaml: provides.security-bundle: names nothing: list the apps security-bundle installs`},
		{"provides:\n  security-bundle: [security-bundle]\n", `p.yaml: provides.security-bundle.0: "security-bundle": want the name of another app`},
	} {
		_, err := policy.ReadPolicy([]byte(tc.in), "p.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
}

// TestPolicyRules: the first matching rule applies, its unset fields taken from the default;
// series and opaque schemes; forbidden; external and warned dependsOn names.
func TestPolicyRules(t *testing.T) {
	p, err := policy.ReadPolicy([]byte(`default: {major: minor, added: patch}
rules:
- match: [kube*]
  minor: major
- match: [kubernetes, flatcar]
  scheme: series
- match: [tooling]
  scheme: opaque
  downgrade: forbidden
- match: [pinned]
  patch: forbidden
  removed: forbidden
external: ["*-crds"]
unknownDependsOn: warn
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prev := &policy.Composite{File: "next.yaml", Version: "1.0.0", Components: []policy.Component{
		{Name: "kubernetes", Version: "1.30.1"}, {Name: "flatcar", Version: "4459.2.1"}, {Name: "tooling", Version: "abc"},
		{Name: "csi", Version: "2.0.0"}, {Name: "pinned", Version: "1.0.0"},
	}}
	check := func(version string, deps []string, versions ...string) []string {
		next := &policy.Composite{File: "next.yaml", Version: version}
		for i, c := range prev.Components {
			next.Components = append(next.Components, policy.Component{Name: c.Name, Version: versions[i], DependsOn: deps})
			deps = nil
		}
		var out []string
		for _, v := range p.Check(prev, next) {
			w := ""
			if v.Warning {
				w = "WARN "
			}
			out = append(out, w+strings.TrimPrefix(v.Message, "next.yaml: "))
		}
		return out
	}
	// kube* comes first: kubernetes's minor needs a major release, though the series rule
	// would make it a patch change. flatcar's series change is minor; tooling's new string a
	// patch; csi's major needs only a minor release (the default).
	if diff := cmp.Diff([]string{"kubernetes 1.30.1 -> 1.31.0 needs a major release, 1.0.0 -> 1.1.0 is minor"},
		check("1.1.0", nil, "1.31.0", "4593.1.0", "def", "3.0.0", "1.0.0")); diff != "" {
		t.Errorf("minor release (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		"flatcar 4459.2.1 -> 4593.1.0 needs a minor release, 1.0.0 -> 1.0.1 is patch",
		"csi 2.0.0 -> 3.0.0 needs a minor release, 1.0.0 -> 1.0.1 is patch",
		"pinned 1.0.0 -> 1.0.1: a patch change is forbidden",
	}, check("1.0.1", nil, "1.30.2", "4593.1.0", "xyz", "3.0.0", "1.0.1")); diff != "" {
		t.Errorf("patch release (-want +got):\n%s", diff)
	}
	// An opaque version never goes down; external names pass, unknown ones warn.
	if diff := cmp.Diff([]string{`WARN kubernetes depends on "cert-manager", which is not in the release`},
		check("2.0.0", []string{"kyverno-crds", "cert-manager"}, "1.30.1", "4459.2.1", "a", "2.0.0", "1.0.0")); diff != "" {
		t.Errorf("dependsOn (-want +got):\n%s", diff)
	}
	next := &policy.Composite{File: "next.yaml", Version: "9.0.0", Components: prev.Components[:4]}
	if got := p.Check(prev, next); len(got) != 1 || got[0].Message != "next.yaml: pinned 1.0.0 is removed: a removal is forbidden" {
		t.Errorf("removed: %v", got)
	}
}

// TestProvides: what a bundle of the release installs may be named by dependsOn while the
// bundle is in the release (Giant Swarm's releases: node-exporter depends on kyverno, which
// security-bundle installs); without the bundle, or a name nothing provides, fails still, and a
// cycle through a provided name is one.
func TestProvides(t *testing.T) {
	p, err := policy.ReadPolicy([]byte("provides:\n  security-bundle: [kyverno]\n  observability-bundle: [alloy-logs]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	release := func(cs ...policy.Component) *policy.Composite {
		return &policy.Composite{File: "next.yaml", Version: "1.0.0", Components: cs}
	}
	messages := func(next *policy.Composite) []string {
		var out []string
		for _, v := range p.Check(release(), next) {
			if !strings.Contains(v.Message, "is added") && !strings.Contains(v.Message, "needs a") {
				out = append(out, strings.TrimPrefix(v.Message, "next.yaml: "))
			}
		}
		return out
	}
	withBundle := release(policy.Component{Name: "security-bundle", Version: "1.0.0"}, policy.Component{Name: "node-exporter", Version: "1.0.0", DependsOn: []string{"kyverno"}})
	if got := messages(withBundle); len(got) != 0 {
		t.Errorf("with the bundle: %v", got)
	}
	without := release(policy.Component{Name: "node-exporter", Version: "1.0.0", DependsOn: []string{"kyverno", "falco"}})
	if diff := cmp.Diff([]string{`node-exporter depends on "kyverno", which is not in the release`, `node-exporter depends on "falco", which is not in the release`}, messages(without)); diff != "" {
		t.Errorf("without the bundle (-want +got):\n%s", diff)
	}
	cycle := release(policy.Component{Name: "security-bundle", Version: "1.0.0", DependsOn: []string{"node-exporter"}}, policy.Component{Name: "node-exporter", Version: "1.0.0", DependsOn: []string{"kyverno"}})
	if diff := cmp.Diff([]string{"dependsOn cycle: security-bundle -> node-exporter -> security-bundle"}, messages(cycle)); diff != "" {
		t.Errorf("a cycle through a provided name (-want +got):\n%s", diff)
	}
}

// TestDefaultPolicy: the zero policy and Default() are the strict semver policy of Check.
func TestDefaultPolicy(t *testing.T) {
	prev := read(t, "testdata/release-25.0.0.yaml")
	next := read(t, "testdata/release-25.1.0.yaml")
	want := policy.Check(prev, next)
	if len(want) != 5 {
		t.Fatalf("Check: %v", want)
	}
	for _, p := range []*policy.Policy{policy.Default(), {}} {
		if diff := cmp.Diff(want, p.Check(prev, next)); diff != "" {
			t.Errorf("(-Check +policy):\n%s", diff)
		}
	}
}
