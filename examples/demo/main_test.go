package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
)

// sum is the digest of SHA256SUMS in the demo's output. It depends on the Go release that
// compiles the sample, so the test compares it between runs rather than with a constant.
var sum = regexp.MustCompile(`sha256 [0-9a-f]{64}\n`)

// imageLine finds the image's digest, which depends on the Go release for the same reason.
var imageLine = regexp.MustCompile(`@(sha256:[0-9a-f]{64})\n`)

// registryHost is the in-process registry's address; chartLine the chart's OCI digest, which
// changes with the image digest pinned in it.
var (
	registryHost = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	chartLine    = regexp.MustCompile(`@(sha256:[0-9a-f]{64})\n$`)
)

// chartFile reads one file of a packaged chart.
func chartFile(t *testing.T, tgz, name string) string {
	t.Helper()
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s in %s: %v", name, tgz, err)
		}
		if h.Name == name {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(t.Context(), dir, "", &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got := sum.ReplaceAllString(strings.ReplaceAll(out.String(), dir, "$DIR"), "sha256 $$SUM\n")
	got = registryHost.ReplaceAllString(got, "$$REGISTRY")
	got = chartLine.ReplaceAllString(got, "@$$CHART\n")
	imageDigest := imageLine.FindStringSubmatch(out.String())
	got = imageLine.ReplaceAllString(got, "@$$DIGEST\n")
	// The output, its digests and host masked, is testdata/output.txt (-update rewrites it).
	golden.Assert(t, "testdata/output.txt", []byte(got))
	m, err := manifest.Load(filepath.Join(dir, "out", "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Dependencies["hello"]; d.Sha != "2fe313b19e3ca08e9e5b075222a074cd7b7c9fd0" || d.Git != sample.URL || m.Directory != "" {
		t.Errorf("resolved manifest: git %s sha %s, directory %q", d.Git, d.Sha, m.Directory)
	}
	if len(m.Artifacts) != 18 {
		t.Errorf("manifest records %d artifacts, want 18", len(m.Artifacts))
	}
	// The chart is pinned to the image built in the same run.
	values := chartFile(t, filepath.Join(dir, "out", "helm", "hello-0.1.0.tgz"), "hello/values.yaml")
	if imageDigest == nil || !strings.Contains(values, "  tag: 0.1.0@"+imageDigest[1]+"\n") {
		t.Errorf("the chart's values do not pin the image %v:\n%s", imageDigest, values)
	}

	// Running the demo again in the same directory gives the same result.
	var again bytes.Buffer
	if err := run(t.Context(), dir, "", &again, io.Discard); err != nil {
		t.Fatal(err)
	}
	if registryHost.ReplaceAllString(again.String(), "") != registryHost.ReplaceAllString(out.String(), "") {
		t.Errorf("second run differs:\n%s", again.String())
	}

	// So does running it in another directory: the release is the same bytes.
	other := filepath.Join(t.TempDir(), "elsewhere")
	var elsewhere bytes.Buffer
	if err := run(t.Context(), other, "", &elsewhere, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "out", "SHA256SUMS"))
	b, _ := os.ReadFile(filepath.Join(other, "out", "SHA256SUMS"))
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Errorf("SHA256SUMS of two demo builds (-first +second):\n%s", diff)
	}
}

// TestDemoFaults publishes the demo release through a registry that fails 30% of requests
// (dropped connections, 500, 503, 429): it completes, every digest is the one built, and no
// tag was ever written before its content.
func TestDemoFaults(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithFaults(0.3, 7))
	dir := t.TempDir()
	var out bytes.Buffer
	// A fast backoff with room for 30% faults: an upload (three requests, tried again as a
	// whole) gets through on a try one time in three.
	retry := publish.WithRetry(remote.Backoff{Duration: time.Millisecond, Factor: 1, Steps: 40})
	if err := run(t.Context(), dir, reg.Host, &out, io.Discard, retry); err != nil {
		t.Fatalf("demo through faults: %v\n%s", err, out.String())
	}
	built := regexp.MustCompile(`image +registry\.example/demo/hello:0\.1\.0@(sha256:[0-9a-f]{64})`).FindStringSubmatch(out.String())
	published := regexp.MustCompile(`published +`+regexp.QuoteMeta(reg.Host)+`/demo/hello:(?:0\.1\.0|latest)@(sha256:[0-9a-f]{64})`).FindAllStringSubmatch(out.String(), -1)
	if built == nil || len(published) != 2 {
		t.Fatalf("output:\n%s", out.String())
	}
	for _, p := range published {
		if p[1] != built[1] {
			t.Errorf("published %s, built %s", p[1], built[1])
		}
	}
	if reg.Faults.Load() == 0 {
		t.Error("no fault injected")
	}
	if v := reg.Violations(); len(v) > 0 {
		t.Errorf("tags written before their content: %v", v)
	}
	t.Logf("%d faults survived in %d requests", reg.Faults.Load(), reg.Faults.Load()+reg.Requests.Load())
}
