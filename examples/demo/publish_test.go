package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

// TestTwoRegistries publishes the demo release to two registries and a file:// bucket in one
// plan, as projects that push to ghcr.io and docker.io do: both registries get the built
// digests, the published folder passes sha256sum -c, and a second run sends nothing.
func TestTwoRegistries(t *testing.T) {
	dir := t.TempDir()
	if err := run(t.Context(), dir, "", io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	rel, err := release.Open(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	layout, err := rel.Layout()
	if err != nil {
		t.Fatal(err)
	}
	built, ok := layout.Lookup("registry.example/demo/hello:0.1.0")
	if !ok {
		t.Fatalf("the layout has no hello:0.1.0: %+v", layout.Images)
	}
	first, second := registrytest.New(t), registrytest.New(t)
	bucketDir := filepath.Join(t.TempDir(), "bucket") // made by the publish
	targets := func(ctx context.Context) []publish.Target {
		bucket, err := blob.Open(ctx, "file://"+bucketDir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bucket.Close() })
		var out []publish.Target
		for _, reg := range []*registrytest.Server{first, second} {
			images, err := publish.Images(reg.Host+"/demo", publish.WithTags("latest"))
			if err != nil {
				t.Fatal(err)
			}
			charts, err := publish.Charts("oci://" + reg.Host + "/demo/charts")
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, images, charts)
		}
		files, err := publish.Files(bucket, "hello")
		if err != nil {
			t.Fatal(err)
		}
		return append(out, files)
	}
	p, err := publish.New(rel, targets(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := p.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	plan.WriteTo(&text)
	t.Logf("plan:\n%s", text.String())
	if err := p.Apply(t.Context(), plan); err != nil {
		t.Fatal(err)
	}

	// Both registries: the image under both tags, and the chart, at the report's digests.
	report := plan.Report()
	if len(report.Images) != 4 || len(report.Charts) != 2 {
		t.Fatalf("report: %+v", report)
	}
	for _, reg := range []*registrytest.Server{first, second} {
		for _, tag := range []string{"0.1.0", "latest"} {
			got, err := crane.Digest(reg.Host + "/demo/hello:" + tag)
			if err != nil {
				t.Fatal(err)
			}
			if got != built.Digest().String() {
				t.Errorf("%s/demo/hello:%s = %s, built %s", reg.Host, tag, got, built.Digest())
			}
		}
		chart, err := crane.Digest(reg.Host + "/demo/charts/hello:0.1.0")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range report.Charts {
			found = found || c.Ref == "oci://"+reg.Host+"/demo/charts/hello:0.1.0" && c.Digest == chart
		}
		if !found {
			t.Errorf("%s: chart %s is not in the report %+v", reg.Host, chart, report.Charts)
		}
	}

	// The published folder is self-consistent: sha256sum -c passes there, with every line.
	folder := filepath.Join(bucketDir, "hello", "0.1.0")
	cmd := exec.Command("sha256sum", "--check", "--strict", "SHA256SUMS")
	cmd.Dir = folder
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c in the published folder: %v\n%s", err, out)
	}
	listed, err := os.ReadFile(filepath.Join(folder, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	if n, want := strings.Count(string(out), ": OK\n"), strings.Count(string(listed), "\n"); n != want || n == 0 {
		t.Errorf("sha256sum checked %d files, SHA256SUMS lists %d:\n%s", n, want, out)
	}
	if strings.Contains(string(out), "docker/") {
		t.Errorf("the published SHA256SUMS lists the image layout, which goes to registries:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(folder, "docker")); !os.IsNotExist(err) {
		t.Errorf("the image layout was copied to the bucket: %v", err)
	}

	// A second full run: everything identical, nothing sent.
	before := first.Requests.Load() + second.Requests.Load()
	sentBefore := first.BlobBytes.Load() + second.BlobBytes.Load()
	p, err = publish.New(rel, targets(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	plan, err = p.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := plan.Count(publish.Skip); n != len(plan.Actions) {
		text.Reset()
		plan.WriteTo(&text)
		t.Errorf("second plan: %d of %d identical:\n%s", n, len(plan.Actions), text.String())
	}
	planned := first.Requests.Load() + second.Requests.Load()
	if err := p.Apply(t.Context(), plan); err != nil {
		t.Fatal(err)
	}
	if after := first.Requests.Load() + second.Requests.Load(); after != planned {
		t.Errorf("the second apply made %d requests", after-planned)
	}
	if sent := first.BlobBytes.Load() + second.BlobBytes.Load(); sent != sentBefore {
		t.Errorf("the second run sent %d blob bytes", sent-sentBefore)
	}
	t.Logf("second run: %d requests to plan, none to apply", planned-before)
}
