package branch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/template"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// ErrInput is wrapped by errors of input Run cannot work with (a version that is no branch
// name, a repository without a git URL); plan problems are [*manifest.Error]s instead.
var ErrInput = errors.New("bad input")

// ErrNoWorkDir is returned when neither the manifest nor [WithWorkDir] names a working directory.
var ErrNoWorkDir = errors.New("no working directory: set directory in the manifest or use WithWorkDir")

// Report is what a step did, or would do in a dry run, in every repository it touched.
type Report struct {
	Step   int
	DryRun bool
	// Repos are sorted by name.
	Repos []Outcome
}

// Outcome is one repository's part of a step.
type Outcome struct {
	Repo string
	// Base says what the repository was checked out at (e.g. "branch master"), and Commit is
	// that commit.
	Base, Commit string
	// Done lists what was done (or would be) in order: branches created or found, files
	// changed, the commit, the push and the pull request.
	Done []string
	// Diff is the unified diff of the step's changes; empty when there are none.
	Diff string
	// Err is why the repository failed; the others still ran.
	Err error
}

// Err returns the failed repositories' errors joined, or nil.
func (r *Report) Err() error {
	var errs []error
	for _, o := range r.Repos {
		if o.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.Repo, o.Err))
		}
	}
	return errors.Join(errs...)
}

// Write prints the report for people: per repository what was done and its diff.
func (r *Report) Write(w io.Writer) error {
	mode := ""
	if r.DryRun {
		mode = " (dry run)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "step %d%s: %s\n", r.Step, mode, plural(len(r.Repos), "repository", "repositories"))
	for _, o := range r.Repos {
		fmt.Fprintf(&b, "\n== %s: %s at %s\n", o.Repo, o.Base, short(o.Commit))
		for _, d := range o.Done {
			fmt.Fprintf(&b, "   %s\n", d)
		}
		if o.Err != nil {
			fmt.Fprintf(&b, "   FAILED: %v\n", o.Err)
		}
		if o.Diff != "" {
			b.WriteString(o.Diff)
			if !strings.HasSuffix(o.Diff, "\n") {
				b.WriteString("\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// repository is a repository of a run: its URL and fixed base, from the manifest and the plan.
type repository struct {
	name, url, base string
	dep             *manifest.Dependency // the manifest's entry, if any
}

// Run runs step n of plan p for version (e.g. "1.19") over the repositories of m (which may be
// nil when the plan lists them) and the plan. A dry run (the default) clones and applies the
// actions but pushes nothing. Bad input (a step the plan does not have, a repository it does
// not know) fails before anything is cloned. Every repository runs; the error joins those that
// failed, and the report says what each did.
func Run(ctx context.Context, p *Plan, m *manifest.Manifest, version string, n int, opts ...Option) (*Report, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("branch: nil plan")
	}
	if version == "" || strings.ContainsAny(version, " \t\n/~^:?*[\\") {
		return nil, fmt.Errorf("%w: version %q: want a version such as 1.19", ErrInput, version)
	}
	step, err := p.StepOf(n)
	if err != nil {
		return nil, err
	}
	if o.work == "" && m != nil {
		o.work = m.Directory
	}
	if o.work == "" {
		return nil, ErrNoWorkDir
	}
	repos, err := p.repositories(m)
	if err != nil {
		return nil, err
	}
	data := Data{Version: version, VersionDashes: strings.ReplaceAll(version, ".", "-"), Step: n}
	if data.Branch, err = expand(p.Branch, data); err != nil {
		return nil, err
	}
	work, err := p.selectRepos(step, repos)
	if err != nil {
		return nil, err
	}
	res, asked, err := resolveStep(ctx, o, m, step, repos, work, data)
	if err != nil {
		return nil, err
	}
	r := &runner{o: o, p: p, step: step, data: data, repos: repos, sources: map[string]resolve.Source{}, asked: asked, resolved: res.Manifest}
	for _, s := range res.Sources {
		r.sources[s.Name] = s
	}
	report := &Report{Step: n, DryRun: o.dryRun, Repos: make([]Outcome, len(work.names))}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs)
	for i, name := range work.names {
		g.Go(func() error {
			report.Repos[i] = r.run(gctx, name, work.actions[name])
			return nil
		})
	}
	_ = g.Wait() // each repository's error is in its outcome
	if err := ctx.Err(); err != nil {
		return report, err
	}
	return report, report.Err()
}

// repositories merges the manifest's dependencies and the plan's repositories.
func (p *Plan) repositories(m *manifest.Manifest) (map[string]*repository, error) {
	out := map[string]*repository{}
	if m != nil {
		for name, d := range m.Dependencies {
			out[name] = &repository{name: name, url: d.Git, dep: d}
		}
	}
	var errs []error
	for _, name := range sortedKeys(p.Repositories) {
		pr := p.Repositories[name]
		r := out[name]
		if r == nil {
			r = &repository{name: name}
			out[name] = r
		}
		if pr.Git != "" {
			r.url = pr.Git
		}
		r.base = pr.Base
	}
	for _, name := range sortedKeys(out) {
		if out[name].url == "" {
			errs = append(errs, fmt.Errorf("%w: repository %s: no git URL (a localpath dependency cannot be branched; give its git URL in the plan's repositories)", ErrInput, name))
		}
	}
	return out, errors.Join(errs...)
}

// selection is, per repository a step runs in, its actions in order.
type selection struct {
	names   []string
	actions map[string][]*Action
	// refs are repositories only read (a gomod action's repo).
	refs []string
}

// selectRepos finds the repositories of each action; a name the run does not know is an error at
// the action's position.
func (p *Plan) selectRepos(step *Step, repos map[string]*repository) (*selection, error) {
	s := &selection{actions: map[string][]*Action{}}
	var errs []*manifest.Error
	known := func(a *Action, field string, names []string) {
		for i, name := range names {
			if repos[name] == nil {
				errs = append(errs, a.Pos.Errorf(fmt.Sprintf("%s[%d]", field, i), "unknown repository %q (have %s)", name, strings.Join(sortedKeys(repos), ", ")))
			}
		}
	}
	for i := range step.Actions {
		a := &step.Actions[i]
		known(a, "repos", a.Repos)
		known(a, "except", a.Except)
		if a.GoMod != nil && a.GoMod.Repo != "" {
			known(a, "gomod.repo", []string{a.GoMod.Repo})
			s.refs = append(s.refs, a.GoMod.Repo)
		}
		names := a.Repos
		if len(names) == 0 {
			for _, name := range sortedKeys(repos) {
				if !slices.Contains(a.Except, name) {
					names = append(names, name)
				}
			}
		}
		for _, name := range names {
			if repos[name] != nil {
				s.actions[name] = append(s.actions[name], a)
			}
		}
	}
	if len(errs) > 0 {
		return nil, manifest.Join(errs...)
	}
	s.names = sortedKeys(s.actions)
	return s, nil
}

// resolveStep checks out every repository the step works in or reads, at the step's base. It
// returns the result and what was asked of each repository (its branch, tag or sha).
func resolveStep(ctx context.Context, o options, m *manifest.Manifest, step *Step, repos map[string]*repository, work *selection, data Data) (*resolve.Result, map[string]*manifest.Dependency, error) {
	base, err := expand(step.Base, data)
	if err != nil {
		return nil, nil, err
	}
	dep := func(name string) (*manifest.Dependency, error) {
		r := repos[name]
		d := &manifest.Dependency{Git: r.url}
		switch {
		case r.base != "":
			d.Branch = r.base
		case base != "":
			d.Branch = base
		case r.dep != nil:
			d.Branch, d.Sha, d.Tag, d.Auto, d.Module = r.dep.Branch, r.dep.Sha, r.dep.Tag, r.dep.Auto, r.dep.Module
		default:
			return nil, fmt.Errorf("%s: repository %s: the step names no base and the manifest does not have it", step.Pos.Path, name)
		}
		return d, nil
	}
	names := slices.Concat(work.names, work.refs)
	rm := &manifest.Manifest{Version: data.Version, Dependencies: map[string]*manifest.Dependency{}}
	if base == "" && m != nil {
		// As the manifest says, auto rules included: they read other dependencies, so resolve
		// them all.
		rm.AutoSources = m.AutoSources
		names = append(names, m.DependencyNames()...)
	}
	for _, name := range names {
		if rm.Dependencies[name] != nil {
			continue
		}
		d, err := dep(name)
		if err != nil {
			return nil, nil, err
		}
		rm.Dependencies[name] = d
	}
	// Branch actions read tags and history (a tag's commit, a module's newest tag).
	ropts := []resolve.Option{resolve.WithDir(o.work), resolve.WithJobs(o.jobs), resolve.WithLogger(o.log), resolve.WithHistory()}
	if o.cache != "" {
		ropts = append(ropts, resolve.WithCacheDir(o.cache))
	}
	res, err := resolve.Dependencies(ctx, rm, ropts...)
	return res, rm.Dependencies, err
}

// runner runs one step in one repository at a time.
type runner struct {
	o        options
	p        *Plan
	step     *Step
	data     Data
	repos    map[string]*repository
	sources  map[string]resolve.Source
	asked    map[string]*manifest.Dependency
	resolved *manifest.Manifest
}

func (r *runner) run(ctx context.Context, name string, actions []*Action) Outcome {
	src := r.sources[name]
	out := Outcome{Repo: name, Base: r.resolved.Dependencies[name].Resolved.From, Commit: src.SHA}
	data := r.data
	data.Repo = name
	rr := &repoRun{runner: r, name: name, src: src, data: data, url: r.repos[name].url, out: &out}
	out.Err = rr.do(ctx, actions)
	return out
}

func expand(text string, data Data) (string, error) {
	if text == "" {
		return "", nil
	}
	t, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// commitEnv is the environment of a step's commit: its author, and the base commit's time, so
// that the same step makes the same commit on every run and a rerun pushes nothing new.
func (r *runner) commitEnv(t time.Time) []string {
	date := t.UTC().Format(time.RFC3339)
	name, email := r.o.author[0], r.o.author[1]
	return []string{
		"GIT_AUTHOR_NAME=" + name, "GIT_AUTHOR_EMAIL=" + email, "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=" + name, "GIT_COMMITTER_EMAIL=" + email, "GIT_COMMITTER_DATE=" + date,
	}
}
