package publish

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The options of this package's targets are typed by the targets that take them: giving a
// target an option it does not take does not compile. An ImagesOption configures [Images], a
// ChartsOption [Charts], a FilesOption [Files], a GitOption [GitTags]; a RegistryOption both
// registry targets, and a ForceOption every target that can overwrite.
type (
	ImagesOption interface{ images(*targetOptions) error }
	ChartsOption interface{ charts(*targetOptions) error }
	FilesOption  interface{ files(*targetOptions) error }
	GitOption    interface{ git(*targetOptions) error }
	// RegistryOption configures Images and Charts.
	RegistryOption interface {
		ImagesOption
		ChartsOption
	}
	// ForceOption configures Images, Charts and Files.
	ForceOption interface {
		RegistryOption
		FilesOption
	}
)

// The option kinds, by the targets that take them.
type (
	imagesOnly func(*targetOptions) error
	registry   func(*targetOptions) error
	force      func(*targetOptions) error
	filesOnly  func(*targetOptions) error
	gitOnly    func(*targetOptions) error
)

func (f imagesOnly) images(o *targetOptions) error { return f(o) }
func (f registry) images(o *targetOptions) error   { return f(o) }
func (f registry) charts(o *targetOptions) error   { return f(o) }
func (f force) images(o *targetOptions) error      { return f(o) }
func (f force) charts(o *targetOptions) error      { return f(o) }
func (f force) files(o *targetOptions) error       { return f(o) }
func (f filesOnly) files(o *targetOptions) error   { return f(o) }
func (f gitOnly) git(o *targetOptions) error       { return f(o) }

type targetOptions struct {
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

// newTargetOptions applies opts, each through apply, for the target named target.
func newTargetOptions[T any](target string, opts []T, apply func(T, *targetOptions) error) (*targetOptions, error) {
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
		if err := apply(opt, o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return o, nil
}

// WithTags adds tags to push besides the release version, e.g. "latest". Default none. Images.
func WithTags(tags ...string) ImagesOption {
	return imagesOnly(func(o *targetOptions) error {
		for _, t := range tags {
			if _, err := name.NewTag("example.invalid/x:" + t); err != nil {
				return fmt.Errorf("WithTags: tag %q: %w", t, err)
			}
		}
		o.tags = append(o.tags, tags...)
		return nil
	})
}

// WithMutableTags declares the tags (path.Match patterns) that may be moved to new content.
// Default "latest" and "latest-*"; the release version is never mutable (see WithForce).
// Images.
func WithMutableTags(patterns ...string) ImagesOption {
	return imagesOnly(func(o *targetOptions) error {
		for _, p := range patterns {
			if _, err := path.Match(p, ""); err != nil {
				return fmt.Errorf("WithMutableTags: pattern %q: %w", p, err)
			}
		}
		o.mutable = patterns
		return nil
	})
}

// WithForce overwrites what exists with other content, release tags and files included: the
// plan says "force" for each. Use it to repair, never by default. Default off. Images, Charts,
// Files.
func WithForce() ForceOption {
	return force(func(o *targetOptions) error { o.force = true; return nil })
}

// WithKeychain sets the registry credentials. Default anonymous. Images, Charts.
func WithKeychain(k authn.Keychain) RegistryOption {
	return registry(func(o *targetOptions) error {
		if k == nil {
			return errors.New("WithKeychain: nil keychain")
		}
		o.keychain = k
		return nil
	})
}

// WithTransport sets the HTTP transport under retries and authentication. Default
// remote.DefaultTransport. Images, Charts.
func WithTransport(rt http.RoundTripper) RegistryOption {
	return registry(func(o *targetOptions) error {
		if rt == nil {
			return errors.New("WithTransport: nil transport")
		}
		o.rt = rt
		return nil
	})
}

// WithJobs sets how many blobs and tags are sent or checked at once. Default 4. Images,
// Charts.
func WithJobs(n int) RegistryOption {
	return registry(func(o *targetOptions) error {
		if n < 1 {
			return fmt.Errorf("WithJobs: %d: want at least 1", n)
		}
		o.jobs = n
		return nil
	})
}

// WithRetry sets the backoff for transient failures (408, 429, 5xx, a dropped connection): a
// request, or an upload or manifest write as a whole, is tried at most b.Steps times (a delay
// that reaches b.Cap ends the tries, as in go-containerregistry). Default 8 tries, from 250ms
// doubling, about 30s in all. Images, Charts.
func WithRetry(b remote.Backoff) RegistryOption {
	return registry(func(o *targetOptions) error {
		if b.Steps < 1 {
			return fmt.Errorf("WithRetry: %d steps: want at least 1", b.Steps)
		}
		o.backoff = b
		return nil
	})
}

// WithProgress reports the bytes of each push to w: on a terminal a bar per push, redrawn in
// place (targets given one writer share the bars); elsewhere, as in CI logs, a line each time a
// push passes a quarter of its bytes. w is a terminal when it is an *os.File on a character
// device, or has a Terminal() bool method that says so. Default none. Images.
func WithProgress(w io.Writer) ImagesOption {
	return imagesOnly(func(o *targetOptions) error {
		if w == nil {
			return errors.New("WithProgress: nil writer")
		}
		o.progress = w
		return nil
	})
}

// WithAliases writes, for each name, an object <prefix>/<name> holding the release version (a
// line), as "latest" or "stable.txt" objects do. Aliases are mutable. Default none. Files.
func WithAliases(names ...string) FilesOption {
	return filesOnly(func(o *targetOptions) error {
		for _, n := range names {
			if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "..") {
				return fmt.Errorf("WithAliases: %q is not an object name", n)
			}
		}
		o.aliases = append(o.aliases, names...)
		return nil
	})
}

// WithRemote pushes dependency's tags to url instead of the dependency's git URL. Default the
// dependency's git URL. GitTags.
func WithRemote(dependency, url string) GitOption {
	return gitOnly(func(o *targetOptions) error {
		if dependency == "" || url == "" {
			return errors.New("WithRemote: want a dependency and a URL")
		}
		o.remotes[dependency] = url
		return nil
	})
}

// WithTagger sets the tagger of the annotated tags. Default "releasekit
// <releasekit@localhost>". GitTags.
func WithTagger(name, email string) GitOption {
	return gitOnly(func(o *targetOptions) error {
		if name == "" || email == "" {
			return errors.New("WithTagger: want a name and an email")
		}
		o.tagger = [2]string{name, email}
		return nil
	})
}

// WithEnv adds environment variables to the git commands, e.g. a credential helper's settings
// (GIT_CONFIG_COUNT…). They are never printed. Default none. GitTags.
func WithEnv(env ...string) GitOption {
	return gitOnly(func(o *targetOptions) error {
		for _, e := range env {
			if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
				return fmt.Errorf("WithEnv: an entry is not KEY=value")
			}
		}
		o.env = append(o.env, env...)
		return nil
	})
}

// WithTempDir sets where the scratch repositories used to create tags live. Default the
// system's temporary directory. GitTags.
func WithTempDir(dir string) GitOption {
	return gitOnly(func(o *targetOptions) error {
		if dir == "" {
			return errors.New("WithTempDir: empty directory")
		}
		o.tmp = dir
		return nil
	})
}
