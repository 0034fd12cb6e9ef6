package branch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option configures [Run].
type Option func(*options) error

type options struct {
	work, cache string
	dryRun      bool
	prs         PullRequester
	forkOwner   string
	forkURL     func(repo, url string) string
	pushURL     func(repo, url string) string
	env         []string
	author      [2]string
	jobs        int
	log         *slog.Logger
	remote      []remote.Option
}

// PullRequest is a pull request a step opens for a repository's changes.
type PullRequest struct {
	// Repo is the repository's name in the plan, and URL its git URL without credentials.
	Repo, URL string
	// Base is the branch the changes are for; Head the work branch holding them, in the
	// repository itself or, when HeadOwner is set, in that owner's fork.
	Base, Head, HeadOwner string
	Title, Body           string
}

// PullRequester opens a pull request, or updates the open one from the same head into the same
// base, and returns its address and whether it is new.
type PullRequester interface {
	OpenPullRequest(ctx context.Context, pr PullRequest) (url string, created bool, err error)
}

// WithWorkDir sets where repositories are checked out (<dir>/sources/<name>) and cached.
// Default: the manifest's directory. One of the two is required.
func WithWorkDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithWorkDir: empty directory")
		}
		o.work = dir
		return nil
	}
}

// WithCacheDir sets where fetched repositories are kept between runs. Default: <work>/cache.
func WithCacheDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithCacheDir: empty directory")
		}
		o.cache = dir
		return nil
	}
}

// WithDryRun(false) pushes branches and work branches and opens pull requests. Default: a dry
// run, which clones, applies the actions and reports what it would push and open, and needs
// no credentials.
func WithDryRun(dry bool) Option {
	return func(o *options) error { o.dryRun = dry; return nil }
}

// WithPullRequests opens pull requests through prs (such as the branch/github package's).
// Default: none; a real run pushes the work branches and says that it opened no pull request.
func WithPullRequests(prs PullRequester) Option {
	return func(o *options) error {
		if prs == nil {
			return errors.New("WithPullRequests: nil")
		}
		o.prs = prs
		return nil
	}
}

// WithFork pushes work branches to owner's forks, whose git URL url returns for a repository
// (its name and URL), and opens pull requests from there. Default: the repositories
// themselves.
func WithFork(owner string, url func(repo, url string) string) Option {
	return func(o *options) error {
		if owner == "" || url == nil {
			return errors.New("WithFork: empty owner or nil URL function")
		}
		o.forkOwner, o.forkURL = owner, url
		return nil
	}
}

// WithPushURL sets the URL pushed to for a repository, e.g. with credentials added; it never
// appears in output. Default: the repository's URL.
func WithPushURL(url func(repo, url string) string) Option {
	return func(o *options) error {
		if url == nil {
			return errors.New("WithPushURL: nil")
		}
		o.pushURL = url
		return nil
	}
}

// WithEnv sets the environment of run actions ("KEY=value"), to which an action's env is
// added. Default: empty, so that a step runs the same on every machine.
func WithEnv(env []string) Option {
	return func(o *options) error {
		for _, kv := range env {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				return errors.New("WithEnv: want KEY=value, got " + kv)
			}
		}
		o.env = env
		return nil
	}
}

// WithAuthor sets the author and committer of step commits. Default: releasekit
// <releasekit@localhost>.
func WithAuthor(name, email string) Option {
	return func(o *options) error {
		if name == "" || email == "" || strings.ContainsAny(name+email, "<>\n") {
			return errors.New("WithAuthor: want a name and an email address")
		}
		o.author = [2]string{name, email}
		return nil
	}
}

// WithJobs sets how many repositories are worked on at once. Default: 4.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("WithJobs: want at least 1")
		}
		o.jobs = n
		return nil
	}
}

// WithRemoteOptions sets how registries are read (authentication, transport) by replace
// actions' newestTag. Default: the Docker configuration's credentials, else anonymous.
func WithRemoteOptions(opts ...remote.Option) Option {
	return func(o *options) error { o.remote = opts; return nil }
}

// WithLogger sets the logger. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		o.log = l
		return nil
	}
}

func newOptions(opts []Option) (options, error) {
	o := options{
		dryRun:  true,
		jobs:    4,
		log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		author:  [2]string{"releasekit", "releasekit@localhost"},
		pushURL: func(_, url string) string { return url },
		remote:  []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)},
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}
