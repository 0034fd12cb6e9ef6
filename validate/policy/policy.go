package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/Masterminds/semver/v3"
)

// Bump is how much a version moved, smallest first.
type Bump int

// The bumps, ordered: a release must bump at least as much as any of its components.
const (
	None Bump = iota
	Patch
	Minor
	Major
)

func (b Bump) String() string {
	return [...]string{"none", "patch", "minor", "major", "forbidden"}[b]
}

// Change is the change between two versions.
type Change struct {
	// Bump is the largest part of major.minor.patch that moved; Patch when only the
	// pre-release suffix did.
	Bump Bump
	// PreRelease is set when the new version has a suffix (-rc1, -gs1): not production.
	PreRelease bool
	// Downgrade is set when the new version is lower.
	Downgrade bool
}

// String is one of "downgrade", "pre-release", "major", "minor", "patch", "none".
func (c Change) String() string {
	switch {
	case c.Downgrade:
		return "downgrade"
	case c.PreRelease:
		return "pre-release"
	}
	return c.Bump.String()
}

// Classify returns the change from prev to next, versions with or without a "v" prefix
// ("v1.7.3", "1.8.0-rc1"). Only versions without a suffix are production releases.
func Classify(prev, next string) (Change, error) {
	p, err := semver.NewVersion(prev)
	if err != nil {
		return Change{}, fmt.Errorf("version %q: %w", prev, err)
	}
	n, err := semver.NewVersion(next)
	if err != nil {
		return Change{}, fmt.Errorf("version %q: %w", next, err)
	}
	c := Change{PreRelease: n.Prerelease() != ""}
	switch {
	case n.LessThan(p):
		c.Downgrade = true
	case n.Major() != p.Major():
		c.Bump = Major
	case n.Minor() != p.Minor():
		c.Bump = Minor
	case n.Patch() != p.Patch() || n.Prerelease() != p.Prerelease():
		c.Bump = Patch
	}
	return c, nil
}

// Composite is a release that pins the versions of its components: a Giant Swarm Release, a
// CSI deployment pinning its sidecars, or a resolved manifest's tagged dependencies.
type Composite struct {
	// File names where it was read from, for messages.
	File    string
	Name    string
	Version string
	// Components, in the order given.
	Components []Component
}

// Component is one pinned part of a composite release.
type Component struct {
	Name    string
	Version string
	// Kind is "component" or "app" in a Giant Swarm Release.
	Kind string
	// DependsOn names other components of the same release.
	DependsOn []string
}

// Violation is one breach of the version policy.
type Violation struct {
	Component          string
	Old, New           string
	Required, Released Bump
	// Warning marks what the policy reports without failing: a dependsOn name outside the
	// release under unknownDependsOn: warn.
	Warning bool
	Message string
}

func (v Violation) Error() string { return v.Message }

// Check is Default().Check: the strict semver policy.
func Check(prev, next *Composite) []Violation { return Default().Check(prev, next) }

// Check returns every violation of the policy between two versions of a composite release:
// each component change needs at least the release bump its rule gives (a component's major
// bump needs a major release under the default rule); the release never goes down (nor stays,
// with Increase); dependsOn must name an entry of the release, an app an entry Provides, or an
// External name, with no cycle.
func (p *Policy) Check(prev, next *Composite) []Violation {
	var out []Violation
	out = append(out, next.structure(p)...)
	release, err := Classify(prev.Version, next.Version)
	if err != nil {
		return append(out, Violation{Message: fmt.Sprintf("%s: %v", next.File, err)})
	}
	if release.Downgrade {
		out = append(out, Violation{Old: prev.Version, New: next.Version, Message: fmt.Sprintf("%s: release version goes down from %s to %s", next.File, prev.Version, next.Version)})
		return out
	}
	if p.Increase && release.Bump == None {
		out = append(out, Violation{Old: prev.Version, New: next.Version, Required: Patch, Message: fmt.Sprintf("%s: release version %s does not increase on %s", next.File, next.Version, prev.Version)})
	}
	old := map[string]Component{}
	for _, c := range prev.Components {
		old[c.key()] = c
	}
	fail := func(c Component, from, class string, need Bump) {
		msg := fmt.Sprintf("%s: %s %s -> %s needs a %s release, %s -> %s is %s", next.File, c.Name, from, c.Version, need, prev.Version, next.Version, release.Bump)
		if need == Forbidden {
			msg = fmt.Sprintf("%s: %s %s -> %s: a %s change is forbidden", next.File, c.Name, from, c.Version, class)
		}
		out = append(out, Violation{Component: c.Name, Old: from, New: c.Version, Required: need, Released: release.Bump, Message: msg})
	}
	seen := map[string]bool{}
	for _, c := range next.Components {
		seen[c.key()] = true
		rule := p.rule(c.Name)
		before, ok := old[c.key()]
		if !ok {
			if need := rule.need("added"); need > release.Bump {
				fail(c, "(new)", "added", need)
			}
			continue
		}
		class, err := rule.classify(before.Version, c.Version)
		if err != nil {
			out = append(out, Violation{Component: c.Name, Message: fmt.Sprintf("%s: %s: %v", next.File, c.Name, err)})
			continue
		}
		if need := rule.need(class); class != "" && need > release.Bump {
			fail(c, before.Version, class, need)
		}
	}
	for _, c := range prev.Components {
		if seen[c.key()] {
			continue
		}
		if need := p.rule(c.Name).need("removed"); need > release.Bump {
			msg := fmt.Sprintf("%s: %s %s is removed, which needs a %s release, %s -> %s is %s", next.File, c.Name, c.Version, need, prev.Version, next.Version, release.Bump)
			if need == Forbidden {
				msg = fmt.Sprintf("%s: %s %s is removed: a removal is forbidden", next.File, c.Name, c.Version)
			}
			out = append(out, Violation{Component: c.Name, Old: c.Version, Required: need, Released: release.Bump, Message: msg})
		}
	}
	return out
}

func (c Component) key() string { return c.Kind + "/" + c.Name }

// structure checks dependsOn: every name exists, and there is no cycle.
func (r *Composite) structure(p *Policy) []Violation {
	var out []Violation
	deps := map[string][]string{}
	for _, c := range r.Components {
		deps[c.Name] = c.DependsOn
	}
	// What a component of the release installs itself is there too, through it.
	by := map[string]string{}
	for _, c := range r.Components {
		for _, name := range p.Provides[c.Name] {
			if _, ok := by[name]; !ok {
				by[name] = c.Name
			}
		}
	}
	for _, c := range r.Components {
		for _, d := range c.DependsOn {
			if d == c.Name {
				out = append(out, Violation{Component: c.Name, Message: fmt.Sprintf("%s: %s depends on itself", r.File, c.Name)})
				continue
			}
			if _, ok := deps[d]; ok || by[d] != "" || matches(p.External, d) {
				continue
			}
			out = append(out, Violation{Component: c.Name, Warning: p.UnknownDependsOn == "warn",
				Message: fmt.Sprintf("%s: %s depends on %q, which is not in the release", r.File, c.Name, d)})
		}
	}
	// Depth-first search; a node met again while on the stack closes a cycle.
	state := map[string]int{} // 0 new, 1 on the stack, 2 done
	var stack []string
	var visit func(string)
	visit = func(n string) {
		state[n] = 1
		stack = append(stack, n)
		for _, d := range deps[n] {
			if d == n {
				continue // reported above
			}
			if _, ok := deps[d]; !ok && by[d] != "" {
				d = by[d] // a dependency on what a component installs is one on that component
			}
			if d == n {
				continue
			}
			switch state[d] {
			case 0:
				if _, ok := deps[d]; ok {
					visit(d)
				}
			case 1:
				i := slices.Index(stack, d)
				cycle := append(slices.Clone(stack[i:]), d)
				out = append(out, Violation{Component: d, Message: fmt.Sprintf("%s: dependsOn cycle: %s", r.File, strings.Join(cycle, " -> "))})
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
	}
	for _, c := range r.Components {
		if state[c.Name] == 0 {
			visit(c.Name)
		}
	}
	return out
}

// SetHash is the identity of a set of components: the SHA-256 of its "name@version" lines,
// sorted, each ending in a newline. The order the set is given in does not matter; Short is
// its first 8 hex digits.
func SetHash(components map[string]string) (full, short string) {
	lines := make([]string, 0, len(components))
	for name, version := range components {
		lines = append(lines, name+"@"+version+"\n")
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	full = hex.EncodeToString(sum[:])
	return full, full[:8]
}

// ImageName composes a name from component versions with a text/template, e.g.
// "flatcar-{{.flatcar}}-kube-{{.kubernetes}}-tooling-{{.tooling}}-gs". {{hash}} is the short
// SetHash of all the versions given. A name the template uses that has no version is an error,
// so the builder and the consumer cannot compute different names from different sets.
func ImageName(tmpl string, versions map[string]string) (string, error) {
	_, short := SetHash(versions)
	t, err := template.New("name").Option("missingkey=error").Funcs(template.FuncMap{
		"hash":   func() string { return short },
		"trimv":  func(s string) string { return strings.TrimPrefix(s, "v") },
		"dashes": func(s string) string { return strings.NewReplacer(".", "-", "+", "-", "_", "-").Replace(s) },
	}).Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("name template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, versions); err != nil {
		return "", fmt.Errorf("name template: %w", err)
	}
	return b.String(), nil
}

// ErrNotRelease is returned for a YAML document that is not a Giant Swarm Release.
var ErrNotRelease = errors.New("not a release.giantswarm.io Release")
