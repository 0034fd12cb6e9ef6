package dashboard_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts/dashboard"
)

// TestExternalize, on dashboards in Istio's two shapes: the older one (string data sources
// named Prometheus, graph and table panels, no panel versions, as Istio 1.20's schema-18
// dashboards) and the generated one (data source objects, a $datasource variable, rows holding
// panels, pluginVersion 10.1.5 and v11.0.0 as Istio 1.30's). __requires is Grafana's exporter's
// shape: sorted by id, Grafana at the highest panel version (none where no panel records one),
// Prometheus at 1.0.0.
func TestExternalize(t *testing.T) {
	for _, tc := range []struct {
		file, title string
		sources     int // data sources that become the input
		panels      []string
		requires    string // id@version, in order
	}{
		{"testdata/mesh-dashboard.json", "Mesh Dashboard", 2, []string{"singlestat", "table"}, "prometheus@1.0.0 singlestat@ table@"},
		{"testdata/control-dashboard.gen.json", "Control Plane Dashboard", 1, []string{"text", "timeseries"}, "grafana@11.0.0 prometheus@1.0.0 text@ timeseries@"},
	} {
		in, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if err := dashboard.Check(in, "1.2.3"); err == nil {
			t.Errorf("%s: Check passed the internal dashboard", tc.file)
		}
		out, err := dashboard.Externalize(in, "1.2.3")
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if err := dashboard.Check(out, "1.2.3"); err != nil {
			t.Errorf("%s: %v", tc.file, err)
		}
		if err := dashboard.Check(out, "1.2.4"); err == nil {
			t.Errorf("%s: Check passed another version", tc.file)
		}
		again, _ := dashboard.Externalize(in, "1.2.3")
		if string(again) != string(out) {
			t.Errorf("%s: two runs differ", tc.file)
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		if doc["description"] != tc.title+" version 1.2.3" {
			t.Errorf("%s: description %v", tc.file, doc["description"])
		}
		if n := strings.Count(string(out), `"${DS_PROMETHEUS}"`); n != tc.sources {
			t.Errorf("%s: %d inputs used, want %d", tc.file, n, tc.sources)
		}
		var panels, requires []string
		for _, r := range doc["__requires"].([]any) {
			m := r.(map[string]any)
			if m["type"] == "panel" {
				panels = append(panels, m["id"].(string))
			}
			requires = append(requires, m["id"].(string)+"@"+m["version"].(string))
		}
		if got := strings.Join(requires, " "); got != tc.requires {
			t.Errorf("%s: __requires %s, want %s", tc.file, got, tc.requires)
		}
		if diff := cmp.Diff(tc.panels, panels); diff != "" {
			t.Errorf("%s: panels (-want +got):\n%s", tc.file, diff)
		}
		// What is not a data source named Prometheus is unchanged: the queries, the variable,
		// the mixed source, HTML in text, numbers as written.
		for _, keep := range []string{`"$datasource"`, `"-- Mixed --"`, `Resources <b>used</b> & limits`, `{{pod}}`, `"schemaVersion": 39`, `"label": null`} {
			if strings.Contains(string(in), keep) && !strings.Contains(string(out), keep) {
				t.Errorf("%s: %s is lost", tc.file, keep)
			}
		}
		if !strings.HasSuffix(string(out), "}\n") {
			t.Errorf("%s: no final newline", tc.file)
		}
	}
}

func TestExternalizeRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"title": "T", "description": "mine"}`: "already has a description",
		`{"panels": []}`:                        "no title",
		`{"title": "  "}`:                       "no title",
		`[1, 2]`:                                "not a JSON object",
		`{"title": "T"} {}`:                     "more after the dashboard",
		`{"title": "T", "description": 3}`:      "description is not a string",
		`{"title": `:                            "not JSON",
	} {
		if _, err := dashboard.Externalize([]byte(in), "1.0.0"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	if _, err := dashboard.Externalize([]byte(`{"title": "T", "description": ""}`), "1.0.0"); err != nil {
		t.Errorf("an empty description: %v", err)
	}
}

func TestIsDashboard(t *testing.T) {
	for file, want := range map[string]string{
		"pilot-dashboard.json": "pilot-dashboard", "ztunnel-dashboard.gen.json": "ztunnel-dashboard",
		"istio-mesh.libsonnet": "", "README.md": "", "-dashboard.json": "", "dashboard.json": "", "jsonnetfile.lock.json": "",
	} {
		got, ok := dashboard.IsDashboard(file)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", file, got, ok, want)
		}
	}
}

// FuzzExternalize: any input is refused or gives a dashboard that Check passes and that
// externalizes no further.
func FuzzExternalize(f *testing.F) {
	for _, file := range []string{"testdata/mesh-dashboard.json", "testdata/control-dashboard.gen.json"} {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"title":"x","rows":[{"panels":[{"type":"graph","datasource":"Prometheus"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := dashboard.Externalize(data, "1.0.0")
		if err != nil {
			return
		}
		if err := dashboard.Check(out, "1.0.0"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}

func TestBounds(t *testing.T) {
	deep := `{"title":"x","a":` + strings.Repeat(`[`, dashboard.MaxDepth) + strings.Repeat(`]`, dashboard.MaxDepth) + `}`
	if _, err := dashboard.Externalize([]byte(deep), "1.0.0"); err == nil || !strings.Contains(err.Error(), "nests deeper") {
		t.Errorf("deep: %v", err)
	}
	// Brackets inside strings, escaped quotes included, do not count.
	text := `{"title":"x","a":"` + strings.Repeat(`[\"{`, 100) + `"}`
	if _, err := dashboard.Externalize([]byte(text), "1.0.0"); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
	big := `{"title":"x","a":"` + strings.Repeat("x", dashboard.MaxSize) + `"}`
	if _, err := dashboard.Externalize([]byte(big), "1.0.0"); err == nil {
		t.Error("a dashboard past MaxSize was taken")
	}
}
