package publish_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

func remoteHead(r name.Reference) (string, error) {
	d, err := remote.Head(r)
	if err != nil {
		return "", err
	}
	return d.Digest.String(), nil
}

// fastRetry is a fast backoff with room for the fault tests: with 30% of requests failing, an
// upload (three requests, tried again as a whole) gets through on a try one time in three, so
// 40 tries fail one upload in 10^7.
var fastRetry = publish.WithRetry(remote.Backoff{Duration: time.Millisecond, Factor: 1, Jitter: 0.1, Steps: 40})

func TestOpen(t *testing.T) {
	f := newFixture(t)
	r := open(t, f)
	var files []string
	for _, x := range bucketFiles(t, r) {
		files = append(files, x.Path)
	}
	want := []string{"SHA256SUMS", "app-1.2.3-linux-amd64.tar.gz", "app-1.2.3-linux-amd64.tar.gz.sha256", "grafana/mesh.json", "helm/app-1.2.3.tgz", "manifest.yaml"}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	l, err := r.Layout()
	if err != nil {
		t.Fatal(err)
	}
	var images []string
	for _, im := range l.Images {
		images = append(images, im.Name(r.Manifest.Docker)+" "+im.Digest().String())
	}
	if diff := cmp.Diff([]string{"app " + f.digests["app"].String(), "proxy " + f.digests["proxy"].String()}, images); diff != "" {
		t.Errorf("images (-want +got):\n%s", diff)
	}
	charts, err := r.Charts()
	if err != nil || len(charts) != 1 || charts[0].Name != "app" || charts[0].Version != version {
		t.Errorf("charts = %+v, %v", charts, err)
	}
	if got := r.Time.Format(time.RFC3339); got != releaseTime {
		t.Errorf("time = %s, want the recorded release time %s", got, releaseTime)
	}
}

// TestPublish publishes every target of the fixture to an in-process registry and a mem://
// bucket, checks what arrived, then publishes again and checks nothing is sent.
func TestPublish(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	reg := registrytest.New(t)
	chartReg := registrytest.New(t)
	bucket, err := blob.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	targets := func() []publish.Target {
		images, err := publish.Images(reg.Host+"/org", publish.WithTags("latest"), fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		charts, err := publish.Charts("oci://"+chartReg.Host+"/charts", fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		files, err := publish.Files(bucket, "releases", publish.WithAliases("latest.txt"))
		if err != nil {
			t.Fatal(err)
		}
		repo, err := publish.ChartRepo(bucket, "charts", "https://charts.example/stable")
		if err != nil {
			t.Fatal(err)
		}
		return []publish.Target{images, charts, files, repo}
	}
	p, pl := plan(t, ctx, open(t, f), targets()...)
	if n := pl.Count(publish.Push); n != len(pl.Actions) {
		t.Fatalf("first plan: %d of %d actions push:\n%s", n, len(pl.Actions), planText(pl))
	}
	var dry bytes.Buffer
	pl.WriteTo(&dry)
	if reg.Requests.Load() == 0 {
		t.Error("planning asked the registry nothing")
	}
	puts := reg.BlobBytes.Load()
	if puts != 0 {
		t.Errorf("planning sent %d bytes", puts)
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}

	// Images: intact, with the digests they were built with, under both tags.
	for img, d := range f.digests {
		for _, tag := range []string{version, "latest"} {
			if got := digestAt(t, reg.Host+"/org/"+img+":"+tag); got != d.String() {
				t.Errorf("%s:%s = %s, want %s", img, tag, got, d)
			}
		}
		idx, err := remote.Index(ref(t, reg.Host+"/org/"+img+"@"+d.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Index(idx); err != nil {
			t.Errorf("%s: %v", img, err)
		}
	}
	if got := reg.BlobBytes.Load(); got != f.blobs {
		t.Errorf("blob bytes sent = %d, want %d (each distinct blob once)", got, f.blobs)
	}

	// The chart: Helm's media types, no creation time, digest as planned.
	chartRef := chartReg.Host + "/charts/app:" + version
	desc, err := remote.Get(ref(t, chartRef))
	if err != nil {
		t.Fatal(err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != publish.ChartConfigMediaType || len(m.Layers) != 1 || m.Layers[0].MediaType != publish.ChartContentMediaType {
		t.Errorf("chart manifest: %s", desc.Manifest)
	}
	if _, ok := m.Annotations["org.opencontainers.image.created"]; ok {
		t.Errorf("chart manifest has a creation time: %s", desc.Manifest)
	}
	report := pl.Report()
	if len(report.Charts) != 1 || report.Charts[0].Digest != desc.Digest.String() {
		t.Errorf("report charts = %+v, registry has %s", report.Charts, desc.Digest)
	}

	// Files, alias and chart repository.
	for _, x := range bucketFiles(t, open(t, f)) {
		if x.Path == "SHA256SUMS" {
			continue // TestSumsCheckOut
		}
		data, _, err := bucket.Read(ctx, "releases/"+version+"/"+x.Path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(filepath.Join(f.dir, x.Path))
		if !bytes.Equal(data, want) {
			t.Errorf("%s differs in the bucket", x.Path)
		}
	}
	if data, _, err := bucket.Read(ctx, "releases/latest.txt"); err != nil || string(data) != version+"\n" {
		t.Errorf("alias = %q, %v", data, err)
	}
	index, _, err := bucket.Read(ctx, "charts/index.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Dated at the release time the manifest records, not the commit's.
	for _, want := range []string{"https://charts.example/stable/app-1.2.3.tgz", "created: \"" + releaseTime + "\"", "generated: \"" + releaseTime + "\"", "appVersion: 1.2.3"} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.yaml lacks %q:\n%s", want, index)
		}
	}

	// Again: everything is identical, and applying sends nothing.
	before := reg.Requests.Load()
	p2, pl2 := plan(t, ctx, open(t, f), targets()...)
	if n := pl2.Count(publish.Skip); n != len(pl2.Actions) {
		t.Fatalf("second plan: %d of %d skip:\n%s", n, len(pl2.Actions), planText(pl2))
	}
	planRequests := reg.Requests.Load() - before
	if err := p2.Apply(ctx, pl2); err != nil {
		t.Fatal(err)
	}
	if got := reg.Requests.Load() - before; got != planRequests {
		t.Errorf("second apply made %d requests", got-planRequests)
	}
	if got := reg.BlobBytes.Load(); got != f.blobs {
		t.Errorf("second run sent %d more blob bytes", got-f.blobs)
	}
	if diff := cmp.Diff(report, pl2.Report()); diff != "" {
		t.Errorf("report changed (-first +second):\n%s", diff)
	}
	t.Logf("dry run:\n%s", dry.String())
}

func planText(pl *publish.Plan) string {
	var b bytes.Buffer
	pl.WriteTo(&b)
	return b.String()
}

// TestRefuse: a release tag with other content is refused and nothing is written; a mutable tag
// is moved; forcing moves a release tag.
func TestRefuse(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	reg := registrytest.New(t)
	other, err := random.Index(64, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	otherDigest, _ := other.Digest()
	for _, tag := range []string{"org/app:" + version, "org/proxy:latest"} {
		if err := remote.WriteIndex(ref(t, reg.Host+"/"+tag), other); err != nil {
			t.Fatal(err)
		}
	}
	images, _ := publish.Images(reg.Host+"/org", publish.WithTags("latest"), fastRetry)
	p, pl := plan(t, ctx, open(t, f), images)
	got := ops(pl)
	want := map[string]string{
		"images image " + reg.Host + "/org/app:1.2.3":    "refuse (exists with other content)",
		"images image " + reg.Host + "/org/app:latest":   "push",
		"images image " + reg.Host + "/org/proxy:1.2.3":  "push",
		"images image " + reg.Host + "/org/proxy:latest": "push",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	before := reg.Requests.Load()
	err = p.Apply(ctx, pl)
	if !errors.Is(err, publish.ErrExists) {
		t.Fatalf("apply: %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), reg.Host+"/org/app:1.2.3") || !strings.Contains(err.Error(), otherDigest.String()) {
		t.Errorf("error does not name the tag and what it has: %v", err)
	}
	if n := reg.Requests.Load() - before; n != 0 {
		t.Errorf("a refused plan made %d requests", n)
	}
	if got := digestAt(t, reg.Host+"/org/app:"+version); got != otherDigest.String() {
		t.Errorf("release tag moved to %s", got)
	}

	forced, _ := publish.Images(reg.Host+"/org", publish.WithForce(), fastRetry)
	p, pl = plan(t, ctx, open(t, f), forced)
	if pl.Count(publish.Refuse) != 0 {
		t.Fatalf("forced plan refuses:\n%s", planText(pl))
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	if got := digestAt(t, reg.Host+"/org/app:"+version); got != f.digests["app"].String() {
		t.Errorf("forced tag = %s", got)
	}
}

// TestFaults publishes through a registry that fails 30% of requests: the publish completes in
// one run, digests are the built ones, and no tag ever pointed at missing content.
func TestFaults(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	reg := registrytest.New(t, registrytest.WithFaults(0.3, 1))
	images, _ := publish.Images(reg.Host+"/org", publish.WithTags("latest"), fastRetry)
	charts, _ := publish.Charts(reg.Host+"/charts", fastRetry)
	p, pl := plan(t, ctx, open(t, f), images, charts)
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatalf("apply through faults: %v", err)
	}
	if reg.Faults.Load() == 0 {
		t.Fatal("no fault injected")
	}
	if v := reg.Violations(); len(v) > 0 {
		t.Errorf("tags written before their content:\n%s", strings.Join(v, "\n"))
	}
	for img, d := range f.digests {
		var got string
		for range 20 { // reads go through the faulty proxy too
			if r, err := remote.Head(ref(t, reg.Host+"/org/"+img+":"+version), remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Steps: 10})); err == nil {
				got = r.Digest.String()
				break
			}
		}
		if got != d.String() {
			t.Errorf("%s = %s, want %s", img, got, d)
		}
	}
	t.Logf("%d faults injected in %d requests", reg.Faults.Load(), reg.Faults.Load()+reg.Requests.Load())
}

// TestCredentials: the registry's password never appears in plans, reports, logs or errors.
func TestCredentials(t *testing.T) {
	ctx := t.Context()
	const secret = "s3cr3t-Pa55w0rd"
	f := newFixture(t)
	reg := registrytest.New(t, registrytest.WithBasicAuth("releaser", secret))
	var logs bytes.Buffer
	keychain := staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "releaser", Password: secret})}
	images, _ := publish.Images(reg.Host+"/org", publish.WithKeychain(keychain), fastRetry)
	p, err := publish.New(open(t, f), []publish.Target{images}, publish.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	pl, err := p.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	report, _ := pl.Report().JSON()
	// A wrong password fails; its error must not quote it either.
	wrong := staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "releaser", Password: secret + "x"})}
	bad, _ := publish.Images(reg.Host+"/org", publish.WithKeychain(wrong), fastRetry)
	_, err = publish.New(open(t, f), []publish.Target{bad})
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := publish.New(open(t, f), []publish.Target{bad})
	_, perr := pb.Plan(ctx)
	if perr == nil {
		t.Fatal("a wrong password was accepted")
	}
	for what, text := range map[string]string{"plan": planText(pl), "report": string(report), "logs": logs.String(), "error": perr.Error()} {
		if strings.Contains(text, secret) {
			t.Errorf("%s shows the password:\n%s", what, text)
		}
	}
	if !strings.Contains(logs.String(), "published") {
		t.Errorf("logs record nothing:\n%s", logs.String())
	}
}

type staticKeychain struct{ a authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.a, nil }

// terminal is a writer that says it is a terminal.
type terminal struct{ io.Writer }

func (terminal) Terminal() bool { return true }

// TestProgress: plain lines in CI, bars on a terminal.
func TestProgress(t *testing.T) {
	for _, bars := range []bool{false, true} {
		f := newFixture(t)
		reg := registrytest.New(t)
		var out bytes.Buffer
		var w io.Writer = &out
		if bars {
			w = terminal{&out}
		}
		images, _ := publish.Images(reg.Host+"/org", publish.WithProgress(w))
		p, pl := plan(t, t.Context(), open(t, f), images)
		if err := p.Apply(t.Context(), pl); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		switch {
		case bars && !strings.Contains(text, "\x1b[2K"+reg.Host+"/org/app"):
			t.Errorf("no bar:\n%q", text)
		case !bars && (!strings.Contains(text, "pushed  "+reg.Host+"/org/proxy") || strings.Contains(text, "\x1b")):
			t.Errorf("plain lines:\n%s", text)
		}
	}
}

func ref(t testing.TB, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// bucketFiles are the files of r a bucket receives: all but the OCI layout's.
func bucketFiles(t testing.TB, r *release.Dir) []release.File {
	t.Helper()
	all, err := r.Files()
	if err != nil {
		t.Fatal(err)
	}
	var out []release.File
	for _, f := range all {
		if !release.InLayout(f.Path) {
			out = append(out, f)
		}
	}
	return out
}

// TestPublishCall: Publish writes the plan; a dry run writes nothing to the registry and
// returns the plan's refusal; a real run returns the report.
func TestPublishCall(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	reg := registrytest.New(t)
	images, _ := publish.Images(reg.Host+"/org", fastRetry)
	var out strings.Builder
	before := reg.Requests.Load()
	report, err := publish.Publish(ctx, open(t, f), []publish.Target{images}, &out, true)
	if err != nil || report != nil || !strings.Contains(out.String(), reg.Host+"/org/app:1.2.3") {
		t.Fatalf("dry run: report %v, %v\n%s", report, err, out.String())
	}
	if got := digestAtOrEmpty(t, reg.Host+"/org/app:"+version); got != "" {
		t.Errorf("a dry run pushed %s (%d requests)", got, reg.Requests.Load()-before)
	}
	report, err = publish.Publish(ctx, open(t, f), []publish.Target{images}, io.Discard, false)
	if err != nil || len(report.Images) != 2 || report.Images[0].Digest != f.digests["app"].String() {
		t.Fatalf("publish: %+v, %v", report, err)
	}
	other, _ := random.Index(64, 1, 1)
	if err := remote.WriteIndex(ref(t, reg.Host+"/org/proxy:"+version), other); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Publish(ctx, open(t, f), []publish.Target{images}, io.Discard, true); !errors.Is(err, publish.ErrExists) {
		t.Errorf("dry run over a moved tag: %v, want ErrExists", err)
	}
}

// digestAtOrEmpty is the digest at tag ref, or "" when there is none.
func digestAtOrEmpty(t *testing.T, s string) string {
	t.Helper()
	d, err := remote.Head(ref(t, s))
	if err != nil {
		return ""
	}
	return d.Digest.String()
}
