package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

// TestGitTags pushes annotated tags to a local bare remote, skips them the second time, and
// refuses a tag that exists at another commit.
func TestGitTags(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	gitRun(t, f.repo, "clone", "--quiet", "--bare", f.repo, remote)
	tags := target(t)(publish.GitTags(publish.WithRemote("app", remote)))
	p, pl := plan(t, ctx, open(t, f), tags)
	want := map[string]string{
		"git git-tag " + remote + " 1.2.3":  "push",
		"git git-tag " + remote + " v1.2.3": "push",
	}
	if diff := cmp.Diff(want, ops(pl)); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"1.2.3", "v1.2.3"} {
		if got := gitRun(t, remote, "rev-parse", tag+"^{commit}"); got != f.sha {
			t.Errorf("%s -> %s, want %s", tag, got, f.sha)
		}
		if typ := gitRun(t, remote, "cat-file", "-t", tag); typ != "tag" {
			t.Errorf("%s is a %s, want an annotated tag", tag, typ)
		}
	}
	tagObject := gitRun(t, remote, "rev-parse", "1.2.3")
	if date := gitRun(t, remote, "for-each-ref", "--format=%(taggerdate:iso-strict)", "refs/tags/1.2.3"); date != "2024-06-01T00:00:00+00:00" {
		t.Errorf("tagger date %s, want the recorded release time %s", date, releaseTime)
	}

	_, pl = plan(t, ctx, open(t, f), tags)
	if pl.Count(publish.Skip) != 2 {
		t.Errorf("second plan:\n%s", planText(pl))
	}

	// Another remote where the tag is at another commit.
	other := filepath.Join(t.TempDir(), "other.git")
	gitRun(t, f.repo, "clone", "--quiet", "--bare", f.repo, other)
	os.WriteFile(filepath.Join(f.repo, "README"), []byte("changed\n"), 0o644)
	gitRun(t, f.repo, "commit", "--quiet", "-am", "later")
	gitRun(t, f.repo, "push", "--quiet", other, "HEAD:refs/heads/main")
	gitRun(t, f.repo, "push", "--quiet", other, "HEAD:refs/tags/1.2.3")
	p, pl = plan(t, ctx, open(t, f), target(t)(publish.GitTags(publish.WithRemote("app", other))))
	if got := ops(pl)["git git-tag "+other+" 1.2.3"]; got != publish.Refuse.String() {
		t.Errorf("tag at another commit: %s\n%s", got, planText(pl))
	}
	if err := p.Apply(ctx, pl); !errors.Is(err, publish.ErrExists) {
		t.Errorf("apply: %v, want ErrExists", err)
	}
	if got := gitRun(t, remote, "rev-parse", "1.2.3"); got != tagObject {
		t.Errorf("tag object changed: %s", got)
	}
}

// TestGrafana uploads a dashboard revision to an httptest server shaped like grafana.com.
func TestGrafana(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	const token = "glc_secret-token"
	var mu sync.Mutex
	var revisions [][]byte
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, r.Method+" "+r.URL.Path)
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/dashboards/7639/revisions":
			var items []map[string]int
			for i := range revisions {
				items = append(items, map[string]int{"revision": i + 1})
			}
			json.NewEncoder(w).Encode(map[string]any{"items": items})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/dashboards/7639/revisions/"):
			var n int
			fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/api/dashboards/7639/revisions/"), "%d/download", &n)
			w.Write(revisions[n-1])
		case r.Method == http.MethodPost && r.URL.Path == "/api/dashboards/7639/revisions":
			file, _, err := r.FormFile("json")
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			data, _ := io.ReadAll(file)
			revisions = append(revisions, data)
			w.WriteHeader(http.StatusCreated)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	grafana := publish.Grafana(srv.Client(), srv.URL, map[string]int{"mesh": 7639}, token)
	p, pl := plan(t, ctx, open(t, f), grafana)
	if pl.Count(publish.Push) != 1 {
		t.Fatalf("plan:\n%s", planText(pl))
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(filepath.Join(f.dir, "grafana", "mesh.json"))
	if len(revisions) != 1 || !bytes.Equal(revisions[0], want) {
		t.Fatalf("revisions = %q", revisions)
	}
	_, pl = plan(t, ctx, open(t, f), grafana)
	if pl.Count(publish.Skip) != 1 {
		t.Errorf("second plan:\n%s", planText(pl))
	}
	// A failing status is an error that names the call and does not quote the token.
	bad := publish.Grafana(srv.Client(), srv.URL, map[string]int{"mesh": 7639}, token+"-wrong")
	pb, _ := publish.New(open(t, f), []publish.Target{bad})
	_, err := pb.Plan(ctx)
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), token) {
		t.Errorf("wrong token: %v", err)
	}
}

// TestFilesRefuse: an object of the release that exists with other content is refused.
func TestFilesRefuse(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	dir := t.TempDir()
	bucket, err := blob.Open(ctx, "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	if err := bucket.Write(ctx, "r/1.2.3/SHA256SUMS", strings.NewReader("other\n"), publish.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	p, pl := plan(t, ctx, open(t, f), target(t)(publish.Files(bucket, "r")))
	if got := ops(pl)["files file "+bucket.URL("r/1.2.3/SHA256SUMS")]; got != publish.Refuse.String() {
		t.Fatalf("SHA256SUMS: %s\n%s", got, planText(pl))
	}
	if err := p.Apply(ctx, pl); !errors.Is(err, publish.ErrExists) {
		t.Fatalf("apply: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r", "1.2.3", "manifest.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused plan wrote files: %v", err)
	}
	// Forced, it is overwritten; then everything is identical.
	p, pl = plan(t, ctx, open(t, f), target(t)(publish.Files(bucket, "r", publish.WithForce())))
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	_, pl = plan(t, ctx, open(t, f), target(t)(publish.Files(bucket, "r")))
	if pl.Count(publish.Skip) != len(pl.Actions) {
		t.Errorf("after force:\n%s", planText(pl))
	}
}

// TestFilesDamaged: a file that no longer matches SHA256SUMS is not published.
func TestFilesDamaged(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	bucket, _ := blob.Open(ctx, "mem://")
	os.WriteFile(filepath.Join(f.dir, "grafana", "mesh.json"), []byte("{}"), 0o644)
	p, pl := plan(t, ctx, open(t, f), target(t)(publish.Files(bucket, "")))
	err := p.Apply(ctx, pl)
	if err == nil || !strings.Contains(err.Error(), "grafana/mesh.json") {
		t.Fatalf("apply: %v", err)
	}
	if _, err := bucket.Stat(ctx, "1.2.3/grafana/mesh.json"); !errors.Is(err, publish.ErrNotExist) {
		t.Errorf("damaged file published: %v", err)
	}
}

// racingBucket changes index.yaml once, between the chart repository's read and its write.
type racingBucket struct {
	publish.Bucket
	once sync.Once
}

func (b *racingBucket) Write(ctx context.Context, key string, r io.Reader, w publish.WriteOptions) error {
	if strings.HasSuffix(key, "index.yaml") {
		b.once.Do(func() {
			other := "apiVersion: v1\nentries:\n  other:\n  - name: other\n    version: 9.9.9\n    digest: abc\n"
			if err := b.Bucket.Write(ctx, key, strings.NewReader(other), publish.WriteOptions{}); err != nil {
				panic(err)
			}
		})
	}
	return b.Bucket.Write(ctx, key, r, w)
}

// TestChartRepoRace: the index is merged again when another writer changed it meanwhile.
func TestChartRepoRace(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	mem, _ := blob.Open(ctx, "mem://")
	bucket := &racingBucket{Bucket: mem}
	p, pl := plan(t, ctx, open(t, f), target(t)(publish.ChartRepo(bucket, "", "https://charts.example")))
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	index, _, err := mem.Read(ctx, "index.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"other:", "version: 9.9.9", "app:", "version: 1.2.3"} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index lacks %q:\n%s", want, index)
		}
	}
}

// renamed wraps a target under another name, as a caller's recording or rate-limiting wrapper
// does.
type renamed struct{ publish.Target }

func (renamed) Name() string { return "mirror" }

// TestWrappedTarget: a plan's actions belong to the target that planned them, whatever it is
// named, so a wrapper publishes what the target it wraps planned.
func TestWrappedTarget(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	bucket, _ := blob.Open(ctx, "mem://")
	files := target(t)(publish.Files(bucket, "r"))
	p, pl := plan(t, ctx, open(t, f), renamed{files}, files)
	if n := pl.Count(publish.Push); n == 0 || n != len(pl.Actions) {
		t.Fatalf("plan:\n%s", planText(pl))
	}
	if got := ops(pl)["mirror file "+bucket.URL("r/1.2.3/manifest.yaml")]; got != "push" {
		t.Errorf("the wrapper's action: %q\n%s", got, planText(pl))
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	if _, err := bucket.Stat(ctx, "r/1.2.3/manifest.yaml"); err != nil {
		t.Errorf("the wrapped target published nothing: %v", err)
	}
	_, pl = plan(t, ctx, open(t, f), renamed{files})
	if pl.Count(publish.Skip) != len(pl.Actions) {
		t.Errorf("second plan:\n%s", planText(pl))
	}
}

// TestHostileRelease: publish reads only the release's own regular files.
func TestHostileRelease(t *testing.T) {
	ctx := t.Context()

	// A listed file that is a link, even to bytes that match SHA256SUMS.
	f := newFixture(t)
	outside := filepath.Join(t.TempDir(), "mesh.json")
	data, _ := os.ReadFile(filepath.Join(f.dir, "grafana", "mesh.json"))
	os.WriteFile(outside, data, 0o644)
	os.Remove(filepath.Join(f.dir, "grafana", "mesh.json"))
	if err := os.Symlink(outside, filepath.Join(f.dir, "grafana", "mesh.json")); err != nil {
		t.Fatal(err)
	}
	bucket, _ := blob.Open(ctx, "mem://")
	p, err := publish.New(open(t, f), []publish.Target{target(t)(publish.Files(bucket, ""))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(ctx); !errors.Is(err, release.ErrNotRegular) || !strings.Contains(err.Error(), "grafana/mesh.json") {
		t.Errorf("plan with a linked file: %v", err)
	}

	// A chart recorded outside the release.
	f = newFixture(t)
	host := filepath.Join(filepath.Dir(f.dir), "host.tgz")
	os.WriteFile(host, chartTgz(t, "host", "9.9.9"), 0o644)
	m, _ := os.ReadFile(filepath.Join(f.dir, "manifest.yaml"))
	m = []byte(strings.Replace(string(m), "path: helm/app-1.2.3.tgz", "path: ../host.tgz", 1))
	os.WriteFile(filepath.Join(f.dir, "manifest.yaml"), m, 0o644)
	if _, err := release.Open(f.dir); err == nil || !strings.Contains(err.Error(), `artifacts[1].path: "../host.tgz" is not a clean path inside the release`) {
		t.Errorf("open with a chart outside: %v", err)
	}
}

// chartRelease writes a release directory of one chart, app at version v.
func chartRelease(t testing.TB, v string) *release.Dir {
	t.Helper()
	dir := t.TempDir()
	tgz := chartTgz(t, "app", v)
	rel := "helm/app-" + v + ".tgz"
	if err := os.MkdirAll(filepath.Join(dir, "helm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, rel), tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: v, Dependencies: map[string]*manifest.Dependency{"app": {Git: "https://example.com/app.git",
		Sha: strings.Repeat("a", 40), Resolved: &manifest.Resolution{From: "tag v" + v, CommitTime: "2024-05-01T12:00:00Z"}}}}
	_, err := release.Write(dir, release.Record{Manifest: m, Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Files: []manifest.Artifact{{Path: rel, Kind: manifest.OutputHelm, SHA256: fmt.Sprintf("%x", sha256.Sum256(tgz))}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChartRepoWriter publishes one chart version to a chart repository in a file:// bucket; it
// runs only as a process started by TestChartRepoProcesses.
func TestChartRepoWriter(t *testing.T) {
	bucketDir, v := os.Getenv("RELEASEKIT_TEST_BUCKET"), os.Getenv("RELEASEKIT_TEST_VERSION")
	if bucketDir == "" {
		t.Skip("started by TestChartRepoProcesses")
	}
	bucket, err := blob.Open(t.Context(), "file://"+bucketDir)
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	p, pl := plan(t, t.Context(), chartRelease(t, v), target(t)(publish.ChartRepo(bucket, "charts", "https://charts.example")))
	if err := p.Apply(t.Context(), pl); err != nil {
		t.Fatal(err)
	}
}

// TestChartRepoProcesses: eight processes publishing different releases to one chart
// repository in a file:// bucket at once lose no entry, round after round.
func TestChartRepoProcesses(t *testing.T) {
	bucketDir := t.TempDir()
	const writers, rounds = 8, 5
	// A reader reads the index all along: it never sees a half-written one.
	reader, err := blob.Open(t.Context(), "file://"+bucketDir)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for reads := 0; ; reads++ {
			select {
			case <-stop:
				return
			default:
			}
			data, _, err := reader.Read(t.Context(), "charts/index.yaml")
			if errors.Is(err, publish.ErrNotExist) {
				continue
			}
			if err == nil {
				var idx map[string]any
				err = yaml.Unmarshal(data, &idx)
			}
			if err != nil {
				readErr <- fmt.Errorf("read %d: %w", reads, err)
				return
			}
		}
	}()
	defer func() {
		close(stop)
		if err := <-readErr; err != nil {
			t.Errorf("a concurrent reader: %v", err)
		}
	}()
	for round := range rounds {
		cmds := make([]*exec.Cmd, writers)
		outs := make([]bytes.Buffer, writers)
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run=^TestChartRepoWriter$", "-test.count=1")
			cmds[i].Env = append(os.Environ(), "RELEASEKIT_TEST_BUCKET="+bucketDir, fmt.Sprintf("RELEASEKIT_TEST_VERSION=1.%d.%d", round, i))
			cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
			if err := cmds[i].Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Fatalf("round %d, writer %d: %v\n%s", round, i, err, outs[i].String())
			}
		}
		index, err := os.ReadFile(filepath.Join(bucketDir, "charts", "index.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(regexp.MustCompile(`(?m)^ +version: 1\.`).FindAll(index, -1)), writers*(round+1); got != want {
			t.Fatalf("round %d: the index lists %d versions, want %d:\n%s", round, got, want, index)
		}
	}
}
