package publish_test

import (
	"context"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
)

// FuzzChartIndex plans and applies a chart to a repository whose index.yaml is the fuzzer's:
// it fails, or leaves an index that lists the chart.
func FuzzChartIndex(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nentries:\n  app:\n  - {name: app, version: 0.9.0, digest: abc}\n"))
	f.Add([]byte("entries: {app: [{version: 1.0.0, digest: 0}]}\n"))
	f.Add([]byte("entries: [\n"))
	rel := chartRelease(f, "1.0.0")
	f.Fuzz(func(t *testing.T, index []byte) {
		if len(index) > 1<<16 {
			return
		}
		ctx := context.Background()
		bucket, err := blob.Open(ctx, "mem://")
		if err != nil {
			t.Fatal(err)
		}
		defer bucket.Close()
		if err := bucket.Write(ctx, "index.yaml", strings.NewReader(string(index)), publish.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		repo, err := publish.ChartRepo(bucket, "", "https://charts.example")
		if err != nil {
			t.Fatal(err)
		}
		p, err := publish.New(rel, []publish.Target{repo})
		if err != nil {
			t.Fatal(err)
		}
		plan, err := p.Plan(ctx)
		if err != nil {
			return
		}
		if err := p.Apply(ctx, plan); err != nil {
			return
		}
		data, _, err := bucket.Read(ctx, "index.yaml")
		if err != nil || !strings.Contains(string(data), "version: 1.0.0") {
			t.Fatalf("the index does not list the chart (%v):\n%s", err, data)
		}
	})
}
