package branch

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/internal/yamledit"
	"github.com/releasekit/releasekit/resolve"
)

// maxFile bounds a file an action reads.
const maxFile = 16 << 20

// repoRun is one repository's part of a step.
type repoRun struct {
	*runner
	name string
	src  resolve.Source
	data Data
	url  string
	out  *Outcome
}

func (r *repoRun) say(format string, args ...any) {
	r.out.Done = append(r.out.Done, fmt.Sprintf(format, args...))
}

// git runs git in the checkout; its commits are the step's (author and date fixed). Pushes use
// the caller's git configuration, credential helpers included.
func (r *repoRun) git() *gitx.Git { return gitx.At(r.src.Dir, r.commitEnv(r.src.CommitTime)...) }

// do runs the actions, then commits, pushes and opens the pull request for what changed.
func (r *repoRun) do(ctx context.Context, actions []*Action) error {
	root, err := os.OpenRoot(r.src.Dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, a := range actions {
		if err := r.action(ctx, root, a); err != nil {
			return fmt.Errorf("%s: %w", a.Pos.Path, err)
		}
	}
	g := r.git()
	if _, err := g.Run(ctx, "add", "--all"); err != nil {
		return err
	}
	diff, err := g.Output(ctx, "diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/")
	if err != nil {
		return err
	}
	if len(diff) == 0 {
		if slices.ContainsFunc(actions, func(a *Action) bool { return a.Branch == nil }) {
			r.say("no changes")
		}
		return nil
	}
	r.out.Diff = string(diff)
	return r.propose(ctx, g)
}

func (r *repoRun) action(ctx context.Context, root *os.Root, a *Action) error {
	switch {
	case a.Branch != nil:
		return r.branch(ctx, a.Branch)
	case a.Run != nil:
		return r.command(ctx, root, a.Run)
	case a.Replace != nil:
		return r.replace(ctx, root, a.Replace)
	case a.Set != nil:
		return r.set(root, a.Set)
	case a.Write != nil:
		return r.write(root, a.Write)
	case a.GoMod != nil:
		return r.gomod(ctx, root, a.GoMod)
	}
	return errors.New("empty action")
}

// remoteHead returns the commit of refs/heads/name at url, or "" when there is none.
func remoteHead(ctx context.Context, url, name string) (string, error) {
	out, err := gitx.At("").Run(ctx, "ls-remote", "--heads", url, "refs/heads/"+name)
	if err != nil {
		return "", err
	}
	sha, _, _ := strings.Cut(out, "\t")
	return sha, nil
}

// push sets refs/heads/name at url to sha, if it is still at was ("" for a new branch).
func (r *repoRun) push(ctx context.Context, url, sha, name, was string) error {
	_, err := r.git().Run(ctx, "push", "--quiet", "--no-verify", "--force-with-lease=refs/heads/"+name+":"+was, url, sha+":refs/heads/"+name)
	return err
}

// branch creates a branch at the step's commit or a tag's; one that exists at the same commit is
// left alone, at another refused.
func (r *repoRun) branch(ctx context.Context, b *CreateBranch) error {
	name, err := expand(b.Name, r.data)
	if err != nil {
		return err
	}
	sha, at := r.src.SHA, "the step's commit"
	if b.Tag != "" {
		tag, err := expand(b.Tag, r.data)
		if err != nil {
			return err
		}
		sha, err = gitx.At(r.src.Repo).Run(ctx, "rev-parse", "--verify", "--quiet", "refs/tags/"+tag+"^{commit}")
		if err != nil {
			return fmt.Errorf("branch %s: tag %s not found", name, tag)
		}
		at = "tag " + tag
	}
	url := r.o.pushURL(r.name, r.url)
	have, err := remoteHead(ctx, url, name)
	switch {
	case err != nil:
		return err
	case have == sha:
		r.say("branch %s exists at %s (%s): nothing to do", name, short(sha), at)
		return nil
	case have != "":
		return fmt.Errorf("branch %s exists at %s, not at %s (%s): refusing to move it", name, have, sha, at)
	case r.o.dryRun:
		r.say("would create branch %s at %s (%s)", name, short(sha), at)
		return nil
	}
	if err := r.push(ctx, url, sha, name, ""); err != nil {
		return fmt.Errorf("create branch %s: %w", name, err)
	}
	r.say("created branch %s at %s (%s)", name, short(sha), at)
	return nil
}

// command runs a run action in the checkout, with the fixed environment.
func (r *repoRun) command(ctx context.Context, root *os.Root, run *Command) error {
	args := make([]string, len(run.Args))
	for i, a := range run.Args {
		var err error
		if args[i], err = expand(a, r.data); err != nil {
			return err
		}
	}
	dir := r.src.Dir
	if run.Dir != "" {
		// Stat through the root: a folder that leads out of the checkout is refused.
		fi, err := root.Stat(run.Dir)
		if err != nil {
			return fmt.Errorf("run: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("run: %s is not a folder", run.Dir)
		}
		dir = r.src.Dir + string(os.PathSeparator) + run.Dir
	}
	// Never nil: a nil environment would be this process's, tokens and all.
	env := append([]string{}, r.o.env...)
	for _, k := range sortedKeys(run.Env) {
		v, err := expand(run.Env[k], r.data)
		if err != nil {
			return err
		}
		env = append(env, k+"="+v)
	}
	for _, k := range sortedKeys(run.EnvFiles) {
		name, err := expand(run.EnvFiles[k], r.data)
		if err != nil {
			return err
		}
		data, _, err := readFile(root, name)
		if err != nil {
			return fmt.Errorf("run: envFiles.%s: %w", k, err)
		}
		v := strings.TrimSpace(string(data))
		if strings.ContainsRune(v, 0) {
			return fmt.Errorf("run: envFiles.%s: %s holds a NUL byte", k, name)
		}
		env = append(env, k+"="+v)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("run %s: %w: %s", strings.Join(args, " "), err, gitx.Redact(tail(output.String(), 2000)))
	}
	r.say("ran %s", strings.Join(args, " "))
	return nil
}

// tail returns the end of s, at most n bytes.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// readFile reads a file of the checkout through root, bounded.
func readFile(root *os.Root, name string) ([]byte, fs.FileMode, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxFile {
		return nil, 0, fmt.Errorf("%s: larger than %d bytes", name, maxFile)
	}
	return data, fi.Mode().Perm(), nil
}

// edit rewrites a file of the checkout with change; it stays inside the checkout.
func (r *repoRun) edit(root *os.Root, file string, change func([]byte) ([]byte, error)) error {
	name, err := expand(file, r.data)
	if err != nil {
		return err
	}
	data, mode, err := readFile(root, name)
	if err != nil {
		return err
	}
	out, err := change(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if bytes.Equal(out, data) {
		return nil
	}
	return root.WriteFile(name, out, mode)
}

func (r *repoRun) replace(ctx context.Context, root *os.Root, rp *Replace) error {
	re := regexp.MustCompile("(?m)" + rp.Pattern) // compiled when the plan was read
	var except *regexp.Regexp
	if rp.Except != "" {
		except = regexp.MustCompile("(?m)" + rp.Except)
	}
	data := r.data
	if rp.NewestTag != nil {
		var err error
		if data.Tag, err = r.newestTag(ctx, rp.NewestTag); err != nil {
			return err
		}
	}
	with, err := expand(rp.With, data)
	if err != nil {
		return err
	}
	for _, file := range rp.Files {
		n := 0
		err := r.edit(root, file, func(data []byte) ([]byte, error) {
			out := re.ReplaceAllFunc(data, func(m []byte) []byte {
				if except != nil && except.Match(m) {
					return m
				}
				n++
				return re.Expand(nil, []byte(with), m, re.FindSubmatchIndex(m))
			})
			switch {
			case n == 0 && slices.Contains(rp.Optional, file):
			case rp.Count == 0 && n == 0:
				return nil, fmt.Errorf("pattern %q matches nothing", rp.Pattern)
			case rp.Count > 0 && n != rp.Count:
				return nil, fmt.Errorf("pattern %q matches %d times, want %d", rp.Pattern, n, rp.Count)
			}
			return out, nil
		})
		if err != nil {
			return err
		}
		r.say("replaced %s in %s (%s)", rp.Pattern, file, plural(n, "match", "matches"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func (r *repoRun) set(root *os.Root, s *Set) error {
	values := map[string]string{}
	for k, v := range s.Values {
		var err error
		if values[k], err = expand(v, r.data); err != nil {
			return err
		}
	}
	if err := r.edit(root, s.File, func(data []byte) ([]byte, error) { return yamledit.Set(data, s.File, values) }); err != nil {
		return err
	}
	r.say("set %s in %s", strings.Join(sortedKeys(values), ", "), s.File)
	return nil
}

func (r *repoRun) write(root *os.Root, w *Write) error {
	name, err := expand(w.File, r.data)
	if err != nil {
		return err
	}
	content, err := expand(w.Content, r.data)
	if err != nil {
		return err
	}
	if _, err := root.Lstat(name); err == nil && w.Keep {
		r.say("kept %s (it exists)", name)
		return nil
	}
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := root.WriteFile(name, []byte(content), 0o644); err != nil {
		return err
	}
	r.say("wrote %s", name)
	return nil
}

func (r *repoRun) gomod(ctx context.Context, root *os.Root, g *GoMod) error {
	version := g.Version
	if g.Repo != "" {
		var err error
		if version, err = r.moduleVersion(ctx, g); err != nil {
			return err
		}
	}
	err := r.edit(root, g.File, func(data []byte) ([]byte, error) {
		f, err := modfile.Parse(g.File, data, nil)
		if err != nil {
			return nil, err
		}
		if err := f.AddRequire(g.Module, version); err != nil {
			return nil, err
		}
		f.Cleanup()
		return f.Format()
	})
	if err != nil {
		return err
	}
	r.say("required %s %s in %s", g.Module, version, g.File)
	return nil
}

// moduleVersion is the version of g.Module at its repository's commit: the highest tag of the
// module's major version there, or a pseudo-version after the highest tag before it.
func (r *repoRun) moduleVersion(ctx context.Context, g *GoMod) (string, error) {
	src, ok := r.sources[g.Repo]
	if !ok {
		return "", fmt.Errorf("repository %s was not checked out", g.Repo)
	}
	// The resolver's repository has the remote's branches and tags as of this run; a checkout
	// kept from an earlier run may not.
	git := gitx.At(src.Repo)
	sha := src.SHA
	if g.Ref != "" {
		var err error
		if sha, err = git.Run(ctx, "rev-parse", "--verify", "--quiet", "refs/heads/"+g.Ref+"^{commit}"); err != nil {
			return "", fmt.Errorf("%s: branch %s not found", g.Repo, g.Ref)
		}
	}
	_, pathMajor, _ := module.SplitPathVersion(g.Module)
	major := strings.TrimPrefix(pathMajor, "/")
	best := func(args ...string) (string, error) {
		out, err := git.Run(ctx, append([]string{"tag", "--list", "v*"}, args...)...)
		if err != nil {
			return "", err
		}
		var v string
		for _, t := range strings.Fields(out) {
			if !semver.IsValid(t) || semver.Canonical(t) != t || module.CheckPathMajor(t, pathMajor) != nil {
				continue
			}
			if v == "" || semver.Compare(t, v) > 0 {
				v = t
			}
		}
		return v, nil
	}
	if v, err := best("--points-at", sha); err != nil || v != "" {
		return v, err
	}
	older, err := best("--merged", sha)
	if err != nil {
		return "", err
	}
	ct, err := git.Run(ctx, "show", "-s", "--format=%ct", sha)
	if err != nil {
		return "", err
	}
	secs, err := strconv.ParseInt(ct, 10, 64)
	if err != nil {
		return "", fmt.Errorf("commit time of %s: %w", sha, err)
	}
	if major == "" && older == "" {
		major = "v0"
	}
	return module.PseudoVersion(major, older, time.Unix(secs, 0), sha[:12]), nil
}

// propose commits the step's changes and pushes them to the work branch for a pull request.
func (r *repoRun) propose(ctx context.Context, g *gitx.Git) error {
	base := r.asked[r.name].Branch
	if base == "" {
		return fmt.Errorf("changes need a base branch for their pull request; the step checks out %s", r.resolved.Dependencies[r.name].Resolved.From)
	}
	title, err := expand(cmp.Or(r.step.Title, r.p.Title), r.data)
	if err != nil {
		return err
	}
	body, err := expand(r.p.Body, r.data)
	if err != nil {
		return err
	}
	work, err := expand(r.p.WorkBranch, r.data)
	if err != nil {
		return err
	}
	// The user's configuration may sign commits, which would make each run's commit differ.
	if _, err := g.Run(ctx, "-c", "commit.gpgSign=false", "commit", "--quiet", "--no-verify", "-m", title); err != nil {
		return err
	}
	sha, err := g.Run(ctx, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	owner, url := "", r.o.pushURL(r.name, r.url)
	if r.o.forkURL != nil {
		owner, url = r.o.forkOwner, r.o.forkURL(r.name, r.url)
	}
	where := work
	if owner != "" {
		where = owner + ":" + work
	}
	have, err := remoteHead(ctx, url, work)
	if err != nil {
		return err
	}
	pr := PullRequest{Repo: r.name, URL: gitx.RedactURL(r.url), Base: base, Head: work, HeadOwner: owner, Title: title, Body: body}
	switch {
	case r.o.dryRun:
		r.say("would commit %s %q, push it to %s and open a pull request into %s", short(sha), title, where, base)
		return nil
	case have == sha:
		r.say("committed %s %q; %s is already at it", short(sha), title, where)
	default:
		if err := r.push(ctx, url, sha, work, have); err != nil {
			return fmt.Errorf("push %s: %w", where, err)
		}
		r.say("committed %s %q and pushed it to %s", short(sha), title, where)
	}
	if r.o.prs == nil {
		r.say("opened no pull request (no GitHub target): open one from %s into %s", where, base)
		return nil
	}
	link, created, err := r.o.prs.OpenPullRequest(ctx, pr)
	if err != nil {
		return fmt.Errorf("pull request from %s into %s: %w", where, base, err)
	}
	if created {
		r.say("opened pull request %s", link)
	} else {
		r.say("updated pull request %s", link)
	}
	return nil
}
