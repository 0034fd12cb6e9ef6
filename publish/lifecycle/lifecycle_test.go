package lifecycle_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/lifecycle"
)

// registry starts the distribution registry (deletion enabled) when the test has it, else the
// in-process one, and returns its host.
func registry(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("RELEASEKIT_REGISTRY"); bin != "" {
		return strings.TrimPrefix(registrytest.Distribution(t, bin), "http://")
	}
	return registrytest.New(t).Host
}

// push writes a new random image under tag and returns its digest.
func push(t *testing.T, repo, tag string) string {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(repo + ":" + tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(t.Context())); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	return d.String()
}

func head(t *testing.T, ref string) (v1.Hash, error) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(r, remote.WithContext(t.Context()))
	if err != nil {
		return v1.Hash{}, err
	}
	return desc.Digest, nil
}

func plan(t *testing.T, m *lifecycle.Manager, repo string) (*lifecycle.Plan, map[string]string) {
	t.Helper()
	p, err := m.Plan(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p.WriteTo(&b)
	t.Logf("plan:\n%s", b.String())
	ops := map[string]string{}
	for _, a := range p.Actions {
		ops[a.Tag] = a.Op
	}
	return p, ops
}

// TestLifecycle: images unused for 30 days become obsolete (their tag moves, their digest still
// pulls) and can be restored; obsolete for 30 more they are pruned, unless a tag, a keep record
// or a pinned reference still names them; an image both obsolete and kept stops the run.
func TestLifecycle(t *testing.T) {
	host := registry(t)
	repo := host + "/libpod/fedora"
	bucket, err := blob.Open(t.Context(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	store, err := lifecycle.NewStore(bucket, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	now := t0
	clock := func() time.Time { return now }
	day := 24 * time.Hour
	images := map[string]string{}
	for _, tag := range []string{"c20261001t080000z-aaaaaaa", "c20261120t080000z-bbbbbbb", "c20260801t080000z-ccccccc", "c20261125t080000z-ddddddd", "c20260901t080000z-eeeeeee"} {
		images[tag] = push(t, repo, tag)
	}
	touch := func(tag string, when time.Time) {
		t.Helper()
		if err := store.Touch(t.Context(), lifecycle.Image{Repo: repo, Tag: tag, Digest: images[tag]}, when); err != nil {
			t.Fatal(err)
		}
	}
	touch("c20261001t080000z-aaaaaaa", t0.Add(-40*day))  // unused for 40 days
	touch("c20261120t080000z-bbbbbbb", t0.Add(-5*day))   // in use
	touch("c20260801t080000z-ccccccc", t0.Add(-100*day)) // old, but a release branch keeps it
	if err := store.Keep(t.Context(), lifecycle.Image{Repo: repo, Tag: "c20260801t080000z-ccccccc", Digest: images["c20260801t080000z-ccccccc"]}, "release-1.30 uses it"); err != nil {
		t.Fatal(err)
	}
	touch("c20260901t080000z-eeeeeee", t0.Add(-60*day)) // unused, and pinned in a lock file
	// (ddddddd has no use recorded and was built 5 days ago: left alone.)
	eRef, _ := digest.Parse(repo + ":c20260901t080000z-eeeeeee@" + images["c20260901t080000z-eeeeeee"])
	m, err := lifecycle.NewManager(store, lifecycle.WithClock(clock), lifecycle.WithProtected(eRef), lifecycle.WithLimits(1, 50))
	if err != nil {
		t.Fatal(err)
	}

	p, ops := plan(t, m, repo)
	want := map[string]string{"c20261001t080000z-aaaaaaa": "obsolete", "c20261120t080000z-bbbbbbb": "leave", "c20260801t080000z-ccccccc": "leave",
		"c20261125t080000z-ddddddd": "leave", "c20260901t080000z-eeeeeee": "obsolete"}
	if !equal(ops, want) {
		t.Fatalf("plan: %v, want %v", ops, want)
	}
	if err := m.Apply(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := head(t, repo+":c20261001t080000z-aaaaaaa"); err == nil {
		t.Error("the obsolete tag still pulls")
	}
	if d, err := head(t, repo+"@"+images["c20261001t080000z-aaaaaaa"]); err != nil || d.String() != images["c20261001t080000z-aaaaaaa"] {
		t.Errorf("the obsolete image by digest: %v %v", d, err)
	}
	if d, err := head(t, repo+":obsolete-c20261001t080000z-aaaaaaa"); err != nil || d.String() != images["c20261001t080000z-aaaaaaa"] {
		t.Errorf("obsolete- tag: %v %v", d, err)
	}
	// Restored, and obsolete again.
	if err := m.Restore(t.Context(), repo, "c20261001t080000z-aaaaaaa"); err != nil {
		t.Fatal(err)
	}
	if d, err := head(t, repo+":c20261001t080000z-aaaaaaa"); err != nil || d.String() != images["c20261001t080000z-aaaaaaa"] {
		t.Errorf("restored tag: %v %v", d, err)
	}
	// 31 days later: aaaaaaa (restored, so used then) and bbbbbbb are unused for 30 days and
	// more, and ddddddd, never used, was built 36 days ago; eeeeeee, obsolete for 31 days,
	// would be pruned, but a lock file pins it.
	now = t0.Add(31 * day)
	p, ops = plan(t, m, repo)
	want = map[string]string{"c20261001t080000z-aaaaaaa": "obsolete", "c20261120t080000z-bbbbbbb": "obsolete", "c20260801t080000z-ccccccc": "leave",
		"c20261125t080000z-ddddddd": "obsolete", "obsolete-c20260901t080000z-eeeeeee": "leave"}
	if !equal(ops, want) {
		t.Fatalf("plan at +31 days: %v, want %v", ops, want)
	}
	for _, a := range p.Actions {
		if a.Tag == "obsolete-c20260901t080000z-eeeeeee" && !strings.Contains(a.Why, "pinned by "+eRef.String()) {
			t.Errorf("eeeeeee left for %q, want the pin named", a.Why)
		}
	}
	if err := m.Apply(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	// Obsolete for 14 days: left; for 31: pruned.
	now = t0.Add(45 * day)
	if _, ops = plan(t, m, repo); ops["obsolete-c20261001t080000z-aaaaaaa"] != "leave" {
		t.Errorf("plan at +45 days: %v", ops)
	}
	now = t0.Add(62 * day)
	p, ops = plan(t, m, repo)
	want = map[string]string{"obsolete-c20261001t080000z-aaaaaaa": "prune", "obsolete-c20261120t080000z-bbbbbbb": "prune", "c20260801t080000z-ccccccc": "leave",
		"obsolete-c20261125t080000z-ddddddd": "prune", "obsolete-c20260901t080000z-eeeeeee": "leave"}
	if !equal(ops, want) {
		t.Fatalf("plan at +62 days: %v, want %v", ops, want)
	}
	if err := m.Apply(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := head(t, repo+"@"+images["c20261001t080000z-aaaaaaa"]); err == nil {
		t.Error("the pruned image still pulls by digest")
	}
	table, err := store.Table(t.Context(), repo)
	if err != nil {
		t.Fatal(err)
	}
	if r := table.Get(images["c20261001t080000z-aaaaaaa"]); r == nil || r.Pruned.IsZero() {
		t.Errorf("the pruned image's record: %+v", r)
	}

	// Kept while obsolete: refused loudly, nothing pruned, the run fails after obsoleting.
	if err := store.Keep(t.Context(), lifecycle.Image{Repo: repo, Digest: images["c20260901t080000z-eeeeeee"]}, "release-1.29 uses it"); err != nil {
		t.Fatal(err)
	}
	p, err = m.Plan(t.Context(), repo)
	if err != nil || !errors.Is(p.Refused, lifecycle.ErrKeptObsolete) {
		t.Fatalf("obsolete and kept: %v, refused %v", err, p.Refused)
	}
	if err := m.Apply(t.Context(), p); !errors.Is(err, lifecycle.ErrKeptObsolete) {
		t.Errorf("apply of a refused plan: %v", err)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestRules: automation_images' imgobsolete and imgprune rules (RULES of its scripts, mapped to
// registry tags), each at its boundary, against a registry with a fake clock.
func TestRules(t *testing.T) {
	host := registry(t)
	bucket, err := blob.Open(t.Context(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	day := 24 * time.Hour
	// 08:00 UTC, so that "00:00 UTC of the day" differs from "now minus whole days".
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	sfx := func(at time.Time) string { return "c" + at.UTC().Format("20060102t150405z") + "-f43f42d14" }
	type image struct {
		tag     string
		used    time.Duration // before the plan's time; 0: never
		future  time.Duration // a use recorded this far after the plan's time
		keep    bool
		wantOp  string
		wantWhy string
	}
	for i, c := range []struct {
		name    string
		at      time.Time
		current string
		limits  [2]int
		images  []image
	}{
		{name: "exactly the period unused is obsolete, a second less is not", at: t0, images: []image{
			{tag: "a", used: 30 * day, wantOp: "obsolete"},
			{tag: "b", used: 30*day - time.Second, wantOp: "leave"},
		}},
		{name: "never used: a candidate once built before 00:00 UTC of the day the period ago", at: t0, images: []image{
			{tag: sfx(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC).Add(-time.Second)), wantOp: "obsolete", wantWhy: "never used"},
			{tag: sfx(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)), wantOp: "leave", wantWhy: "less than 30 days ago"},
			{tag: "no-build-time", wantOp: "leave", wantWhy: "left alone"},
		}},
		{name: "a use in the future beyond an hour is no use", at: t0, images: []image{
			{tag: "a", future: time.Hour, wantOp: "obsolete", wantWhy: "in the future"},
			{tag: "b", future: time.Hour - time.Second, wantOp: "leave"},
		}},
		{name: "the current suffix is never obsoleted", at: t0, current: "20260801t000000z-f42f41d13", images: []image{
			{tag: "c20260801t000000z-f42f41d13", used: 100 * day, wantOp: "leave", wantWhy: "current suffix"},
			{tag: "b20260801t000000z-f42f41d13", wantOp: "leave", wantWhy: "current suffix"},
			{tag: "c20260701t000000z-f42f41d13", used: 100 * day, wantOp: "obsolete"},
		}},
		{name: "kept for good is never a candidate", at: t0, images: []image{
			{tag: "a", used: 100 * day, keep: true, wantOp: "leave", wantWhy: "kept for good"},
			{tag: "b", used: 100 * day, wantOp: "obsolete"},
		}},
		{name: "safety net: fewer than the minimum change nothing", at: t0, limits: [2]int{3, 50}, images: []image{
			{tag: "a", used: 40 * day, wantOp: "leave", wantWhy: "fewer than 3"},
			{tag: "b", used: 50 * day, wantOp: "leave", wantWhy: "fewer than 3"},
		}},
		{name: "safety net: the minimum itself goes", at: t0, limits: [2]int{3, 50}, images: []image{
			{tag: "a", used: 40 * day, wantOp: "obsolete"}, {tag: "b", used: 50 * day, wantOp: "obsolete"}, {tag: "c", used: 60 * day, wantOp: "obsolete"},
		}},
		{name: "safety net: at most the maximum, the longest unused first", at: t0, limits: [2]int{1, 2}, images: []image{
			{tag: "a", used: 40 * day, wantOp: "leave", wantWhy: "at most 2 a run"}, {tag: "b", used: 50 * day, wantOp: "obsolete"}, {tag: "c", used: 60 * day, wantOp: "obsolete"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			repo := fmt.Sprintf("%s/rules/r%d", host, i)
			store, _ := lifecycle.NewStore(bucket, fmt.Sprintf("r%d", i))
			limits := c.limits
			if limits == [2]int{} {
				limits = [2]int{1, 50}
			}
			opts := []lifecycle.Option{lifecycle.WithClock(func() time.Time { return c.at }), lifecycle.WithLimits(limits[0], limits[1])}
			if c.current != "" {
				opts = append(opts, lifecycle.WithCurrent(c.current))
			}
			m, err := lifecycle.NewManager(store, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, im := range c.images {
				img := lifecycle.Image{Repo: repo, Tag: im.tag, Digest: push(t, repo, im.tag)}
				switch {
				case im.used > 0:
					store.Touch(t.Context(), img, c.at.Add(-im.used))
				case im.future > 0:
					store.Touch(t.Context(), img, c.at.Add(im.future))
				}
				if im.keep {
					store.Keep(t.Context(), img, "release-1.30 uses it")
				}
			}
			p, _ := plan(t, m, repo)
			for _, im := range c.images {
				for _, a := range p.Actions {
					if a.Tag == im.tag && (a.Op != im.wantOp || !strings.Contains(a.Why, im.wantWhy)) {
						t.Errorf("%s: %s (%s), want %s holding %q", im.tag, a.Op, a.Why, im.wantOp, im.wantWhy)
					}
				}
			}
		})
	}
}

// TestPruneRules: an image obsoleted at 08:00 is pruned by the first run from 00:00 UTC of the
// day after its 30th day, not a second before; the current suffix's obsolete image never is;
// an obsolete image later kept for good is refused loudly, nothing is pruned, and the others
// are still obsoleted.
func TestPruneRules(t *testing.T) {
	repo, store := rulesRepo(t, "prune")
	day := 24 * time.Hour
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	now := t0
	m, err := lifecycle.NewManager(store, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithLimits(1, 50))
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]lifecycle.Image{}
	for _, tag := range []string{"a", "b"} {
		images[tag] = lifecycle.Image{Repo: repo, Tag: tag, Digest: push(t, repo, tag)}
		store.Touch(t.Context(), images[tag], t0.Add(-40*day))
	}
	p, _ := plan(t, m, repo)
	if err := m.Apply(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{t0.Add(30 * day), "leave"},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Add(-time.Second), "leave"},
		{time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "prune"},
	} {
		now = c.at
		if _, ops := plan(t, m, repo); ops["obsolete-a"] != c.want {
			t.Errorf("at %s: %s, want %s", c.at.Format(time.RFC3339), ops["obsolete-a"], c.want)
		}
	}
	// The current suffix: its obsolete image is never pruned.
	cur, err := lifecycle.NewManager(store, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithLimits(1, 50), lifecycle.WithCurrent("20261130t080000z-f43f42d14"))
	if err != nil {
		t.Fatal(err)
	}
	tag := "c20261130t080000z-f43f42d14"
	images[tag] = lifecycle.Image{Repo: repo, Tag: "obsolete-" + tag, Digest: push(t, repo, "obsolete-"+tag)}
	if _, ops := plan(t, cur, repo); ops["obsolete-"+tag] != "leave" || ops["obsolete-a"] != "prune" {
		t.Errorf("with the current suffix: %v", ops)
	}
	// b is kept for good while obsolete; c, unused, becomes obsolete in the same run.
	store.Keep(t.Context(), images["b"], "release-1.29 uses it")
	images["c"] = lifecycle.Image{Repo: repo, Tag: "c", Digest: push(t, repo, "c")}
	store.Touch(t.Context(), images["c"], now.Add(-40*day))
	p, ops := plan(t, m, repo)
	if !errors.Is(p.Refused, lifecycle.ErrKeptObsolete) || ops["obsolete-a"] != "leave" || ops["c"] != "obsolete" {
		t.Fatalf("kept while obsolete: %v, refused %v", ops, p.Refused)
	}
	if err := m.Apply(t.Context(), p); !errors.Is(err, lifecycle.ErrKeptObsolete) {
		t.Errorf("apply: %v, want the refusal", err)
	}
	if _, err := head(t, repo+"@"+images["a"].Digest); err != nil {
		t.Errorf("a was deleted while a refusal stood: %v", err)
	}
	if _, err := head(t, repo+":obsolete-c"); err != nil {
		t.Errorf("c was not obsoleted: %v", err)
	}
}

// TestSafetyNetKeepsTags: a tag the safety net leaves for the next run still names its digest,
// so that digest is not pruned through another, obsolete tag.
func TestSafetyNetKeepsTags(t *testing.T) {
	repo, store := rulesRepo(t, "shared")
	day := 24 * time.Hour
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	now := t0
	m, err := lifecycle.NewManager(store, lifecycle.WithClock(func() time.Time { return now }), lifecycle.WithLimits(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	// x and y name one image; z another, used longer ago.
	d := push(t, repo, "x")
	img, _ := remote.Get(ref(t, repo+"@"+d), remote.WithContext(t.Context()))
	remote.Tag(ref(t, repo+":y").(name.Tag), img, remote.WithContext(t.Context()))
	for _, tag := range []string{"x", "y"} {
		store.Touch(t.Context(), lifecycle.Image{Repo: repo, Tag: tag, Digest: d}, t0.Add(-100*day))
	}
	p, _ := plan(t, m, repo)
	if err := m.Apply(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(40 * day)
	z := push(t, repo, "z")
	store.Touch(t.Context(), lifecycle.Image{Repo: repo, Tag: "z", Digest: z}, t0.Add(-160*day))
	p, ops := plan(t, m, repo)
	for _, a := range p.Actions {
		if a.Op == "prune" && a.Digest == d {
			t.Errorf("%s is pruned while a tag the safety net left names it: %v", d, ops)
		}
	}
}

// rulesRepo returns a repository of the test's registry and a store in a bucket of its own.
func rulesRepo(t *testing.T, name string) (string, *lifecycle.Store) {
	t.Helper()
	bucket, err := blob.Open(t.Context(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bucket.Close() })
	store, err := lifecycle.NewStore(bucket, "")
	if err != nil {
		t.Fatal(err)
	}
	return registry(t) + "/rules/" + name, store
}

func ref(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
