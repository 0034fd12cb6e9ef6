package policy

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"

	"github.com/releasekit/releasekit/manifest"
)

// Forbidden is a need no release bump meets: a rule that maps a change to it refuses that
// change in every release.
const Forbidden Bump = Major + 1

// Policy says, per component, the least release bump each kind of component change needs. The
// zero Policy is the strict semver one: Default() spells it out.
type Policy struct {
	// Default applies to a component no rule matches; an unset field is the strict semver need.
	Default Rule `yaml:"default"`
	// Rules are tried in order; the first whose Match has the component's name applies, and its
	// unset fields are Default's.
	Rules []Rule `yaml:"rules"`
	// External names what dependsOn may name outside the release: apps the cluster chart
	// installs itself (prometheus-operator-crd, kyverno-crds). Names may be globs.
	External []string `yaml:"external"`
	// Provides names, by component, the apps a component installs itself, which dependsOn may
	// name while that component is in the release: Giant Swarm's security-bundle installs
	// kyverno, its observability-bundle alloy-logs.
	Provides map[string][]string `yaml:"provides"`
	// UnknownDependsOn is "fail" (the default) or "warn": what a dependsOn name that is neither
	// in the release, nor provided by a component of it, nor External is.
	UnknownDependsOn string `yaml:"unknownDependsOn"`
	// Increase: the release version must go up; a release equal to the previous one fails.
	Increase bool `yaml:"increase"`
}

// Rule maps each class of component change to the least release bump it needs: "none",
// "patch", "minor", "major" or "forbidden".
type Rule struct {
	Pos manifest.Pos `yaml:"-"`
	// Match holds component names or path.Match globs ("cert-manager*").
	Match []string `yaml:"match"`
	// Scheme is how the component's versions compare: "semver" (the default); "series", where
	// the first number is a build series (Flatcar's 4459.2.1): a series change counts as minor
	// and any other as patch; or "opaque": unordered strings, where any change is a patch
	// change and none is a downgrade.
	Scheme    string `yaml:"scheme"`
	Major     string `yaml:"major"`
	Minor     string `yaml:"minor"`
	Patch     string `yaml:"patch"`
	Downgrade string `yaml:"downgrade"`
	Added     string `yaml:"added"`
	Removed   string `yaml:"removed"`
}

// Default is the strict semver policy: the release bumps at least as much as its largest
// component bump; a new component needs a minor release, a downgrade or a removal a major one.
func Default() *Policy {
	return &Policy{Default: Rule{Scheme: "semver", Major: "major", Minor: "minor", Patch: "patch", Downgrade: "major", Added: "minor", Removed: "major"}}
}

// ReadPolicy reads a policy file. Unknown fields, unknown needs or schemes, bad globs and a
// rule that matches nothing are errors at their position.
func ReadPolicy(data []byte, file string) (*Policy, error) {
	p := &Policy{}
	if err := manifest.DecodeYAML(data, file, p); err != nil {
		return nil, err
	}
	var errs []error
	if p.Default.Pos.Line == 0 {
		p.Default.Pos = manifest.Pos{File: file, Line: 1, Column: 1, Path: "default"}
	}
	if len(p.Default.Match) > 0 {
		errs = append(errs, p.Default.Pos.Errorf("match", "the default rule applies to every component; it takes no match"))
	}
	errs = append(errs, p.Default.check()...)
	for i, r := range p.Rules {
		if r.Pos.File == "" { // an empty entry
			r.Pos = manifest.Pos{File: file, Path: fmt.Sprintf("rules[%d]", i)}
		}
		if len(r.Match) == 0 {
			errs = append(errs, r.Pos.Errorf("match", "a rule needs at least one name or glob"))
		}
		errs = append(errs, r.check()...)
	}
	for i, g := range p.External {
		if _, err := path.Match(g, ""); err != nil {
			errs = append(errs, (manifest.Pos{File: file, Path: "external"}).Errorf(fmt.Sprint(i), "%q: %v", g, err))
		}
	}
	for _, c := range slices.Sorted(maps.Keys(p.Provides)) {
		if c == "" {
			errs = append(errs, (manifest.Pos{File: file, Path: "provides"}).Errorf(c, "a component needs a name"))
		}
		if len(p.Provides[c]) == 0 {
			errs = append(errs, (manifest.Pos{File: file, Path: "provides"}).Errorf(c, "names nothing: list the apps %s installs", c))
		}
		for i, name := range p.Provides[c] {
			if name == "" || name == c {
				errs = append(errs, (manifest.Pos{File: file, Path: "provides." + c}).Errorf(fmt.Sprint(i), "%q: want the name of another app", name))
			}
		}
	}
	switch p.UnknownDependsOn {
	case "", "fail", "warn":
	default:
		errs = append(errs, (manifest.Pos{File: file}).Errorf("unknownDependsOn", "%q: want fail or warn", p.UnknownDependsOn))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// check reports the rule's bad values.
func (r Rule) check() []error {
	var errs []error
	for _, g := range r.Match {
		if _, err := path.Match(g, ""); err != nil {
			errs = append(errs, r.Pos.Errorf("match", "%q: %v", g, err))
		}
	}
	switch r.Scheme {
	case "", "semver", "series", "opaque":
	default:
		errs = append(errs, r.Pos.Errorf("scheme", "%q: want semver, series or opaque", r.Scheme))
	}
	for _, f := range r.fields() {
		if _, err := parseNeed(*f.value); err != nil {
			errs = append(errs, r.Pos.Errorf(f.name, "%v", err))
		}
	}
	return errs
}

type ruleField struct {
	name  string
	value *string
}

func (r *Rule) fields() []ruleField {
	return []ruleField{{"major", &r.Major}, {"minor", &r.Minor}, {"patch", &r.Patch}, {"downgrade", &r.Downgrade}, {"added", &r.Added}, {"removed", &r.Removed}}
}

func parseNeed(s string) (Bump, error) {
	switch s {
	case "", "none":
		return None, nil
	case "patch":
		return Patch, nil
	case "minor":
		return Minor, nil
	case "major":
		return Major, nil
	case "forbidden":
		return Forbidden, nil
	}
	return 0, fmt.Errorf("%q: want none, patch, minor, major or forbidden", s)
}

// rule is the rule that applies to a component, its unset fields filled from Default and then
// from the strict semver policy.
func (p *Policy) rule(name string) Rule {
	r := p.Default
	for _, x := range p.Rules {
		if matches(x.Match, name) {
			r = x
			r.fill(p.Default)
			break
		}
	}
	r.fill(Default().Default)
	return r
}

func (r *Rule) fill(from Rule) {
	if r.Scheme == "" {
		r.Scheme = from.Scheme
	}
	mine, theirs := r.fields(), from.fields()
	for i := range mine {
		if *mine[i].value == "" {
			*mine[i].value = *theirs[i].value
		}
	}
}

func (r Rule) need(class string) Bump {
	for _, f := range r.fields() {
		if f.name == class {
			b, _ := parseNeed(*f.value) // checked when read
			return b
		}
	}
	return None
}

// classify is Classify under the rule's scheme; the class is one of major, minor, patch,
// downgrade, or "" for no change.
func (r Rule) classify(prev, next string) (string, error) {
	if r.Scheme == "opaque" {
		if prev == next {
			return "", nil
		}
		return "patch", nil
	}
	c, err := Classify(prev, next)
	if err != nil {
		return "", err
	}
	switch {
	case c.Downgrade:
		return "downgrade", nil
	case c.Bump == None:
		return "", nil
	case r.Scheme == "series" && c.Bump == Major:
		return "minor", nil
	case r.Scheme == "series":
		return "patch", nil
	}
	return c.Bump.String(), nil
}

func matches(globs []string, name string) bool {
	return slices.ContainsFunc(globs, func(g string) bool {
		ok, _ := path.Match(g, name)
		return ok
	})
}
