package artifacts

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/releasekit/releasekit/digest"
)

// Option configures [Build].
type Option func(*options) error

type options struct {
	jobs     int
	time     time.Time
	work     string
	env      []string
	log      *slog.Logger
	progress io.Writer
	packager Packager
	licenses LicenseScanner
	remote   []remote.Option
	charts   ChartPackager
	resolver digest.Resolver
	builder  string
	sel      *Selector
	// reuseOnly builds nothing: every output must be reused (Merge's finishing build).
	reuseOnly bool
}

// WithJobs sets how many artifacts are built at once. Default: the number of CPUs.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("WithJobs: want at least 1")
		}
		o.jobs = n
		return nil
	}
}

// WithTime sets the one timestamp of every output, e.g. from SOURCE_DATE_EPOCH. Default: the
// newest commit time of the resolved sources.
func WithTime(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return errors.New("WithTime: zero time")
		}
		o.time = t.UTC()
		return nil
	}
}

// WithWorkDir sets where intermediate files (compiled binaries, input keys) are kept between
// builds, so that a build with unchanged inputs reuses them. Default: a folder named work next
// to the release directory.
func WithWorkDir(dir string) Option {
	return func(o *options) error {
		if dir == "" {
			return errors.New("WithWorkDir: empty directory")
		}
		o.work = dir
		return nil
	}
}

// WithEnv sets the environment the go tool and command steps start from (PATH, HOME, GOCACHE,
// GOPROXY, …). Build then fixes what decides the output: GOOS, GOARCH, CGO_ENABLED, GOFLAGS,
// GOTOOLCHAIN and the variables of command steps. Default: the process environment, as
// [os/exec] does.
func WithEnv(env []string) Option {
	return func(o *options) error {
		o.env = env
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

// WithProgress writes one line per artifact to w, with its size and time; on a terminal (see
// publish.WithProgress) the lines are followed by a bar. Default: none.
func WithProgress(w io.Writer) Option {
	return func(o *options) error {
		o.progress = w
		return nil
	}
}

// WithPackager sets what writes .deb and .rpm packages; package artifacts/pkg provides one.
// Default: none, and a manifest with packages fails to build.
func WithPackager(p Packager) Option {
	return func(o *options) error {
		o.packager = p
		return nil
	}
}

// WithLicenseScanner sets what finds the licenses of linked Go modules; package
// artifacts/licenses provides one. Default: none, and a manifest with licenses fails to build.
func WithLicenseScanner(s LicenseScanner) Option {
	return func(o *options) error {
		o.licenses = s
		return nil
	}
}

func newOptions(opts []Option) (options, error) {
	o := options{jobs: runtime.NumCPU(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// WithKeychain sets the credentials for pulling base images. Default: anonymous.
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) error {
		o.remote = append(o.remote, remote.WithAuthFromKeychain(k))
		return nil
	}
}

// WithRegistryTransport sets the HTTP transport for pulling base images. Default:
// http.DefaultTransport.
func WithRegistryTransport(t http.RoundTripper) Option {
	return func(o *options) error {
		o.remote = append(o.remote, remote.WithTransport(t))
		return nil
	}
}

// WithChartPackager sets what packages Helm charts; artifacts/chart.New() is the helm SDK one.
// Default: none, and a manifest with charts is an error.
func WithChartPackager(p ChartPackager) Option {
	return func(o *options) error {
		o.charts = p
		return nil
	}
}

// WithResolver resolves the third-party images charts refer to, e.g. a digest.Chain of a lock
// file and a registry. The images the release builds are resolved without it. Default: none,
// and a chart with a third-party image that is not pinned fails to build.
func WithResolver(r digest.Resolver) Option {
	return func(o *options) error {
		o.resolver = r
		return nil
	}
}

// WithProvenance writes the release's build provenance (release.ProvenanceFile: an in-toto
// statement with a SLSA Provenance v1 predicate) naming builderID as its builder, a URI that
// identifies the CI job or machine role that builds. Default: no provenance.
func WithProvenance(builderID string) Option {
	return func(o *options) error {
		if u, err := url.Parse(builderID); err != nil || u.Scheme == "" || u.User != nil {
			return fmt.Errorf("WithProvenance: builder id %q: want a URI without credentials", builderID)
		}
		o.builder = builderID
		return nil
	}
}
