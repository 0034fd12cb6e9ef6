package publish_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
)

// BenchmarkPublish pushes 20 images sharing an 8 MiB base to the distribution registry, with
// releasekit and with a loop of `crane push`, side by side, each to a fresh registry behind a
// counting proxy; then publishes again with releasekit. It reports both times, their ratio, the
// blob bytes each sent against the distinct blob bytes, and the requests per image of the
// re-publish. bench/publish.sh runs it with the tools it needs.
func BenchmarkPublish(b *testing.B) {
	bin, crane := os.Getenv("RELEASEKIT_REGISTRY"), os.Getenv("RELEASEKIT_CRANE")
	if bin == "" || crane == "" {
		b.Skip("RELEASEKIT_REGISTRY and RELEASEKIT_CRANE are not set (bench/publish.sh sets them)")
	}
	const n = 20
	dir, unique := twentyImages(b, n)
	var rk, cr time.Duration
	var rkBytes, crBytes, again int64
	for range b.N {
		proxy := registrytest.Proxy(b, registrytest.Distribution(b, bin))
		start := time.Now()
		publishImages(b, dir, proxy.Host)
		rk += time.Since(start)
		rkBytes = proxy.BlobBytes.Load()
		before := proxy.Requests.Load()
		publishImages(b, dir, proxy.Host)
		again = proxy.Requests.Load() - before

		proxy = registrytest.Proxy(b, registrytest.Distribution(b, bin))
		start = time.Now()
		for i := range n {
			out, err := exec.Command(crane, "push", filepath.Join(dir, "crane", fmt.Sprint(i)), fmt.Sprintf("%s/bench/img%02d:1.0.0", proxy.Host, i)).CombinedOutput()
			if err != nil {
				b.Fatalf("crane push: %v\n%s", err, out)
			}
		}
		cr += time.Since(start)
		crBytes = proxy.BlobBytes.Load()
	}
	b.ReportMetric(rk.Seconds()/float64(b.N), "releasekit-s")
	b.ReportMetric(cr.Seconds()/float64(b.N), "crane-s")
	b.ReportMetric(rk.Seconds()/cr.Seconds(), "ratio")
	b.ReportMetric(float64(rkBytes), "releasekit-bytes")
	b.ReportMetric(float64(crBytes), "crane-bytes")
	b.ReportMetric(float64(unique), "unique-bytes")
	b.ReportMetric(float64(again)/n, "republish-req/image")
}

func publishImages(b *testing.B, dir, host string) {
	r, err := release.Open(filepath.Join(dir, "release"))
	if err != nil {
		b.Fatal(err)
	}
	images, err := publish.Images(host+"/bench", publish.WithJobs(8))
	if err != nil {
		b.Fatal(err)
	}
	p, err := publish.New(r, []publish.Target{images})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	plan, err := p.Plan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Apply(ctx, plan); err != nil {
		b.Fatal(err)
	}
}

// twentyImages writes a release directory with n images sharing a base layer, and the same
// images as n one-image layouts for crane. It returns the directory and the distinct blob bytes.
func twentyImages(b *testing.B, n int) (string, int64) {
	dir := b.TempDir()
	base, err := random.Layer(8<<20, types.OCILayer)
	if err != nil {
		b.Fatal(err)
	}
	rel := filepath.Join(dir, "release")
	p, err := layout.Write(filepath.Join(rel, "docker"), empty.Index)
	if err != nil {
		b.Fatal(err)
	}
	seen := map[v1.Hash]bool{}
	var unique int64
	for i := range n {
		img := layered(b, base, 256<<10)
		ls, _ := img.Layers()
		cfg, _ := img.RawConfigFile()
		unique += int64(len(cfg))
		for _, l := range ls {
			h, _ := l.Digest()
			if !seen[h] {
				seen[h] = true
				size, _ := l.Size()
				unique += size
			}
		}
		ref := fmt.Sprintf("registry.example/bench/img%02d:1.0.0", i)
		if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
			b.Fatal(err)
		}
		cp, err := layout.Write(filepath.Join(dir, "crane", fmt.Sprint(i)), empty.Index)
		if err != nil {
			b.Fatal(err)
		}
		if err := cp.AppendImage(img); err != nil {
			b.Fatal(err)
		}
	}
	manifest := "version: 1.0.0\ndocker: registry.example/bench\nreleaseTime: \"2024-05-01T12:00:00Z\"\ndependencies:\n  app:\n    git: https://example.com/app.git\n    sha: 0123456789abcdef0123456789abcdef01234567\n    resolved: {from: branch main, commitTime: \"2024-05-01T12:00:00Z\"}\n"
	os.WriteFile(filepath.Join(rel, "manifest.yaml"), []byte(manifest), 0o644)
	os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(fmt.Sprintf("%x  manifest.yaml\n", sha256.Sum256([]byte(manifest)))), 0o644)
	return dir, unique
}
