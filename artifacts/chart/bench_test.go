package chart_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"

	"github.com/releasekit/releasekit/artifacts/chart"
)

// BenchmarkPinChart pins a chart of 50 images through its templates (each pin proved by a
// render), and renders the same chart once, side by side: it reports the time per chart and
// the ratio of pinning to one render.
func BenchmarkPinChart(b *testing.B) {
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\n"), 0o644)
	var values strings.Builder
	var refs []string
	for i := range 50 {
		ref := fmt.Sprintf("registry.example/team/c%02d:1.%d.0", i, i)
		refs = append(refs, ref)
		fmt.Fprintf(&values, "c%02d:\n  image: %s\n", i, ref)
		os.WriteFile(filepath.Join(dir, "templates", fmt.Sprintf("c%02d.yaml", i)), []byte(strings.Replace(
			deployment(fmt.Sprintf(`{{ .Values.c%02d.image | quote }}`, i)), "name: app\n", fmt.Sprintf("name: c%02d\n", i), 1)), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values.String()), 0o644)
	resolver := lock(refs...)
	p := chart.New()
	ch, err := loader.LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var pin, render time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := p.Pin(b.Context(), dir, resolver)
		if err != nil {
			b.Fatal(err)
		}
		pin += time.Since(start)
		if len(res.Images) != 50 {
			b.Fatalf("%d images", len(res.Images))
		}
		start = time.Now()
		vals, err := chartutil.ToRenderValues(ch, map[string]any{}, chartutil.ReleaseOptions{Name: "release", Namespace: "default"}, chartutil.DefaultCapabilities)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := engine.Render(ch, vals); err != nil {
			b.Fatal(err)
		}
		render += time.Since(start)
	}
	b.ReportMetric(pin.Seconds()/float64(b.N), "pin-s/chart")
	b.ReportMetric(render.Seconds()/float64(b.N), "render-s")
	b.ReportMetric(float64(pin)/float64(render), "renders-per-pin")
}
