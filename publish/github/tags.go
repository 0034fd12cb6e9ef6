package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/publish"
)

// tags tags every dependency's repository of an organization through GitHub's API.
type tags struct {
	client *gh.Client
	org    string
	tagger [2]string
}

// TagsOption configures Tags.
type TagsOption func(*tags) error

// WithTagger names the tagger of the tags, name and email. Default: releasekit,
// releasekit@localhost.
func WithTagger(name, email string) TagsOption {
	return func(t *tags) error {
		if name == "" || email == "" {
			return errors.New("WithTagger: want a name and an email")
		}
		t.tagger = [2]string{name, email}
		return nil
	}
}

// Tags returns the target that tags each dependency's repository in the organization org, as
// Istio's release-builder does with --github ORG: an annotated tag named after the release
// version at the commit the release was built from, in org/<dependency name> (the publishing
// organization, not necessarily the one the sources came from), and "v<version>" too for a
// dependency with goversionenabled. Tags are dated at the release time. A tag at the same
// commit is left; one at another commit is refused, never moved; a dependency the release
// records no commit of is refused.
func Tags(client *gh.Client, org string, opts ...TagsOption) (publish.Target, error) {
	if client == nil {
		return nil, errors.New("github: nil client")
	}
	if org == "" || strings.ContainsAny(org, "/ ") {
		return nil, fmt.Errorf("github: organization %q: want a name alone", org)
	}
	t := &tags{client: client, org: org, tagger: [2]string{"releasekit", "releasekit@localhost"}}
	for _, o := range opts {
		if err := o(t); err != nil {
			return nil, fmt.Errorf("github: %w", err)
		}
	}
	return t, nil
}

func (t *tags) Name() string { return "github-tags" }

// tag is one tag to make: the dependency (its repository's name), the tag and the commit.
type tag struct{ repo, name, sha string }

func (t *tags) tags(d *release.Dir) []tag {
	var out []tag
	version := d.Manifest.Version
	for _, name := range d.Manifest.DependencyNames() {
		dep := d.Manifest.Dependencies[name]
		if !gitx.IsFullSHA(dep.Sha) {
			out = append(out, tag{name, version, ""}) // refused: there is no commit to tag
			continue
		}
		out = append(out, tag{name, version, dep.Sha})
		if dep.GoVersionEnabled && !strings.HasPrefix(version, "v") {
			out = append(out, tag{name, "v" + version, dep.Sha})
		}
	}
	return out
}

func (t *tags) object(g tag) string {
	return fmt.Sprintf("github.com/%s/%s tag %s", t.org, g.repo, g.name)
}

// tagged returns the commit tag names in the repository, "" when there is no such tag.
func (t *tags) tagged(ctx context.Context, g tag) (string, error) {
	ref, _, err := t.client.Git.GetRef(ctx, t.org, g.repo, "tags/"+g.name)
	if isStatus(err, http.StatusNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if ref.GetRef() != "refs/tags/"+g.name {
		return "", nil // GitHub matched a longer tag by prefix
	}
	obj := ref.GetObject()
	switch obj.GetType() {
	case "commit":
		return obj.GetSHA(), nil
	case "tag":
		at, _, err := t.client.Git.GetTag(ctx, t.org, g.repo, obj.GetSHA())
		if err != nil {
			return "", err
		}
		if at.GetObject().GetType() != "commit" {
			return "", fmt.Errorf("tag %s names a %s, not a commit", g.name, at.GetObject().GetType())
		}
		return at.GetObject().GetSHA(), nil
	}
	return "", fmt.Errorf("tag %s names a %s, not a commit", g.name, obj.GetType())
}

func (t *tags) Plan(ctx context.Context, d *release.Dir) ([]publish.Action, error) {
	var actions []publish.Action
	for _, g := range t.tags(d) {
		a := publish.Action{Kind: publish.KindGitTag, Object: t.object(g), Digest: g.sha, Source: g.repo}
		if g.sha == "" {
			a.Op, a.Detail = publish.Refuse, "the release records no commit of it to tag"
			actions = append(actions, a)
			continue
		}
		commit, err := t.tagged(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Object, err)
		}
		switch commit {
		case "":
			a.Op = publish.Push
		case g.sha:
			a.Op = publish.Skip
		default:
			a.Op, a.Detail = publish.Refuse, fmt.Sprintf("tags commit %s, release is %s", commit, g.sha)
		}
		actions = append(actions, a)
	}
	return actions, nil
}

func (t *tags) Apply(ctx context.Context, d *release.Dir, push []publish.Action) error {
	want := map[string]bool{}
	for _, a := range push {
		want[a.Object] = true
	}
	when := gh.Timestamp{Time: d.Time.UTC()}
	for _, g := range t.tags(d) {
		if !want[t.object(g)] || g.sha == "" {
			continue
		}
		obj, _, err := t.client.Git.CreateTag(ctx, t.org, g.repo, gh.CreateTag{
			Tag: g.name, Message: "Release " + g.name, Object: g.sha, Type: "commit",
			Tagger: &gh.CommitAuthor{Name: &t.tagger[0], Email: &t.tagger[1], Date: &when},
		})
		if err != nil {
			return fmt.Errorf("tag %s: %w", t.object(g), err)
		}
		_, _, err = t.client.Git.CreateRef(ctx, t.org, g.repo, gh.CreateRef{Ref: "refs/tags/" + g.name, SHA: obj.GetSHA()})
		if isStatus(err, http.StatusUnprocessableEntity) {
			// Made meanwhile (422: the reference exists): fine at the release's commit.
			commit, cerr := t.tagged(ctx, g)
			switch {
			case cerr != nil:
				err = cerr
			case commit == g.sha:
				err = nil
			default:
				err = fmt.Errorf("%w: tags commit %s, release is %s", publish.ErrExists, commit, g.sha)
			}
		}
		if err != nil {
			return fmt.Errorf("tag %s: %w", t.object(g), err)
		}
	}
	return nil
}
