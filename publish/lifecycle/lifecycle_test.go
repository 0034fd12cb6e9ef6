package lifecycle_test

import (
	"errors"
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
	// (ddddddd has no use recorded: left alone.)
	eRef, _ := digest.Parse(repo + ":c20260901t080000z-eeeeeee@" + images["c20260901t080000z-eeeeeee"])
	m, err := lifecycle.NewManager(store, lifecycle.WithClock(clock), lifecycle.WithProtected(eRef))
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
	// more; eeeeeee, obsolete for 31 days, would be pruned, but a lock file pins it.
	now = t0.Add(31 * day)
	p, ops = plan(t, m, repo)
	want = map[string]string{"c20261001t080000z-aaaaaaa": "obsolete", "c20261120t080000z-bbbbbbb": "obsolete", "c20260801t080000z-ccccccc": "leave",
		"c20261125t080000z-ddddddd": "leave", "obsolete-c20260901t080000z-eeeeeee": "leave"}
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
		"c20261125t080000z-ddddddd": "leave", "obsolete-c20260901t080000z-eeeeeee": "leave"}
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

	// Kept while obsolete: the run stops.
	if err := store.Keep(t.Context(), lifecycle.Image{Repo: repo, Digest: images["c20260901t080000z-eeeeeee"]}, "release-1.29 uses it"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Plan(t.Context(), repo); !errors.Is(err, lifecycle.ErrKeptObsolete) {
		t.Errorf("obsolete and kept: %v", err)
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
