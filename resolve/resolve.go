package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/internal/fserr"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// ErrNoDirectory is returned when neither the manifest nor [WithDir] names a working directory.
var ErrNoDirectory = errors.New("no working directory: set directory in the manifest or use WithDir")

// ErrDirty is returned for a localpath repository with uncommitted changes that are not allowed.
var ErrDirty = errors.New("uncommitted changes (set allowDirty to build them)")

// ErrNoSpec is wrapped by the error of a dependency whose spec file is not in its tree: bad
// input, as a manifest problem is.
var ErrNoSpec = errors.New("no such build spec in the dependency")

// Result is a resolved release: the manifest with every dependency pinned, and its source trees.
type Result struct {
	// Manifest is the resolved manifest: every dependency has a full sha and a resolution record,
	// and build specs found in dependencies are merged into its build.
	Manifest *manifest.Manifest
	// Sources are the checked-out trees, sorted by name.
	Sources []Source
}

// Source is one dependency's tree at its resolved commit.
type Source struct {
	Name       string
	Dir        string
	SHA        string
	CommitTime time.Time
	Dirty      bool
	// Shallow is set when the commit came from a shallow history (Resolution.Shallow).
	Shallow bool
	// Repo is the git repository the commit was resolved in, with the remote's branches and
	// tags as of this run: the cache's copy of a git dependency, or a localpath repository.
	Repo string
}

// Time returns the newest commit time of the sources: the release's timestamp.
func (r *Result) Time() time.Time {
	var t time.Time
	for _, s := range r.Sources {
		if s.CommitTime.After(t) {
			t = s.CommitTime
		}
	}
	return t
}

// Dependencies resolves every dependency of m to an exact commit and checks it out under
// <dir>/sources/<name>. Auto rules are applied in the order their references require. m is
// not changed.
func Dependencies(ctx context.Context, m *manifest.Manifest, opts ...Option) (*Result, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if o.dir == "" {
		o.dir = m.Directory
	}
	if o.dir == "" {
		return nil, ErrNoDirectory
	}
	if o.cache == "" {
		o.cache = filepath.Join(o.dir, "cache")
	}
	levels, err := order(m)
	if err != nil {
		return nil, err
	}
	r := &resolver{
		o: o,
		m: m,
		cache: &cache{dir: o.cache, offline: o.offline, history: o.history, mirrors: o.mirrors, remotes: map[string]*remote{},
			progress: &fetchProgress{w: o.progress, interval: time.Second, now: time.Now}},
		sources: filepath.Join(o.dir, "sources"),
		done:    map[string]*Source{},
	}
	if err := os.MkdirAll(r.sources, 0o755); err != nil {
		return nil, err
	}
	out := m.Clone()
	// Where this run worked is not part of what the release is built from, and a host path in an
	// output would make two builds in different directories differ.
	out.Directory = ""
	for _, level := range levels {
		results := make([]*Source, len(level))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(o.jobs)
		for i, name := range level {
			g.Go(func() error {
				s, from, err := r.one(gctx, name)
				if err != nil {
					return fmt.Errorf("resolve %s: %w", name, err)
				}
				results[i] = s
				d := out.Dependencies[name]
				// The resolved manifest goes into the release: a URL's user information (a
				// token) never leaves the resolver.
				*d = manifest.Dependency{
					Git:              gitx.RedactURL(d.Git),
					LocalPath:        d.LocalPath,
					Sha:              s.SHA,
					GoVersionEnabled: d.GoVersionEnabled,
					AllowDirty:       d.AllowDirty,
					Resolved: &manifest.Resolution{
						From:       from,
						CommitTime: s.CommitTime.UTC().Format(time.RFC3339),
						Dirty:      s.Dirty,
						Spec:       d.Spec,
						Shallow:    s.Shallow,
					},
				}
				if s.Dirty {
					d.Resolved.From += " with uncommitted changes"
				}
				o.log.InfoContext(gctx, "resolved", "dependency", name, "sha", s.SHA, "from", from)
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		for i, name := range level {
			r.done[name] = results[i]
		}
	}
	if err := r.mergeSpecs(out); err != nil {
		return nil, err
	}
	res := &Result{Manifest: out}
	for _, name := range m.DependencyNames() {
		res.Sources = append(res.Sources, *r.done[name])
	}
	return res, nil
}

// order groups dependencies in levels: each level's auto rules read only earlier levels.
func order(m *manifest.Manifest) ([][]string, error) {
	level := map[string]int{}
	var depth func(name string, seen int) (int, error)
	depth = func(name string, seen int) (int, error) {
		if l, ok := level[name]; ok {
			return l, nil
		}
		if seen > len(m.Dependencies) {
			return 0, fmt.Errorf("resolve %s: auto rules form a cycle", name)
		}
		src := m.AutoSource(name)
		if src == "" {
			level[name] = 0
			return 0, nil
		}
		if _, ok := m.Dependencies[src]; !ok {
			return 0, fmt.Errorf("resolve %s: auto %s reads dependency %q, which is not declared", name, m.Dependencies[name].Auto, src)
		}
		l, err := depth(src, seen+1)
		if err != nil {
			return 0, err
		}
		level[name] = l + 1
		return l + 1, nil
	}
	var levels [][]string
	for _, name := range m.DependencyNames() {
		if m.Dependencies[name] == nil {
			return nil, fmt.Errorf("resolve %s: empty dependency", name)
		}
		l, err := depth(name, 0)
		if err != nil {
			return nil, err
		}
		for len(levels) <= l {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], name)
	}
	return levels, nil
}

type resolver struct {
	o       options
	m       *manifest.Manifest
	cache   *cache
	sources string
	done    map[string]*Source // written between levels only
}

// one resolves and checks out dependency name, returning its source and a description of what
// was resolved.
func (r *resolver) one(ctx context.Context, name string) (*Source, string, error) {
	d := r.m.Dependencies[name]
	dest := filepath.Join(r.sources, name)
	if d.LocalPath != "" {
		return r.local(ctx, name, d, dest)
	}
	rem, err := r.cache.remote(ctx, d.Git)
	if err != nil {
		return nil, "", err
	}
	repo := rem.git
	var sha, from string
	switch {
	case d.Auto != "":
		sha, from, err = r.auto(ctx, name, d, rem)
	case d.Sha != "":
		sha, err = r.commit(ctx, rem, d.Sha)
		from = "sha " + d.Sha
	case d.Tag != "":
		var ref string
		if sha, from, ref, err = tag(rem.refs, d.Tag); err == nil {
			err = r.cache.fetch(ctx, rem, sha, ref)
		}
	case d.Branch != "":
		var ok bool
		if sha, ok = rem.refs.heads[d.Branch]; !ok {
			err = fmt.Errorf("branch %q not found in %s", d.Branch, gitx.RedactURL(d.Git))
		} else {
			err = r.cache.fetch(ctx, rem, sha, "refs/heads/"+d.Branch)
		}
		from = "branch " + d.Branch
	default:
		err = errors.New("needs branch, sha, tag or auto")
	}
	if err != nil {
		return nil, "", err
	}
	// A ref per pinned commit keeps it in the cache and safe from git gc.
	if _, err := repo.Run(ctx, "update-ref", "refs/releasekit/"+sha, sha); err != nil {
		return nil, "", err
	}
	t, err := commitTime(ctx, repo, sha)
	if err != nil {
		return nil, "", err
	}
	if err := checkout(ctx, repo.Dir, dest, sha, gitx.RedactURL(d.Git), r.o.history); err != nil {
		return nil, "", err
	}
	return &Source{Name: name, Dir: dest, SHA: sha, CommitTime: t, Shallow: rem.shallow, Repo: repo.Dir}, from, nil
}

// commit expands rev (a full or abbreviated commit) to the full SHA of a commit of the remote
// and makes it present in the cache: a full SHA is fetched by itself; an abbreviated one is
// looked up in the cache, then among the remote's branch and tag commits, then in the whole
// history, fetched for it.
func (r *resolver) commit(ctx context.Context, rem *remote, rev string) (string, error) {
	if gitx.IsFullSHA(rev) {
		return rev, r.cache.fetch(ctx, rem, rev, "")
	}
	if sha, err := rem.git.Run(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}"); err == nil {
		return sha, nil
	}
	var matches []string
	for _, refs := range []map[string]string{rem.refs.heads, rem.refs.tags} {
		for _, sha := range refs {
			if strings.HasPrefix(sha, rev) && !slices.Contains(matches, sha) {
				matches = append(matches, sha)
			}
		}
	}
	if len(matches) == 1 {
		return matches[0], r.cache.fetch(ctx, rem, matches[0], "")
	}
	if err := r.cache.deepen(ctx, rem); err != nil {
		return "", err
	}
	sha, err := rem.git.Run(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		if rem.shallow {
			return "", fmt.Errorf("%s: remote is shallow; commit %s is not in it", gitx.RedactURL(rem.url), rev)
		}
		return "", fmt.Errorf("commit %s not found in %s", rev, gitx.RedactURL(rem.url))
	}
	return sha, nil
}

// tag resolves an exact tag, or else the highest tag matching a semver constraint, from the
// remote's tags. It returns the tag's ref, to fetch.
func tag(refs *refList, want string) (sha, from, ref string, err error) {
	if sha, ok := refs.tags[want]; ok {
		return sha, "tag " + want, "refs/tags/" + want, nil
	}
	if !IsConstraint(want) {
		return "", "", "", fmt.Errorf("tag %q not found", want)
	}
	best, err := LatestTag(slices.Collect(maps.Keys(refs.tags)), want)
	if err != nil {
		return "", "", "", err
	}
	return refs.tags[best], fmt.Sprintf("tag %s (%s)", best, want), "refs/tags/" + best, nil
}

// auto applies the dependency's auto rule to the already checked-out tree it reads.
func (r *resolver) auto(ctx context.Context, name string, d *manifest.Dependency, rem *remote) (sha, from string, err error) {
	a := r.m.AutoSources.WithDefaults()
	src := r.done[r.m.AutoSource(name)]
	read := func(file string) ([]byte, string, error) {
		data, err := os.ReadFile(filepath.Join(src.Dir, filepath.FromSlash(file)))
		return data, src.Name + "/" + file, err
	}
	fail := func(err error) (string, string, error) { return "", "", fmt.Errorf("auto %s: %w", d.Auto, err) }
	switch d.Auto {
	case manifest.AutoModules:
		data, file, err := read("go.mod")
		if err != nil {
			return fail(err)
		}
		path := d.Module
		if path == "" {
			host, err := MainModuleHost(data, file)
			if err != nil {
				return fail(err)
			}
			path = host + "/" + name
		}
		version, err := ModuleVersion(data, file, path)
		if err != nil {
			return fail(err)
		}
		rev, isTag, err := VersionRevision(version)
		if err != nil {
			return fail(err)
		}
		if isTag {
			var ok bool
			if sha, ok = rem.refs.tags[rev]; !ok {
				return fail(fmt.Errorf("%s %s: tag %s not found in %s", path, version, rev, gitx.RedactURL(d.Git)))
			}
			if err := r.cache.fetch(ctx, rem, sha, "refs/tags/"+rev); err != nil {
				return fail(err)
			}
		} else if sha, err = r.commit(ctx, rem, rev); err != nil {
			return fail(fmt.Errorf("%s %s: %w", path, version, err))
		}
		return sha, fmt.Sprintf("auto modules: %s %s in %s", path, version, file), nil
	case manifest.AutoDeps:
		data, file, err := read(a.DepsFile)
		if err != nil {
			return fail(err)
		}
		want, err := DepsSHA(data, file, name)
		if err != nil {
			return fail(err)
		}
		if sha, err = r.commit(ctx, rem, want); err != nil {
			return fail(err)
		}
		return sha, "auto deps: " + file, nil
	case manifest.AutoProxyWorkspace:
		data, file, err := read(a.WorkspaceFile)
		if err != nil {
			return fail(err)
		}
		want, err := WorkspaceSHA(data, file, a.WorkspaceKey)
		if err != nil {
			return fail(err)
		}
		if sha, err = r.commit(ctx, rem, want); err != nil {
			return fail(err)
		}
		return sha, fmt.Sprintf("auto proxy_workspace: %s %s", file, a.WorkspaceKey), nil
	}
	return fail(errors.New("unknown resolver"))
}

func commitTime(ctx context.Context, repo *gitx.Git, sha string) (time.Time, error) {
	out, err := repo.Run(ctx, "show", "-s", "--format=%ct", sha)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(out, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, fmt.Errorf("commit %s has no commit time (%q)", sha, out)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// mergeSpecs reads the build spec file of every dependency that names one and merges it into
// the resolved manifest, in dependency name order.
func (r *resolver) mergeSpecs(out *manifest.Manifest) error {
	var errs []error
	for _, name := range r.m.DependencyNames() {
		spec := r.m.Dependencies[name].Spec
		if spec == "" {
			continue
		}
		// Inside the dependency's tree: a spec that is a link out is not read.
		f, err := os.OpenInRoot(r.done[name].Dir, filepath.FromSlash(spec))
		if err != nil {
			errs = append(errs, fmt.Errorf("resolve %s: spec %s: %w: %w", name, spec, ErrNoSpec, fserr.Unwrap(err)))
			continue
		}
		b, err := manifest.ParseSpec(f, name+"/"+spec, out, name)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.Build.Merge(*b, name)
	}
	return errors.Join(errs...)
}
