package resolve

import (
	"errors"
	"io"
	"log/slog"
)

// Option configures [Dependencies].
type Option func(*options) error

type options struct {
	dir      string
	cache    string
	offline  bool
	history  bool
	jobs     int
	log      *slog.Logger
	mirrors  map[string]string
	progress io.Writer
}

// WithDir sets the working directory; source trees go to <dir>/sources/<name>.
// Default: the manifest's directory. One of the two is required.
func WithDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithDir: empty directory")
		}
		o.dir = dir
		return nil
	}
}

// WithCacheDir sets where fetched repositories are kept, one bare repository per URL, so that
// later runs fetch only what is new and offline runs fetch nothing. Default: <dir>/cache.
func WithCacheDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithCacheDir: empty directory")
		}
		o.cache = dir
		return nil
	}
}

// WithOffline resolves from the cache alone, with no network; a repository not in the cache is
// an error. Default: false.
func WithOffline(offline bool) Option {
	return func(o *options) error {
		o.offline = offline
		return nil
	}
}

// WithHistory fetches every branch and tag of each remote with its whole history, for callers
// that read history (tags reachable from a commit, logs between two tags). Default: only the
// commits the release needs, at depth 1, resolved from the remote's ref list.
func WithHistory() Option {
	return func(o *options) error { o.history = true; return nil }
}

// WithProgress reports long fetches to w: objects and bytes received, a line a second at
// most. Default: none.
func WithProgress(w io.Writer) Option {
	return func(o *options) error {
		if w == nil {
			return errors.New("WithProgress: nil writer")
		}
		o.progress = w
		return nil
	}
}

// WithJobs sets how many dependencies are resolved at once. Default: 4.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("WithJobs: want at least 1")
		}
		o.jobs = n
		return nil
	}
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

// WithMirror fetches the repository at url from mirror instead (a path or URL), as git's
// insteadOf does: for air-gapped builds, or to build from a local copy. The resolved manifest
// still records url, so the release says where its sources come from, whichever copy was used.
// May be given more than once. Default: none.
func WithMirror(url, mirror string) Option {
	return func(o *options) error {
		if url == "" || mirror == "" {
			return errors.New("WithMirror: empty URL or mirror")
		}
		if o.mirrors == nil {
			o.mirrors = map[string]string{}
		}
		o.mirrors[url] = mirror
		return nil
	}
}

func newOptions(opts []Option) (options, error) {
	o := options{jobs: 4, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}
