package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/archive"
)

// Checker is one named check of a release directory. Check returns nil when the release passes,
// an error wrapping [ErrSkip] when the check does not apply to what the manifest asked for, and
// otherwise every problem it found, joined with errors.Join: each becomes a line of the report.
type Checker interface {
	Name() string
	Check(ctx context.Context, d *release.Dir) error
}

// ErrSkip is wrapped by a check that does not apply: a partial build is validated for what it
// built, not failed for what it skipped.
var ErrSkip = errors.New("skipped")

// skip returns an error wrapping ErrSkip with a reason.
func skip(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSkip, fmt.Sprintf(format, args...))
}

// walk walks the archive rel of the release with [archive.Walk].
func walk(d *release.Dir, rel string, format archive.Format, fn func(e archive.Entry, r io.Reader) error) error {
	f, err := d.Open(rel)
	if err != nil {
		return err
	}
	defer f.Close()
	return archive.WalkOpen(f, format, fn)
}

// Option configures [Release].
type Option func(*options) error

type options struct {
	jobs    int
	extra   []Checker
	charts  ChartRenderer
	lock    digest.Resolver
	forbid  []string
	run     bool
	checker []Checker
}

// WithJobs sets how many checks run at once. Default: the number of CPUs.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("WithJobs: %d: want at least 1", n)
		}
		o.jobs = n
		return nil
	}
}

// WithExtraChecks runs cs after the checks there are (the default ones, or those of
// WithOnlyChecks), e.g. a project's own. Default: none.
func WithExtraChecks(cs ...Checker) Option {
	return func(o *options) error {
		if slices.Contains(cs, nil) {
			return errors.New("WithExtraChecks: a nil check")
		}
		o.extra = append(o.extra, cs...)
		return nil
	}
}

// WithOnlyChecks runs cs instead of the default checks. Default: [Defaults].
func WithOnlyChecks(cs ...Checker) Option {
	return func(o *options) error {
		if len(cs) == 0 || slices.Contains(cs, nil) {
			return errors.New("WithOnlyChecks: want at least one check, none nil")
		}
		o.checker = cs
		return nil
	}
}

// WithChartRenderer renders charts so that the images of every rendered template are checked;
// artifacts/chart.Packager is one. Default: none, and the charts check reads the images in
// values.yaml.
func WithChartRenderer(r ChartRenderer) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("WithChartRenderer: nil renderer")
		}
		o.charts = r
		return nil
	}
}

// WithLock resolves third-party images that charts pin, besides the lock the release records
// (release.LockFile): a chart's image passes when its digest is in the release's image layout
// or a lock resolves its tag to that digest. Default: the release's lock alone.
func WithLock(r digest.Resolver) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("WithLock: nil resolver")
		}
		o.lock = r
		return nil
	}
}

// WithForbiddenLicenses sets the license types that fail the licenses check. Default: "unknown"
// and those the manifest's licenses.forbid lists.
func WithForbiddenLicenses(types ...string) Option {
	return func(o *options) error { o.forbid = append([]string{}, types...); return nil }
}

// WithRunBinaries sets whether the binaries check runs the host platform's binaries with their
// versionCommand. Default: true.
func WithRunBinaries(run bool) Option {
	return func(o *options) error { o.run = run; return nil }
}

// Defaults returns the default checks, configured by opts, in report order.
func Defaults(opts ...Option) ([]Checker, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	return o.defaults(), nil
}

func newOptions(opts []Option) (*options, error) {
	o := &options{jobs: runtime.NumCPU(), run: true}
	var errs []error
	for _, opt := range opts {
		if err := opt(o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return o, nil
}

func (o *options) defaults() []Checker {
	return []Checker{
		Manifest{},
		Checksums{},
		Archives{},
		Binaries{Run: o.run},
		Images{},
		Charts{Renderer: o.charts, Lock: o.lock},
		Packages{},
		Licenses{Forbid: o.forbid},
		Grafana{},
		Scanner{},
		SBOM{},
		Provenance{},
		Sources{},
	}
}

// Release validates the release directory dir: it opens it ([release.Open]) and runs every
// check on the opened directory. The error is only for an invalid option, a directory that
// cannot be read at all or a cancelled context; problems of the release are in the report.
func Release(ctx context.Context, dir string, opts ...Option) (*Report, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	checks := o.checker
	if checks == nil {
		checks = o.defaults()
	}
	checks = append(checks, o.extra...)
	rep := &Report{Dir: dir, Results: make([]Result, len(checks))}
	d, err := release.Open(dir)
	if err != nil {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("release directory: %w", serr)
		}
		// Without a manifest there is nothing to check the rest against; its failure is
		// reported even when the checks do not include the manifest check.
		failed := result(Manifest{}.Name(), err)
		for i, c := range checks {
			rep.Results[i] = Result{Check: c.Name(), Status: Skipped, Reason: "the manifest did not load"}
			if _, ok := c.(Manifest); ok {
				rep.Results[i], failed = result(c.Name(), err), Result{}
			}
		}
		if failed.Check != "" {
			rep.Results = append([]Result{failed}, rep.Results...)
		}
		return rep, nil
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs)
	for i, c := range checks {
		rep.Results[i].Check = c.Name()
		g.Go(func() error {
			rep.Results[i] = result(c.Name(), c.Check(ctx, d))
			return ctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return rep, nil
}

// result turns what a check returned into a result.
func result(name string, err error) Result {
	r := Result{Check: name}
	r.Notes, err = splitNotes(err)
	switch {
	case err == nil:
		r.Status = Passed
	case errors.Is(err, ErrSkip):
		r.Status = Skipped
		r.Reason = strings.TrimPrefix(strings.TrimPrefix(err.Error(), ErrSkip.Error()), ": ")
	default:
		r.Status = Failed
		r.Problems = problems(err)
		if len(r.Problems) == 0 {
			r.Problems = []string{"failed"}
		}
	}
	return r
}

// Note is what a check could not prove and says so without failing: an error of this type among
// a check's joined errors becomes a NOTE line of the report.
type Note string

func (n Note) Error() string { return string(n) }

// splitNotes takes the notes out of a check's joined error.
func splitNotes(err error) ([]string, error) {
	var notes []string
	var rest []error
	for _, e := range leaves(err) {
		var n Note
		if errors.As(e, &n) {
			notes = append(notes, e.Error())
			continue
		}
		rest = append(rest, e)
	}
	return notes, errors.Join(rest...)
}

// problems splits a joined error into its lines.
func problems(err error) []string {
	var out []string
	for _, e := range leaves(err) {
		for _, line := range strings.Split(e.Error(), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// leaves flattens the errors joined into err, in order.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// Status is the outcome of one check.
type Status string

// The outcomes.
const (
	Passed  Status = "PASS"
	Failed  Status = "FAIL"
	Skipped Status = "SKIP"
)

// Result is what one check found.
type Result struct {
	Check  string
	Status Status
	// Problems are the failures, one per line of the report.
	Problems []string
	// Reason says why a check was skipped.
	Reason string
	// Notes say what the check could not prove, without failing it.
	Notes []string
}

// Report is the outcome of validating a release directory.
type Report struct {
	Dir     string
	Results []Result
}

// Counts returns the number of checks that ran (not skipped) and of those that failed.
func (r *Report) Counts() (ran, failed int) {
	for _, x := range r.Results {
		switch x.Status {
		case Passed:
			ran++
		case Failed:
			ran++
			failed++
		}
	}
	return ran, failed
}

// Passed reports whether no check failed.
func (r *Report) Passed() bool {
	_, failed := r.Counts()
	return failed == 0
}

// Summary is the last line of the report: "Release validation PASSED", or "Release validation
// FAILED (n of m checks)".
func (r *Report) Summary() string {
	ran, failed := r.Counts()
	if failed == 0 {
		return "Release validation PASSED"
	}
	return fmt.Sprintf("Release validation FAILED (%d of %d checks)", failed, ran)
}

// WriteTo writes a line per check (PASS images; FAIL charts: …, once per problem; SKIP rpm:
// why), each after its NOTE lines (what it could not prove), and then the summary.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	for _, x := range r.Results {
		for _, n := range x.Notes {
			fmt.Fprintf(&b, "NOTE %s: %s\n", x.Check, n)
		}
		switch x.Status {
		case Passed:
			fmt.Fprintf(&b, "PASS %s\n", x.Check)
		case Skipped:
			fmt.Fprintf(&b, "SKIP %s: %s\n", x.Check, x.Reason)
		case Failed:
			for _, p := range x.Problems {
				fmt.Fprintf(&b, "FAIL %s: %s\n", x.Check, p)
			}
		}
	}
	b.WriteString(r.Summary() + "\n")
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
