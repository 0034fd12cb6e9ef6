package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/internal/gitx"
)

// PullRequests opens pull requests on GitHub. A repository is named owner/name: Owner's when
// it is set, else the owner in its github.com URL; the name is the URL's last element.
type PullRequests struct {
	Client *gh.Client
	// Owner, when set, is the organization of every repository (Istio's -github org flag),
	// whatever their URLs say.
	Owner string
	// HeadFromURL opens each pull request in Owner's repository from the branch pushed to the
	// repository's own URL: a URL of another owner makes the head that owner's (Istio's
	// release-builder --prRepoOrg: the manifest names the repositories pushed to, the flag
	// the organization the pull requests are for).
	HeadFromURL bool
}

// New returns pull requests opened through client, in owner's repositories ("" for the
// owners in the repositories' URLs).
func New(client *gh.Client, owner string) (*PullRequests, error) {
	if client == nil {
		return nil, errors.New("github: nil client")
	}
	if strings.Contains(owner, "/") {
		return nil, fmt.Errorf("github: owner %q: want an organization or user name", owner)
	}
	return &PullRequests{Client: client, Owner: owner}, nil
}

// Repository returns the owner and name of the GitHub repository of a git URL.
func (p *PullRequests) Repository(gitURL string) (owner, name string, err error) {
	clean := gitx.RedactURL(gitURL)
	var elems []string
	if u, err := url.Parse(clean); err == nil && u.Host != "" {
		if p.Owner == "" && u.Host != "github.com" {
			return "", "", fmt.Errorf("%s is not a github.com repository (name the owner to use it)", clean)
		}
		elems = strings.Split(strings.Trim(u.Path, "/"), "/")
	} else {
		elems = strings.Split(strings.Trim(path.Clean(strings.ReplaceAll(clean, "\\", "/")), "/"), "/")
	}
	name = strings.TrimSuffix(elems[len(elems)-1], ".git")
	owner = p.Owner
	if owner == "" && len(elems) >= 2 {
		owner = elems[len(elems)-2]
	}
	if owner == "" || name == "" || name == "." {
		return "", "", fmt.Errorf("%s: no owner/name", clean)
	}
	return owner, name, nil
}

// OpenPullRequest opens pr, or updates the title and body of the open pull request from the
// same head into the same base.
func (p *PullRequests) OpenPullRequest(ctx context.Context, pr branch.PullRequest) (string, bool, error) {
	owner, name, err := p.Repository(pr.URL)
	if err != nil {
		return "", false, err
	}
	if p.HeadFromURL && pr.HeadOwner == "" {
		if pushed, _, err := (&PullRequests{}).Repository(pr.URL); err == nil && pushed != owner {
			pr.HeadOwner = pushed
		}
	}
	head := pr.Head
	if pr.HeadOwner != "" {
		head = pr.HeadOwner + ":" + pr.Head
	}
	headOwner := owner
	if pr.HeadOwner != "" {
		headOwner = pr.HeadOwner
	}
	if open, err := p.find(ctx, owner, name, headOwner+":"+pr.Head, pr.Base); err != nil || open != nil {
		if err != nil {
			return "", false, err
		}
		return p.update(ctx, owner, name, open, pr)
	}
	created, _, err := p.Client.PullRequests.Create(ctx, owner, name, gh.CreatePullRequest{
		Title: new(pr.Title), Head: head, Base: pr.Base, Body: new(pr.Body),
	})
	if err == nil {
		return created.GetHTMLURL(), true, nil
	}
	var e *gh.ErrorResponse
	if !errors.As(err, &e) || e.Response == nil || e.Response.StatusCode != http.StatusUnprocessableEntity {
		return "", false, fmt.Errorf("open pull request in %s/%s: %w", owner, name, err)
	}
	// Opened meanwhile (GitHub answers 422 "A pull request already exists"): update it.
	open, err := p.find(ctx, owner, name, headOwner+":"+pr.Head, pr.Base)
	if err != nil || open == nil {
		return "", false, fmt.Errorf("open pull request in %s/%s: %w", owner, name, errors.Join(e, err))
	}
	return p.update(ctx, owner, name, open, pr)
}

func (p *PullRequests) find(ctx context.Context, owner, name, head, base string) (*gh.PullRequest, error) {
	list, _, err := p.Client.PullRequests.List(ctx, owner, name, &gh.PullRequestListOptions{State: "open", Head: head, Base: base})
	if err != nil {
		return nil, fmt.Errorf("list pull requests of %s/%s: %w", owner, name, err)
	}
	if len(list) == 0 {
		return nil, nil
	}
	return list[0], nil
}

func (p *PullRequests) update(ctx context.Context, owner, name string, open *gh.PullRequest, pr branch.PullRequest) (string, bool, error) {
	if open.GetTitle() == pr.Title && open.GetBody() == pr.Body {
		return open.GetHTMLURL(), false, nil
	}
	edited, _, err := p.Client.PullRequests.Edit(ctx, owner, name, open.GetNumber(), &gh.PullRequest{Title: new(pr.Title), Body: new(pr.Body)})
	if err != nil {
		return "", false, fmt.Errorf("update pull request %d of %s/%s: %w", open.GetNumber(), owner, name, err)
	}
	return edited.GetHTMLURL(), false, nil
}

// PushURL returns a branch.WithPushURL function that pushes to https://github.com remotes with
// token (as the x-access-token user, as GitHub Apps and Actions tokens are used) and to every
// other remote as it is. The token is in no output: git errors are redacted.
func PushURL(token string) func(repo, remote string) string {
	return func(_, remote string) string {
		u, err := url.Parse(remote)
		if err != nil || u.Scheme != "https" || u.Host != "github.com" || token == "" {
			return remote
		}
		u.User = url.UserPassword("x-access-token", token)
		return u.String()
	}
}

// ForkURL returns a branch.WithFork URL function: the repository's namesake in owner's GitHub
// account, pushed to with token.
func ForkURL(owner, token string) func(repo, remote string) string {
	push := PushURL(token)
	return func(repo, remote string) string {
		name := strings.TrimSuffix(path.Base(strings.TrimSuffix(remote, "/")), ".git")
		return push(repo, "https://github.com/"+owner+"/"+name+".git")
	}
}
