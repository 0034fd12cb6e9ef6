package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/digest"
)

// ObsoletePrefix marks an obsolete tag: obsolete-<tag> names what <tag> named.
const ObsoletePrefix = "obsolete-"

// ErrKeptObsolete is wrapped by Plan.Refused, and by Apply's error, for an image both obsolete
// and kept for good: the run deletes nothing, and fails once it has obsoleted what it may.
var ErrKeptObsolete = errors.New("obsolete and kept for good")

// skew is how far in the future a recorded use may lie: beyond it the record is invalid (a
// clock gone wrong), not a fresh use.
const skew = time.Hour

// Option configures a Manager.
type Option func(*Manager) error

// WithClock sets the clock (a main passes time.Now; tests a fake). Required.
func WithClock(now func() time.Time) Option {
	return func(m *Manager) error {
		if now == nil {
			return errors.New("WithClock: nil")
		}
		m.now = now
		return nil
	}
}

// WithObsoleteAfter makes images unused for d obsolete. Default: 30 days.
func WithObsoleteAfter(d time.Duration) Option {
	return func(m *Manager) error {
		if d <= 0 {
			return errors.New("WithObsoleteAfter: want a positive duration")
		}
		m.obsoleteAfter = d
		return nil
	}
}

// WithPruneAfter prunes images obsolete for d. Default: 30 days.
func WithPruneAfter(d time.Duration) Option {
	return func(m *Manager) error {
		if d <= 0 {
			return errors.New("WithPruneAfter: want a positive duration")
		}
		m.pruneAfter = d
		return nil
	}
}

// WithCurrent names the current suffix (the committed IMG_SFX): an image whose tag holds it is
// never obsoleted or pruned, used or not. Default: none.
func WithCurrent(suffix string) Option {
	return func(m *Manager) error {
		if _, err := ParseSuffix(suffix); err != nil {
			return fmt.Errorf("WithCurrent: %w", err)
		}
		m.current = suffix
		return nil
	}
}

// WithLimits sets the safety net of each run, for obsoleting and for pruning apart: fewer
// candidates than least change nothing (a sign the usage records are gone, not that the images
// are), and at most most are taken, the longest unused first. Default: 50 and 50, as
// automation_images runs.
func WithLimits(least, most int) Option {
	return func(m *Manager) error {
		if least < 0 || most < 1 {
			return fmt.Errorf("WithLimits(%d, %d): want a minimum of 0 or more and a maximum of 1 or more", least, most)
		}
		m.least, m.most = least, most
		return nil
	}
}

// WithProtected names pinned references (from charts and lock files) whose digests are never
// pruned. Default: none.
func WithProtected(refs ...digest.Reference) Option {
	return func(m *Manager) error {
		for _, r := range refs {
			if r.Digest != "" {
				m.protected[string(r.Digest)] = r.String()
			}
		}
		return nil
	}
}

// WithKeychain authenticates to registries. Default: anonymous.
func WithKeychain(k authn.Keychain) Option {
	return func(m *Manager) error {
		if k == nil {
			return errors.New("WithKeychain: nil")
		}
		m.keychain = k
		return nil
	}
}

// WithTransport sets the HTTP transport. Default: remote.DefaultTransport.
func WithTransport(rt http.RoundTripper) Option {
	return func(m *Manager) error {
		if rt == nil {
			return errors.New("WithTransport: nil")
		}
		m.rt = rt
		return nil
	}
}

// Manager plans and applies the lifecycle of repositories' images.
type Manager struct {
	store                     *Store
	now                       func() time.Time
	obsoleteAfter, pruneAfter time.Duration
	current                   string
	least, most               int
	protected                 map[string]string // digest → the pinned reference
	keychain                  authn.Keychain
	rt                        http.RoundTripper
}

// NewManager returns a manager of images whose usage store keeps.
func NewManager(store *Store, opts ...Option) (*Manager, error) {
	if store == nil {
		return nil, errors.New("lifecycle: nil store")
	}
	const month = 30 * 24 * time.Hour
	m := &Manager{store: store, obsoleteAfter: month, pruneAfter: month, least: 50, most: 50, protected: map[string]string{},
		keychain: authn.NewMultiKeychain(), rt: remote.DefaultTransport}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, fmt.Errorf("lifecycle: %w", err)
		}
	}
	if m.now == nil {
		return nil, errors.New("lifecycle: no clock: give WithClock")
	}
	return m, nil
}

func (m *Manager) remote(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(m.keychain), remote.WithTransport(m.rt)}
}

// The operations of a plan.
const (
	// Obsolete moves a tag under ObsoletePrefix.
	Obsolete = "obsolete"
	// Prune deletes an obsolete image by digest.
	Prune = "prune"
	// Leave changes nothing; Why says why.
	Leave = "leave"
)

// Action is one line of a plan.
type Action struct {
	Op, Tag, Digest, Why string
}

// Plan is what Apply would do to one repository.
type Plan struct {
	Repo    string
	Now     time.Time
	Actions []Action
	// Refused holds, wrapping ErrKeptObsolete, the obsolete images kept for good: while it
	// is set the plan prunes nothing, and Apply fails after obsoleting.
	Refused error
}

// WriteTo prints the plan, a line per tag, then a summary.
func (p *Plan) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	n := map[string]int{}
	for _, a := range p.Actions {
		fmt.Fprintf(tw, "%s\t%s:%s\t%s\t%s\n", a.Op, p.Repo, a.Tag, a.Digest, a.Why)
		n[a.Op]++
	}
	tw.Flush()
	fmt.Fprintf(&b, "plan for %s at %s: %d to obsolete, %d to prune, %d left\n", p.Repo, p.Now.UTC().Format(time.RFC3339), n[Obsolete], n[Prune], n[Leave])
	if p.Refused != nil {
		fmt.Fprintf(&b, "REFUSED, nothing is pruned: %v\n", p.Refused)
	}
	k, err := io.WriteString(w, b.String())
	return int64(k), err
}

// Plan lists the repository's tags and decides, from its usage table, what becomes obsolete and
// what is pruned, each with the reason, as automation_images' imgobsolete and imgprune do:
//   - obsolete: not kept, not of the current suffix, not built (by its tag's suffix) on or after
//     00:00 UTC of the day the obsolete period ago, and unused for that period (used exactly
//     that long ago counts), or never used, or with a recorded use in the future beyond an
//     hour: a record that cannot be right. An image with no use recorded and no build time in
//     its tag is left alone;
//   - pruned: obsolete, its obsolete time plus the prune period before 00:00 UTC today, not
//     of the current suffix, and named by no other tag, keep record or protected reference;
//   - the safety net: fewer candidates of either kind than the minimum of WithLimits change
//     nothing of that kind, and at most its maximum are taken, the longest unused first;
//   - an obsolete image kept for good prunes nothing and sets Refused; the obsoleting of
//     others goes on.
func (m *Manager) Plan(ctx context.Context, repo string) (*Plan, error) {
	r, err := name.NewRepository(repo)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	tags, err := remote.List(r, m.remote(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", repo, err)
	}
	slices.Sort(tags)
	table, err := m.store.Table(ctx, repo)
	if err != nil {
		return nil, err
	}
	now := m.now().UTC()
	today := now.Truncate(24 * time.Hour) // 00:00 UTC
	cutoff := today.Add(-m.obsoleteAfter) // 00:00 UTC of the day the obsolete period ago
	p := &Plan{Repo: repo, Now: now}
	// One HEAD per tag, a few at once; results by index, so the plan's order is the tags'.
	found := make([]string, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, tag := range tags {
		g.Go(func() error {
			desc, err := remote.Head(r.Tag(tag), m.remote(gctx)...)
			if err != nil {
				return fmt.Errorf("%s:%s: %w", repo, tag, err)
			}
			found[i] = desc.Digest.String()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var refused []error
	live := map[string]bool{}    // digests a tag still names after the plan
	since := map[int]time.Time{} // a candidate's last use (or build), to take the oldest first
	for i, tag := range tags {
		d := found[i]
		rec := table.Get(d)
		a := Action{Op: Leave, Tag: tag, Digest: d}
		built, hasBuilt := buildTime(tag)
		used := rec != nil && !rec.LastUsed.IsZero()
		switch {
		case strings.HasPrefix(tag, ObsoletePrefix) && rec != nil && rec.Keep != "":
			// Before the current suffix, as imgprune checks permanent=true first.
			err := fmt.Errorf("%s:%s (%s): %w: %s", repo, tag, d, ErrKeptObsolete, rec.Keep)
			refused = append(refused, err)
			a.Why = "refused: " + err.Error()
			live[d] = true
		case m.current != "" && strings.Contains(tag, m.current):
			a.Why = "of the current suffix " + m.current
			live[d] = true
		case strings.HasPrefix(tag, ObsoletePrefix):
			a.Why = "obsolete"
			if rec != nil && !rec.Obsolete.IsZero() {
				a.Why = "obsolete since " + rec.Obsolete.Format(time.DateOnly)
				if rec.Obsolete.Add(m.pruneAfter).Before(today) {
					a.Op, since[len(p.Actions)] = Prune, rec.Obsolete
				}
			}
		case rec != nil && rec.Keep != "":
			a.Why = "kept for good: " + rec.Keep
			live[d] = true
		case hasBuilt && !built.Before(cutoff):
			// automation_images lists only images created before that day.
			a.Why = "built " + built.Format(time.DateOnly) + ", less than " + days(m.obsoleteAfter) + " ago"
			live[d] = true
		case used && !rec.LastUsed.Before(now.Add(skew)):
			a.Op, a.Why = Obsolete, "its recorded use "+rec.LastUsed.Format(time.RFC3339)+" is in the future: not a use"
			since[len(p.Actions)] = time.Time{}
		case used && now.Sub(rec.LastUsed) >= m.obsoleteAfter:
			a.Op, a.Why = Obsolete, "unused since "+rec.LastUsed.Format(time.DateOnly)
			since[len(p.Actions)] = rec.LastUsed
		case used:
			a.Why = "used " + rec.LastUsed.Format(time.DateOnly)
			live[d] = true
		case hasBuilt:
			a.Op, a.Why = Obsolete, "never used, built "+built.Format(time.DateOnly)
			since[len(p.Actions)] = built
		default:
			a.Why = "no use recorded, and its tag tells no build time: left alone"
			live[d] = true
		}
		p.Actions = append(p.Actions, a)
	}
	p.Refused = errors.Join(refused...)
	// The safety net first: a tag it leaves still names its digest, which is then not pruned.
	m.safetyNet(p, Obsolete, since)
	for _, a := range p.Actions {
		if a.Op == Leave && !strings.HasPrefix(a.Tag, ObsoletePrefix) {
			live[a.Digest] = true
		}
	}
	// Never delete what something still refers to, nor anything while a refusal stands.
	for i, a := range p.Actions {
		if a.Op != Prune {
			continue
		}
		rec := table.Get(a.Digest)
		switch {
		case p.Refused != nil:
			p.Actions[i].Op, p.Actions[i].Why = Leave, a.Why+"; nothing is pruned while an obsolete image is kept for good"
		case live[a.Digest]:
			p.Actions[i].Op, p.Actions[i].Why = Leave, a.Why+"; another tag still names it"
		case rec != nil && rec.Keep != "":
			p.Actions[i].Op, p.Actions[i].Why = Leave, a.Why+"; kept for good: "+rec.Keep
		case m.protected[a.Digest] != "":
			p.Actions[i].Op, p.Actions[i].Why = Leave, a.Why+"; pinned by "+m.protected[a.Digest]
		default:
			p.Actions[i].Why = a.Why + ", more than " + days(m.pruneAfter)
		}
	}
	m.safetyNet(p, Prune, since)
	return p, nil
}

// safetyNet applies the limits to the plan's actions of op: fewer than the minimum are all left,
// and beyond the maximum the most recently used are left for the next run.
func (m *Manager) safetyNet(p *Plan, op string, since map[int]time.Time) {
	var idx []int
	for i, a := range p.Actions {
		if a.Op == op {
			idx = append(idx, i)
		}
	}
	if len(idx) < m.least {
		for _, i := range idx {
			p.Actions[i].Op = Leave
			p.Actions[i].Why += fmt.Sprintf("; safety net: %d to %s, fewer than %d, so none is", len(idx), op, m.least)
		}
		return
	}
	if len(idx) <= m.most {
		return
	}
	slices.SortStableFunc(idx, func(a, b int) int { return since[a].Compare(since[b]) })
	for _, i := range idx[m.most:] {
		p.Actions[i].Op = Leave
		p.Actions[i].Why += fmt.Sprintf("; safety net: at most %d a run", m.most)
	}
}

// buildTime is the build time a tag's suffix names (c20260425t010036z-f43f42d14, or a name
// before it and a dash), if it holds one.
func buildTime(tag string) (time.Time, bool) {
	tag = strings.TrimPrefix(tag, ObsoletePrefix)
	for {
		if s, err := ParseSuffix(tag); err == nil {
			return s.Time, true
		}
		i := strings.IndexByte(tag, '-')
		if i < 0 {
			return time.Time{}, false
		}
		tag = tag[i+1:]
	}
}

func days(d time.Duration) string { return fmt.Sprintf("%d days", int(d.Hours()/24)) }

// Apply carries out a plan: an obsolete tag is written as obsolete-<tag> and the tag deleted;
// a pruned image is deleted by digest. Each is recorded in the usage table. A plan with Refused
// set (it prunes nothing) fails with it once its obsoletes are done.
func (m *Manager) Apply(ctx context.Context, p *Plan) error {
	r, err := name.NewRepository(p.Repo)
	if err != nil {
		return err
	}
	for _, a := range p.Actions {
		switch a.Op {
		case Obsolete:
			if err := m.move(ctx, r, a.Tag, ObsoletePrefix+a.Tag, a.Digest); err != nil {
				return err
			}
			err = m.store.update(ctx, p.Repo, func(t *Table) error { t.record(a.Digest).Obsolete = p.Now; return nil })
		case Prune:
			if err := remote.Delete(r.Digest(a.Digest), m.remote(ctx)...); err != nil {
				return fmt.Errorf("delete %s@%s: %w", p.Repo, a.Digest, err)
			}
			err = m.store.update(ctx, p.Repo, func(t *Table) error { t.record(a.Digest).Pruned = p.Now; return nil })
		}
		if err != nil {
			return err
		}
	}
	return p.Refused
}

// Restore undoes an obsolete: obsolete-<tag> becomes <tag> again, and the image counts as
// used now.
func (m *Manager) Restore(ctx context.Context, repo, tag string) error {
	r, err := name.NewRepository(repo)
	if err != nil {
		return err
	}
	tag = strings.TrimPrefix(tag, ObsoletePrefix)
	desc, err := remote.Head(r.Tag(ObsoletePrefix+tag), m.remote(ctx)...)
	if err != nil {
		return fmt.Errorf("restore %s:%s: %w", repo, tag, err)
	}
	d := desc.Digest.String()
	if err := m.move(ctx, r, ObsoletePrefix+tag, tag, d); err != nil {
		return err
	}
	now := m.now().UTC()
	return m.store.update(ctx, repo, func(t *Table) error {
		rec := t.record(d)
		rec.Obsolete, rec.LastUsed = time.Time{}, now
		return nil
	})
}

// move writes the manifest tag from names (digest d) under tag to, then deletes from.
func (m *Manager) move(ctx context.Context, r name.Repository, from, to, d string) error {
	desc, err := remote.Get(r.Digest(d), m.remote(ctx)...)
	if err != nil {
		return fmt.Errorf("read %s@%s: %w", r, d, err)
	}
	if err := remote.Tag(r.Tag(to), desc, m.remote(ctx)...); err != nil {
		return fmt.Errorf("tag %s:%s: %w", r, to, err)
	}
	if err := remote.Delete(r.Tag(from), m.remote(ctx)...); err != nil {
		return fmt.Errorf("delete tag %s:%s: %w", r, from, err)
	}
	return nil
}
