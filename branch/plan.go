package branch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/mod/module"

	"github.com/releasekit/releasekit/manifest"
)

// Plan is a branch plan: the repositories of a release and the numbered steps that cut its
// branches. Its YAML form is documented in the README; [Load] reads it.
type Plan struct {
	// Branch names the release branch, a template of .Version and .VersionDashes; its value is
	// .Branch in every other template. Default: "release-{{.Version}}".
	Branch string `yaml:"branch"`
	// WorkBranch names the branch a step's changes are pushed to for a pull request. Default:
	// "automatedBranchStep{{.Step}}".
	WorkBranch string `yaml:"workBranch"`
	// Title is the pull request's title and the commit's message. Default: "Automated
	// branching step {{.Step}}". A step may set its own.
	Title string `yaml:"title"`
	// Body is the pull request's body. Default: empty.
	Body string `yaml:"body"`
	// Repositories adds repositories to a manifest's dependencies, or changes them (a fixed base
	// branch). Without a manifest they are the whole list.
	Repositories map[string]*Repository `yaml:"repositories"`
	// Steps are numbered 1 to N, each once.
	Steps []Step `yaml:"steps"`

	file string
}

// Repository is one repository of a plan.
type Repository struct {
	Pos manifest.Pos `yaml:"-"`
	// Git is the repository's URL; default: the manifest dependency's.
	Git string `yaml:"git"`
	// Base, when set, is this repository's base branch in every step, whatever the step says:
	// a repository that is never branched (Istio's test-infra stays on master).
	Base string `yaml:"base"`
}

// Step is one numbered step: actions run in every repository they name, then each repository
// with changes gets one commit on the work branch and a pull request into its base.
type Step struct {
	Pos  manifest.Pos `yaml:"-"`
	Step int          `yaml:"step"`
	// Base is the branch each repository is checked out at, a template (e.g. "master", or
	// "{{.Branch}}" once the release branches exist). Empty means as the manifest's dependency
	// says (its branch, tag or sha): the release's resolved commits.
	Base string `yaml:"base"`
	// Title overrides the plan's Title for this step.
	Title   string   `yaml:"title"`
	Actions []Action `yaml:"actions"`
}

// Action is one change made in some repositories. Exactly one of Branch, Run, Replace, Set,
// Write and GoMod is set.
type Action struct {
	Pos manifest.Pos `yaml:"-"`
	// Repos names the repositories the action runs in; empty means all but Except.
	Repos  []string `yaml:"repos"`
	Except []string `yaml:"except"`

	Branch  *CreateBranch `yaml:"branch"`
	Run     *Command      `yaml:"run"`
	Replace *Replace      `yaml:"replace"`
	Set     *Set          `yaml:"set"`
	Write   *Write        `yaml:"write"`
	GoMod   *GoMod        `yaml:"gomod"`
}

// CreateBranch creates a branch in the remote repository (not through a pull request). A
// branch that exists at the same commit is left alone; at another commit it is refused.
type CreateBranch struct {
	Pos manifest.Pos `yaml:"-"`
	// Name is the branch, a template. Default: "{{.Branch}}".
	Name string `yaml:"name"`
	// Tag, a template, creates the branch at the commit of this tag (Kubernetes-CSI's
	// release-X.Y from vX.Y.0). Default: the step's resolved commit.
	Tag string `yaml:"tag"`
}

// Command runs a command in the repository's checkout, with only the environment the caller gives
// ([WithEnv]) and Env.
type Command struct {
	Pos manifest.Pos `yaml:"-"`
	// Args is the command and its arguments, each a template.
	Args []string `yaml:"args"`
	// Dir is the folder in the checkout to run in. Default: its root.
	Dir string `yaml:"dir"`
	// Env adds variables; values are templates.
	Env map[string]string `yaml:"env"`
	// EnvFiles adds variables set to the contents of files of the checkout, without the
	// surrounding white space (Istio's "make gen" runs with VERSION from its VERSION file).
	EnvFiles map[string]string `yaml:"envFiles"`
}

// Replace replaces matches of a regular expression in files.
type Replace struct {
	Pos   manifest.Pos `yaml:"-"`
	Files []string     `yaml:"files"`
	// Pattern is an RE2 expression in multi-line mode: ^ and $ match at line ends.
	Pattern string `yaml:"pattern"`
	// With is the replacement, a template, then expanded with ${1} for the pattern's groups.
	With string `yaml:"with"`
	// Except leaves alone the matches in which this expression matches.
	Except string `yaml:"except"`
	// Count is how many matches each file must have, so that a pattern that no longer matches
	// fails rather than doing nothing. Default: at least one.
	Count int `yaml:"count"`
	// Optional names files of Files that may have no match: files a step has always edited
	// that no longer carry the pattern at every version (release-builder's
	// release/build-base-images.sh). They must still exist.
	Optional []string `yaml:"optional"`
	// NewestTag, when set, is the image tag With names as .Tag.
	NewestTag *NewestTag `yaml:"newestTag"`
}

// NewestTag picks the newest tag of an image repository that matches a pattern: the one
// whose image (for an index, its first image) was created last. Two candidates created at the
// same time are refused, since neither is the newest. The registry is read in dry runs too.
type NewestTag struct {
	Pos manifest.Pos `yaml:"-"`
	// Image is the repository, a template, e.g. gcr.io/istio-testing/build-tools.
	Image string `yaml:"image"`
	// Match is an RE2 expression, a template, that a whole tag must match, e.g.
	// '{{.Branch}}-[0-9a-f]{40}' (a build of the release branch, no per-architecture tag).
	Match string `yaml:"match"`
}

// Set writes values into a YAML file, each at a path such as "image.tag" or
// "dependencies[0].version" that must exist, keeping comments, quoting and key order.
type Set struct {
	Pos  manifest.Pos `yaml:"-"`
	File string       `yaml:"file"`
	// Values maps a path to its new value, a template.
	Values map[string]string `yaml:"values"`
}

// Write writes a file from a template.
type Write struct {
	Pos     manifest.Pos `yaml:"-"`
	File    string       `yaml:"file"`
	Content string       `yaml:"content"`
	// Keep leaves a file that exists as it is (a stub written once).
	Keep bool `yaml:"keep"`
}

// GoMod requires a module at a version in a go.mod file.
type GoMod struct {
	Pos manifest.Pos `yaml:"-"`
	// File is the go.mod file. Default: go.mod.
	File   string `yaml:"file"`
	Module string `yaml:"module"`
	// Version is a semantic version, or empty when Repo gives it.
	Version string `yaml:"version"`
	// Repo names a repository of the plan that holds the module: the version is its tag at its
	// resolved commit (or at Ref's head), else a pseudo-version from its newest v* tag.
	Repo string `yaml:"repo"`
	// Ref is a branch of Repo whose head is required. Default: Repo's resolved commit.
	Ref string `yaml:"ref"`
}

// Data is what templates see.
type Data struct {
	// Version is the version being branched, e.g. "1.19".
	Version string
	// Branch is the release branch, e.g. "release-1.19".
	Branch string
	// VersionDashes is Version with dots as dashes, e.g. "1-19".
	VersionDashes string
	// Step is the step's number.
	Step int
	// Repo is the repository's name in the plan.
	Repo string
	// Tag is the tag a replace action's newestTag picked; other templates cannot name it.
	Tag string
}

var dataFields = []string{"Version", "Branch", "VersionDashes", "Step", "Repo"}

// maxPlan bounds what Load reads.
const maxPlan = 1 << 20

// Load reads a plan file; see [Parse].
func Load(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, filepath.Base(path))
}

// Parse reads a plan. Every problem (an unknown field or action, a regular expression that
// does not compile, a template field that does not exist, a missing step number) is reported
// at once, each a [*manifest.Error] at file:line:col.
func Parse(r io.Reader, file string) (*Plan, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPlan+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > maxPlan {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, maxPlan)
	}
	p := &Plan{file: file}
	if err := manifest.DecodeYAML(data, file, p); err != nil {
		return nil, err
	}
	if p.Branch == "" {
		p.Branch = "release-{{.Version}}"
	}
	if p.WorkBranch == "" {
		p.WorkBranch = "automatedBranchStep{{.Step}}"
	}
	if p.Title == "" {
		p.Title = "Automated branching step {{.Step}}"
	}
	c := &checker{file: file, top: manifest.Pos{File: file, Line: 1, Column: 1}}
	c.check(p)
	if len(c.errs) > 0 {
		return nil, manifest.Join(c.errs...)
	}
	return p, nil
}

// checker gathers a plan's problems.
type checker struct {
	file string
	top  manifest.Pos
	errs []*manifest.Error
}

// at is pos, or for an entry left empty (null) in the file, its parent's position.
func (c *checker) at(pos, parent manifest.Pos, path string) manifest.Pos {
	if pos.File == "" {
		pos = parent
		pos.Path = path
	}
	return pos
}

func (c *checker) add(pos manifest.Pos, field, format string, args ...any) {
	c.errs = append(c.errs, pos.Errorf(field, format, args...))
}

func (c *checker) template(pos manifest.Pos, field, s string, fields []string) {
	for _, msg := range manifest.CheckTemplate(s, fields, "") {
		c.add(pos, field, "%s", msg)
	}
}

func (c *checker) local(pos manifest.Pos, field, p string) {
	if !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, "\\") {
		c.add(pos, field, "%q: want a relative path inside the repository", p)
	}
}

func (c *checker) check(p *Plan) {
	top := c.top
	c.template(top, "branch", p.Branch, []string{"Version", "VersionDashes"})
	c.template(top, "workBranch", p.WorkBranch, dataFields)
	c.template(top, "title", p.Title, dataFields)
	c.template(top, "body", p.Body, dataFields)
	for _, name := range sortedKeys(p.Repositories) {
		r := p.Repositories[name]
		if r == nil {
			p.Repositories[name] = &Repository{}
			continue
		}
		pos := c.at(r.Pos, top, "repositories."+name)
		if strings.ContainsAny(r.Base, " \t~^:?*[\\") {
			c.add(pos, "base", "%q is not a branch name", r.Base)
		}
	}
	if len(p.Steps) == 0 {
		c.add(top, "steps", "a plan needs at least one step")
	}
	seen := map[int]bool{}
	for i := range p.Steps {
		s := &p.Steps[i]
		pos := c.at(s.Pos, top, fmt.Sprintf("steps[%d]", i))
		switch {
		case s.Step < 1 || s.Step > len(p.Steps):
			c.add(pos, "step", "want a step number from 1 to %d, not %d", len(p.Steps), s.Step)
		case seen[s.Step]:
			c.add(pos, "step", "step %d is declared twice", s.Step)
		}
		seen[s.Step] = true
		c.template(pos, "base", s.Base, dataFields)
		c.template(pos, "title", s.Title, dataFields)
		if len(s.Actions) == 0 {
			c.add(pos, "actions", "a step needs at least one action")
		}
		for j := range s.Actions {
			c.action(&s.Actions[j], c.at(s.Actions[j].Pos, pos, fmt.Sprintf("%s.actions[%d]", pos.Path, j)))
		}
	}
	for n := 1; n <= len(p.Steps); n++ {
		if !seen[n] {
			c.add(top, "steps", "step %d is missing (steps are numbered 1 to %d)", n, len(p.Steps))
		}
	}
}

func (c *checker) action(a *Action, pos manifest.Pos) {
	if len(a.Repos) > 0 && len(a.Except) > 0 {
		c.add(pos, "except", "give repos or except, not both")
	}
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{{"branch", a.Branch != nil}, {"run", a.Run != nil}, {"replace", a.Replace != nil}, {"set", a.Set != nil}, {"write", a.Write != nil}, {"gomod", a.GoMod != nil}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) != 1 {
		c.add(pos, "", "want exactly one of branch, run, replace, set, write, gomod; got %d", len(kinds))
		return
	}
	sub := func(p manifest.Pos, field string) manifest.Pos { return c.at(p, pos, pos.Path+"."+field) }
	switch {
	case a.Branch != nil:
		b := a.Branch
		if b.Name == "" {
			b.Name = "{{.Branch}}"
		}
		p := sub(b.Pos, "branch")
		c.template(p, "name", b.Name, dataFields)
		c.template(p, "tag", b.Tag, dataFields)
	case a.Run != nil:
		r := a.Run
		p := sub(r.Pos, "run")
		if len(r.Args) == 0 {
			c.add(p, "args", "want a command")
		}
		for i, s := range r.Args {
			c.template(p, fmt.Sprintf("args[%d]", i), s, dataFields)
		}
		if r.Dir != "" {
			c.local(p, "dir", r.Dir)
		}
		for _, k := range sortedKeys(r.Env) {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				c.add(p, "env", "%q is not a variable name", k)
			}
			c.template(p, "env."+k, r.Env[k], dataFields)
		}
		for _, k := range sortedKeys(r.EnvFiles) {
			if k == "" || strings.ContainsAny(k, "=\x00") {
				c.add(p, "envFiles", "%q is not a variable name", k)
			}
			if _, ok := r.Env[k]; ok {
				c.add(p, "envFiles."+k, "%s is also in env", k)
			}
			c.fileName(p, "envFiles."+k, r.EnvFiles[k])
		}
	case a.Replace != nil:
		r := a.Replace
		p := sub(r.Pos, "replace")
		if len(r.Files) == 0 {
			c.add(p, "files", "want at least one file")
		}
		for i, f := range r.Files {
			c.fileName(p, fmt.Sprintf("files[%d]", i), f)
		}
		if r.Pattern == "" {
			c.add(p, "pattern", "want a regular expression")
		} else if _, err := regexp.Compile(r.Pattern); err != nil {
			c.add(p, "pattern", "%v", err)
		}
		if r.Except != "" {
			if _, err := regexp.Compile(r.Except); err != nil {
				c.add(p, "except", "%v", err)
			}
		}
		withFields := dataFields
		if t := r.NewestTag; t != nil {
			withFields = append(slices.Clip(dataFields), "Tag")
			tp := sub(t.Pos, "replace.newestTag")
			if t.Image == "" {
				c.add(tp, "image", "want an image repository")
			}
			c.template(tp, "image", t.Image, dataFields)
			if t.Match == "" {
				c.add(tp, "match", "want a regular expression")
			} else if _, err := regexp.Compile(t.Match); err != nil && !strings.Contains(t.Match, "{{") {
				c.add(tp, "match", "%v", err)
			}
			c.template(tp, "match", t.Match, dataFields)
		}
		c.template(p, "with", r.With, withFields)
		if r.Count < 0 {
			c.add(p, "count", "want a count from 1, or none for at least one")
		}
		for i, f := range r.Optional {
			if !slices.Contains(r.Files, f) {
				c.add(p, fmt.Sprintf("optional[%d]", i), "%q is not one of files", f)
			}
		}
	case a.Set != nil:
		s := a.Set
		p := sub(s.Pos, "set")
		c.fileName(p, "file", s.File)
		if len(s.Values) == 0 {
			c.add(p, "values", "want at least one path and value")
		}
		for _, k := range sortedKeys(s.Values) {
			c.template(p, "values."+k, s.Values[k], dataFields)
		}
	case a.Write != nil:
		w := a.Write
		p := sub(w.Pos, "write")
		c.fileName(p, "file", w.File)
		c.template(p, "content", w.Content, dataFields)
	case a.GoMod != nil:
		g := a.GoMod
		if g.File == "" {
			g.File = "go.mod"
		}
		p := sub(g.Pos, "gomod")
		c.fileName(p, "file", g.File)
		if err := module.CheckPath(g.Module); err != nil {
			c.add(p, "module", "%v", err)
		}
		switch {
		case (g.Version == "") == (g.Repo == ""):
			c.add(p, "", "want version or repo, one of them")
		case g.Version != "" && g.Ref != "":
			c.add(p, "ref", "ref goes with repo, not version")
		case g.Version != "":
			if err := module.Check(g.Module, g.Version); err != nil {
				c.add(p, "version", "%v", err)
			}
		}
	}
}

// file checks a file name, which may be a template (a changelog named after the version): its
// shape is checked here, and its value, once expanded, stays inside the checkout when used.
func (c *checker) fileName(pos manifest.Pos, field, f string) {
	if f == "" {
		c.add(pos, field, "want a file")
		return
	}
	c.template(pos, field, f, dataFields)
	c.local(pos, field, strings.NewReplacer("{{", "", "}}", "").Replace(f))
}

// StepOf returns the step numbered n.
func (p *Plan) StepOf(n int) (*Step, error) {
	for i := range p.Steps {
		if p.Steps[i].Step == n {
			return &p.Steps[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %d (the plan has steps 1 to %d)", ErrNoStep, n, len(p.Steps))
}

// ErrNoStep is returned for a step number the plan does not have.
var ErrNoStep = errors.New("no such step")

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
