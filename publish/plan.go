package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/releasekit/releasekit/artifacts/release"
)

// Op is what publishing does with one object.
type Op int

// The operations of a plan.
const (
	// Push writes an object that is missing, or moves a mutable tag.
	Push Op = iota
	// Skip leaves an object that is already right.
	Skip
	// Refuse leaves an object that exists with other content: a release tag is never moved.
	Refuse
	// Force overwrites an object that exists with other content, because the target was told
	// to (e.g. WithForce, to repair a registry).
	Force
)

func (o Op) String() string {
	switch o {
	case Push:
		return "push"
	case Skip:
		return "skip (identical)"
	case Refuse:
		return "refuse (exists with other content)"
	case Force:
		return "force (overwrites other content)"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Kind is the kind of object an action publishes.
type Kind string

// The kinds of object releasekit's targets publish.
const (
	KindImage       Kind = "image"       // an image tag in a registry
	KindChart       Kind = "chart"       // a chart in an OCI registry
	KindFile        Kind = "file"        // a file in a bucket or a chart repository
	KindAlias       Kind = "alias"       // a bucket object naming the release (Istio's aliases)
	KindIndex       Kind = "index"       // an entry of a chart repository's index.yaml
	KindGitTag      Kind = "git-tag"     // a tag in a git repository
	KindRelease     Kind = "release"     // a GitHub release
	KindAsset       Kind = "asset"       // a GitHub release asset
	KindDashboard   Kind = "dashboard"   // a grafana.com dashboard revision
	KindSignature   Kind = "signature"   // a cosign signature of an image or chart
	KindAttestation Kind = "attestation" // an in-toto attestation attached to one
)

// Action is one line of a plan: one object at one target.
type Action struct {
	// Target is the target that planned the action and applies it; [Publisher.Plan] sets it.
	Target Target
	// Kind is the kind of object; a target of another package may name its own.
	Kind Kind
	// Object names it where it is published, e.g. "ghcr.io/org/pilot:1.2.3".
	Object string
	// Op is what publishing does with it.
	Op Op
	// Digest is what is published there: "sha256:…" for images and charts, the file's SHA-256
	// for files.
	Digest string
	// Source is what the object is made from, relative to the release directory, if a file.
	Source string
	// Detail says why, for a refusal, a forced write or a moved tag (e.g. "has sha256:…").
	Detail string

	slot int // the index of Target in the publisher's targets, plus one
}

// targetName is the name of a's target, or "?" before Plan sets it.
func (a Action) targetName() string {
	if a.Target == nil {
		return "?"
	}
	return a.Target.Name()
}

func (a Action) String() string {
	s := fmt.Sprintf("%s %s %s: %s", a.targetName(), a.Kind, a.Object, a.Op)
	if a.Detail != "" {
		s += ": " + a.Detail
	}
	return s
}

// ErrExists is wrapped by the refusal of an object that exists with other content.
var ErrExists = errors.New("exists with other content")

// Plan is the list of actions publishing a release takes, target by target.
type Plan struct {
	Release *release.Dir
	Actions []Action
	targets []Target
}

// Count returns how many actions have op.
func (p *Plan) Count(op Op) int {
	n := 0
	for _, a := range p.Actions {
		if a.Op == op {
			n++
		}
	}
	return n
}

// Refused returns one error per refused action, joined, wrapping ErrExists; nil when none.
func (p *Plan) Refused() error {
	var errs []error
	for _, a := range p.Actions {
		if a.Op == Refuse {
			errs = append(errs, fmt.Errorf("%s %s %s: %w: %s", a.targetName(), a.Kind, a.Object, ErrExists, a.Detail))
		}
	}
	return errors.Join(errs...)
}

// WriteTo writes the plan as a table, one action a line, then a summary line.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	tw := tabwriter.NewWriter(cw, 0, 4, 2, ' ', 0)
	for _, a := range p.Actions {
		detail := a.Detail
		if detail == "" {
			detail = a.Digest
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Op, a.targetName(), a.Kind, a.Object, detail)
	}
	if err := tw.Flush(); err != nil {
		return cw.n, err
	}
	summary := fmt.Sprintf("plan: %d to push, %d identical, %d refused", p.Count(Push), p.Count(Skip), p.Count(Refuse))
	if n := p.Count(Force); n > 0 {
		summary += fmt.Sprintf(", %d forced", n)
	}
	_, err := fmt.Fprintln(cw, summary)
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Target is one place a release is published to. Plan compares the release with the target's
// current state and writes nothing; Apply carries out the target's push actions of a plan and is
// safe to run again after a failure.
type Target interface {
	Name() string
	Plan(ctx context.Context, d *release.Dir) ([]Action, error)
	Apply(ctx context.Context, d *release.Dir, push []Action) error
}

// Publisher publishes one release to a set of targets.
type Publisher struct {
	release *release.Dir
	targets []Target
	log     *slog.Logger
}

// Option configures a Publisher.
type Option func(*Publisher) error

// WithLogger logs each applied action to l. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(p *Publisher) error {
		if l == nil {
			return errors.New("publish: nil logger")
		}
		p.log = l
		return nil
	}
}

// New returns a Publisher of the release d to targets, which are planned and applied in the
// order given. Several targets may be of one kind, e.g. two image registries.
func New(d *release.Dir, targets []Target, opts ...Option) (*Publisher, error) {
	p := &Publisher{release: d, targets: slices.Clone(targets), log: slog.New(slog.DiscardHandler)}
	for i, t := range targets {
		if t == nil {
			return nil, fmt.Errorf("publish: target %d is nil", i)
		}
	}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Plan asks every target what publishing would do. It writes nothing.
func (p *Publisher) Plan(ctx context.Context) (*Plan, error) {
	plan := &Plan{Release: p.release, targets: p.targets}
	var errs []error
	for i, t := range p.targets {
		actions, err := t.Plan(ctx, p.release)
		if err != nil {
			errs = append(errs, fmt.Errorf("plan %s: %w", t.Name(), err))
			continue
		}
		for _, a := range actions {
			a.Target, a.slot = t, i+1
			plan.Actions = append(plan.Actions, a)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return plan, nil
}

// Apply carries out plan. A plan with a refusal is not applied at all. Targets are independent:
// each is applied even when another fails, and the failures are returned joined. Running Plan
// and Apply again after a failure finishes the job.
func (p *Publisher) Apply(ctx context.Context, plan *Plan) error {
	if err := plan.Refused(); err != nil {
		return err
	}
	ctx = withProgressSet(ctx)
	var errs []error
	for i, t := range plan.targets {
		var push []Action
		for _, a := range plan.Actions {
			if a.slot == i+1 && (a.Op == Push || a.Op == Force) {
				push = append(push, a)
			}
		}
		if len(push) == 0 {
			continue
		}
		if err := t.Apply(ctx, plan.Release, push); err != nil {
			errs = append(errs, fmt.Errorf("publish %s: %w", t.Name(), err))
			continue
		}
		for _, a := range push {
			p.log.Info("published", "target", t.Name(), "kind", a.Kind, "ref", a.Object, "digest", a.Digest)
		}
	}
	return errors.Join(errs...)
}

// mutable reports whether tag matches one of the patterns (path.Match syntax).
func mutable(patterns []string, tag string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, tag); ok {
			return true
		}
	}
	return false
}

// shortDigest is "sha256:" and the first 12 hex digits, for details.
func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 && strings.HasPrefix(d, "sha256:") {
		return d[:len("sha256:")+12]
	}
	return d
}
