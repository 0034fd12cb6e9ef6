package chart_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// FuzzStamp packages a chart whose Chart.yaml and values.yaml are the fuzzer's: it fails, or
// writes a chart that reads back with the release's version.
func FuzzStamp(f *testing.F) {
	chartYAML, _ := os.ReadFile("testdata/mesh/Chart.yaml")
	values, _ := os.ReadFile("testdata/mesh/values.yaml")
	f.Add(chartYAML, values)
	f.Add([]byte("apiVersion: v2\nname: x\nversion: 0.1.0\n"), []byte("image: {tag: \"\"}\n"))
	f.Fuzz(func(t *testing.T, chartYAML, values []byte) {
		if len(chartYAML)+len(values) > 1<<16 {
			return
		}
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
		os.WriteFile(filepath.Join(dir, "Chart.yaml"), chartYAML, 0o644)
		os.WriteFile(filepath.Join(dir, "values.yaml"), values, 0o644)
		s := &artifacts.ChartSpec{
			Chart: &manifest.Chart{Name: "x", Path: "."}, Dir: dir, Version: "1.2.3", Docker: "registry.example/x",
			Images: lock(), Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		}
		var buf bytes.Buffer
		if err := chart.New().Package(t.Context(), s, &buf); err != nil {
			return
		}
		c, err := release.ReadChart(buf.Bytes())
		if err != nil {
			t.Fatalf("the packaged chart does not read back: %v", err)
		}
		if c.Version != "1.2.3" {
			t.Fatalf("packaged version %q, want the release's", c.Version)
		}
	})
}
