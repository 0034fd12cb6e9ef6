package publish_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
)

// TestDistribution publishes the fixture's images and chart to the CNCF distribution registry
// through a proxy failing 30% of requests, then checks the result with crane, a real client.
// RELEASEKIT_REGISTRY and RELEASEKIT_CRANE name the binaries; .ci/run installs them.
func TestDistribution(t *testing.T) {
	bin, crane := os.Getenv("RELEASEKIT_REGISTRY"), os.Getenv("RELEASEKIT_CRANE")
	if bin == "" || crane == "" {
		t.Skip("RELEASEKIT_REGISTRY and RELEASEKIT_CRANE are not set (.ci/run sets them)")
	}
	ctx := t.Context()
	upstream := registrytest.Distribution(t, bin)
	proxy := registrytest.Proxy(t, upstream, registrytest.WithFaults(0.3, 11))
	f := newFixture(t)
	images, _ := publish.Images(proxy.Host+"/org", publish.WithTags("latest"), fastRetry)
	charts, _ := publish.Charts(proxy.Host+"/charts", fastRetry)
	p, pl := plan(t, ctx, open(t, f), images, charts)
	if err := p.Apply(ctx, pl); err != nil {
		t.Fatalf("publish through faults: %v", err)
	}
	if v := proxy.Violations(); len(v) > 0 {
		t.Errorf("tags written before their content: %v", v)
	}
	host := strings.TrimPrefix(upstream, "http://")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(crane, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("crane %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for img, d := range f.digests {
		for _, tag := range []string{version, "latest"} {
			if got := run("digest", host+"/org/"+img+":"+tag); got != d.String() {
				t.Errorf("crane digest %s:%s = %s, want %s", img, tag, got, d)
			}
		}
		run("validate", "--remote", host+"/org/"+img+"@"+d.String())
	}
	var m struct {
		Config struct{ MediaType string }
		Layers []struct{ MediaType string }
	}
	if err := json.Unmarshal([]byte(run("manifest", host+"/charts/app:"+version)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Config.MediaType != string(publish.ChartConfigMediaType) || len(m.Layers) != 1 || m.Layers[0].MediaType != string(publish.ChartContentMediaType) {
		t.Errorf("chart manifest: %+v", m)
	}
	if got := run("digest", host+"/charts/app:"+version); got != pl.Report().Charts[0].Digest {
		t.Errorf("chart digest %s, report %s", got, pl.Report().Charts[0].Digest)
	}
	t.Logf("%d faults survived in %d requests", proxy.Faults.Load(), proxy.Faults.Load()+proxy.Requests.Load())
}
