package publish

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TargetOption configures one of the targets of this package. Each option's doc names the
// targets that take it; a target given an option it does not take, or an invalid value, fails
// to be made.
type TargetOption func(*targetOptions) error

type targetOptions struct {
	given []string // the options given, by name, to check they apply

	tags     []string
	mutable  []string
	force    bool
	keychain authn.Keychain
	rt       http.RoundTripper
	jobs     int
	backoff  remote.Backoff
	progress io.Writer

	aliases []string

	remotes map[string]string
	tagger  [2]string
	env     []string
	tmp     string
}

func (o *targetOptions) mark(name string) { o.given = append(o.given, name) }

// newTargetOptions applies opts for the target named target, which takes the options named in
// takes.
func newTargetOptions(target string, takes []string, opts []TargetOption) (*targetOptions, error) {
	o := &targetOptions{
		mutable:  []string{"latest", "latest-*"},
		keychain: authn.NewMultiKeychain(),
		rt:       remote.DefaultTransport,
		jobs:     4,
		backoff:  remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 8},
		remotes:  map[string]string{},
		tagger:   [2]string{"releasekit", "releasekit@localhost"},
	}
	var errs []error
	for _, opt := range opts {
		if err := opt(o); err != nil {
			errs = append(errs, err)
		}
	}
	for _, n := range o.given {
		if !slices.Contains(takes, n) {
			errs = append(errs, fmt.Errorf("%s does not apply to the %s target", n, target))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return o, nil
}

// The options each target takes.
var (
	registryOptionNames = []string{"WithForce", "WithKeychain", "WithTransport", "WithJobs", "WithRetry"}
	imagesOptionNames   = append([]string{"WithTags", "WithMutableTags", "WithProgress"}, registryOptionNames...)
	filesOptionNames    = []string{"WithAliases", "WithForce"}
	gitOptionNames      = []string{"WithRemote", "WithTagger", "WithEnv", "WithTempDir"}
)

// WithTags adds tags to push besides the release version, e.g. "latest". Default none. Images.
func WithTags(tags ...string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithTags")
		for _, t := range tags {
			if _, err := name.NewTag("example.invalid/x:" + t); err != nil {
				return fmt.Errorf("WithTags: tag %q: %w", t, err)
			}
		}
		o.tags = append(o.tags, tags...)
		return nil
	}
}

// WithMutableTags declares the tags (path.Match patterns) that may be moved to new content.
// Default "latest" and "latest-*"; the release version is never mutable (see WithForce).
// Images.
func WithMutableTags(patterns ...string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithMutableTags")
		for _, p := range patterns {
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("WithMutableTags: pattern %q: %w", p, err)
			}
		}
		o.mutable = patterns
		return nil
	}
}

// WithForce overwrites what exists with other content, release tags and files included: the
// plan says "force" for each. Use it to repair, never by default. Default off. Images, Charts,
// Files.
func WithForce() TargetOption {
	return func(o *targetOptions) error { o.mark("WithForce"); o.force = true; return nil }
}

// WithKeychain sets the registry credentials. Default anonymous. Images, Charts.
func WithKeychain(k authn.Keychain) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithKeychain")
		if k == nil {
			return errors.New("WithKeychain: nil keychain")
		}
		o.keychain = k
		return nil
	}
}

// WithTransport sets the HTTP transport under retries and authentication. Default
// remote.DefaultTransport. Images, Charts.
func WithTransport(rt http.RoundTripper) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithTransport")
		if rt == nil {
			return errors.New("WithTransport: nil transport")
		}
		o.rt = rt
		return nil
	}
}

// WithJobs sets how many blobs and tags are sent or checked at once. Default 4. Images,
// Charts.
func WithJobs(n int) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithJobs")
		if n < 1 {
			return fmt.Errorf("WithJobs: %d: want at least 1", n)
		}
		o.jobs = n
		return nil
	}
}

// WithRetry sets the backoff for transient failures (408, 429, 5xx, a dropped connection): a
// request, or an upload or manifest write as a whole, is tried at most b.Steps times (a delay
// that reaches b.Cap ends the tries, as in go-containerregistry). Default 8 tries, from 250ms
// doubling, about 30s in all. Images, Charts.
func WithRetry(b remote.Backoff) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithRetry")
		if b.Steps < 1 {
			return fmt.Errorf("WithRetry: %d steps: want at least 1", b.Steps)
		}
		o.backoff = b
		return nil
	}
}

// WithProgress reports the bytes of each push to w: on a terminal a bar per push, redrawn in
// place (targets given one writer share the bars); elsewhere, as in CI logs, a line each time a
// push passes a quarter of its bytes. w is a terminal when it is an *os.File on a character
// device, or has a Terminal() bool method that says so. Default none. Images.
func WithProgress(w io.Writer) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithProgress")
		if w == nil {
			return errors.New("WithProgress: nil writer")
		}
		o.progress = w
		return nil
	}
}

// WithAliases writes, for each name, an object <prefix>/<name> holding the release version (a
// line), as "latest" or "stable.txt" objects do. Aliases are mutable. Default none. Files.
func WithAliases(names ...string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithAliases")
		for _, n := range names {
			if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "..") {
				return fmt.Errorf("WithAliases: %q is not an object name", n)
			}
		}
		o.aliases = append(o.aliases, names...)
		return nil
	}
}

// WithRemote pushes dependency's tags to url instead of the dependency's git URL. Default the
// dependency's git URL. GitTags.
func WithRemote(dependency, url string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithRemote")
		if dependency == "" || url == "" {
			return errors.New("WithRemote: want a dependency and a URL")
		}
		o.remotes[dependency] = url
		return nil
	}
}

// WithTagger sets the tagger of the annotated tags. Default "releasekit
// <releasekit@localhost>". GitTags.
func WithTagger(name, email string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithTagger")
		if name == "" || email == "" {
			return errors.New("WithTagger: want a name and an email")
		}
		o.tagger = [2]string{name, email}
		return nil
	}
}

// WithEnv adds environment variables to the git commands, e.g. a credential helper's settings
// (GIT_CONFIG_COUNT…). They are never printed. Default none. GitTags.
func WithEnv(env ...string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithEnv")
		for _, e := range env {
			if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
				return fmt.Errorf("WithEnv: an entry is not KEY=value")
			}
		}
		o.env = append(o.env, env...)
		return nil
	}
}

// WithTempDir sets where the scratch repositories used to create tags live. Default the
// system's temporary directory. GitTags.
func WithTempDir(dir string) TargetOption {
	return func(o *targetOptions) error {
		o.mark("WithTempDir")
		if dir == "" {
			return errors.New("WithTempDir: empty directory")
		}
		o.tmp = dir
		return nil
	}
}
