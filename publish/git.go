package publish

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"

	"github.com/releasekit/releasekit/internal/gitx"
)

// gitTags tags each dependency's resolved commit in its git remote.
type gitTags struct {
	remotes map[string]string
	tagger  [2]string
	env     []string
	tmp     string
}

// GitTags returns the target that pushes an annotated tag named after the release version to
// each dependency's git remote, at the commit the release was built from, plus "v<version>"
// for dependencies with goversionenabled. Tags are dated at the release time, so the tag object
// is the same every time it is made. A tag that exists at another commit is refused.
func GitTags(opts ...GitOption) (Target, error) {
	o, err := newTargetOptions("git", opts, GitOption.git)
	if err != nil {
		return nil, err
	}
	return &gitTags{remotes: o.remotes, tagger: o.tagger, env: o.env, tmp: o.tmp}, nil
}

func (g *gitTags) Name() string { return "git" }

type gitTag struct {
	dep, remote, tag, sha string
}

func (g *gitTags) tags(d *release.Dir) []gitTag {
	var out []gitTag
	version := d.Manifest.Version
	for _, name := range d.Manifest.DependencyNames() {
		dep := d.Manifest.Dependencies[name]
		remote := g.remotes[name]
		if remote == "" {
			remote = dep.Git
		}
		if remote == "" || !gitx.IsFullSHA(dep.Sha) {
			continue
		}
		out = append(out, gitTag{name, remote, version, dep.Sha})
		if dep.GoVersionEnabled && !strings.HasPrefix(version, "v") {
			out = append(out, gitTag{name, remote, "v" + version, dep.Sha})
		}
	}
	return out
}

func (g *gitTags) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	var actions []Action
	git := gitx.At("", g.env...)
	for _, t := range g.tags(d) {
		a := Action{Kind: KindGitTag, Object: gitx.RedactURL(t.remote) + " " + t.tag, Digest: t.sha, Source: t.dep}
		out, err := git.Run(ctx, "ls-remote", "--tags", t.remote, "refs/tags/"+t.tag, "refs/tags/"+t.tag+"^{}")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.dep, err)
		}
		commit := ""
		for line := range strings.Lines(out) {
			sha, ref, _ := strings.Cut(strings.TrimSpace(line), "\t")
			if ref == "refs/tags/"+t.tag+"^{}" || commit == "" {
				commit = sha
			}
		}
		switch commit {
		case "":
			a.Op = Push
		case t.sha:
			a.Op = Skip
		default:
			a.Op = Refuse
			a.Detail = fmt.Sprintf("tags commit %s, release is %s", commit, t.sha)
		}
		actions = append(actions, a)
	}
	return actions, nil
}

func (g *gitTags) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	want := map[string]bool{}
	for _, a := range push {
		want[a.Object] = true
	}
	for _, t := range g.tags(d) {
		if !want[gitx.RedactURL(t.remote)+" "+t.tag] {
			continue
		}
		if err := g.push(ctx, d, t); err != nil {
			return fmt.Errorf("tag %s %s: %w", t.dep, t.tag, err)
		}
	}
	return nil
}

// push fetches the commit into a scratch repository, tags it there and pushes the tag alone.
func (g *gitTags) push(ctx context.Context, d *release.Dir, t gitTag) error {
	dir, err := os.MkdirTemp(g.tmp, "releasekit-tag-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	date := d.Time.UTC().Format(time.RFC3339)
	git := gitx.At(dir, append([]string{
		"GIT_COMMITTER_NAME=" + g.tagger[0], "GIT_COMMITTER_EMAIL=" + g.tagger[1], "GIT_COMMITTER_DATE=" + date,
	}, g.env...)...)
	if _, err := git.Run(ctx, "init", "--quiet", "--bare"); err != nil {
		return err
	}
	if _, err := git.Run(ctx, "fetch", "--quiet", "--no-tags", t.remote, t.sha); err != nil {
		// Servers that refuse to fetch by commit: fetch the branches and find it there.
		if _, err := git.Run(ctx, "fetch", "--quiet", "--no-tags", t.remote, "+refs/heads/*:refs/remotes/origin/*"); err != nil {
			return err
		}
	}
	if _, err := git.Run(ctx, "tag", "--annotate", "--message", "Release "+t.tag, t.tag, t.sha); err != nil {
		return err
	}
	_, err = git.Run(ctx, "push", "--quiet", t.remote, "refs/tags/"+t.tag+":refs/tags/"+t.tag)
	return err
}
