package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// MaxSize bounds a dashboard file.
const MaxSize = 16 << 20

// MaxDepth bounds how deep a dashboard's objects and lists nest; real ones nest about ten deep.
const MaxDepth = 64

// Input is the data source placeholder grafana.com fills in on import.
const Input = "${DS_PROMETHEUS}"

// internalSource is the data source name dashboards carry inside a cluster's Grafana.
const internalSource = "Prometheus"

// IsDashboard reports whether a file name is one of Istio's dashboards, and the name it is
// published under: "pilot-dashboard.json" and "pilot-dashboard.gen.json" are both
// "pilot-dashboard".
func IsDashboard(file string) (string, bool) {
	if name, ok := strings.CutSuffix(file, "-dashboard.gen.json"); ok && name != "" {
		return name + "-dashboard", true
	}
	if name, ok := strings.CutSuffix(file, "-dashboard.json"); ok && name != "" {
		return name + "-dashboard", true
	}
	return "", false
}

// Externalize returns the dashboard data ready for grafana.com, for release version:
//   - __inputs declares DS_PROMETHEUS, a Prometheus data source;
//   - __requires lists, as Grafana's exporter does and sorted by id, Grafana at the version the
//     panels record (the highest pluginVersion; left out when none does), the Prometheus data source
//     at 1.0.0, and the panel types the dashboard uses, with their names and the empty version
//     of Grafana's built-in panels;
//   - every data source named "Prometheus" (a string, or an object's uid) becomes
//     ${DS_PROMETHEUS}; references to a variable ($datasource) are left as they are;
//   - the description is "<title> version <version>". A dashboard without a title, or with a
//     description of its own, is refused, as Istio's builder refuses it.
//
// The output is indented JSON with sorted keys and a final newline: the same input gives the
// same bytes.
func Externalize(data []byte, version string) ([]byte, error) {
	doc, err := decode(data)
	if err != nil {
		return nil, err
	}
	title, ok := doc["title"].(string)
	if !ok || strings.TrimSpace(title) == "" {
		return nil, errors.New("no title")
	}
	switch d := doc["description"].(type) {
	case nil:
	case string:
		if d != "" {
			return nil, fmt.Errorf("already has a description (%q): the release version goes there", d)
		}
	default:
		return nil, errors.New("description is not a string")
	}
	replaceSources(doc)
	doc["description"] = title + " version " + version
	doc["__inputs"] = []any{map[string]any{
		"name": "DS_PROMETHEUS", "label": "Prometheus", "description": "", "type": "datasource",
		"pluginId": "prometheus", "pluginName": "Prometheus",
	}}
	// As Grafana's own exporter writes them, sorted by id: Grafana at the version the dashboard
	// was saved with, the data source at "1.0.0" (what the exporter writes for a data source
	// plugin with no version of its own), and each panel type used, by its name, with its
	// plugin's version, which is empty for the panels built into Grafana. A dashboard whose
	// panels record no version does not say which Grafana saved it: the Grafana entry is left
	// out rather than given a version it does not carry.
	requires := []any{
		map[string]any{"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
	}
	if v := savedWith(doc); v != "" {
		requires = append(requires, map[string]any{"type": "grafana", "id": "grafana", "name": "Grafana", "version": v})
	}
	for _, p := range panelTypes(doc) {
		name, ok := corePanels[p]
		if !ok {
			name = p
		}
		requires = append(requires, map[string]any{"type": "panel", "id": p, "name": name, "version": ""})
	}
	slices.SortStableFunc(requires, func(a, b any) int {
		return strings.Compare(a.(map[string]any)["id"].(string), b.(map[string]any)["id"].(string))
	})
	doc["__requires"] = requires
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Check reports what makes data not a dashboard externalized for version: not a JSON object,
// no title, a description without the version, no DS_PROMETHEUS input, or a data source still
// named "Prometheus".
func Check(data []byte, version string) error {
	doc, err := decode(data)
	if err != nil {
		return err
	}
	var errs []error
	title, _ := doc["title"].(string)
	if strings.TrimSpace(title) == "" {
		errs = append(errs, errors.New("no title"))
	}
	if d, _ := doc["description"].(string); !strings.HasSuffix(d, " version "+version) {
		errs = append(errs, fmt.Errorf("description %q does not name version %s", d, version))
	}
	inputs, _ := doc["__inputs"].([]any)
	if !slices.ContainsFunc(inputs, func(x any) bool { m, _ := x.(map[string]any); return m["name"] == "DS_PROMETHEUS" }) {
		errs = append(errs, errors.New("no DS_PROMETHEUS in __inputs"))
	}
	if n := countSources(doc); n > 0 {
		errs = append(errs, fmt.Errorf("%d data sources still named %q, not %s", n, internalSource, Input))
	}
	return errors.Join(errs...)
}

// decode reads one JSON object, bounded, numbers kept as written.
func decode(data []byte) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxSize)
	}
	if depth(data) > MaxDepth {
		return nil, fmt.Errorf("nests deeper than %d", MaxDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not JSON: more after the dashboard")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return doc, nil
}

// depth is how deep the JSON text's objects and lists nest, strings skipped.
func depth(data []byte) int {
	d, deepest, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

// walk calls f on every object in v, depth first.
func walk(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

// isInternal reports whether a datasource value names the internal Prometheus.
func isInternal(ds any) bool {
	switch d := ds.(type) {
	case string:
		return d == internalSource
	case map[string]any:
		return d["uid"] == internalSource
	}
	return false
}

func replaceSources(doc map[string]any) {
	walk(doc, func(m map[string]any) {
		switch d := m["datasource"].(type) {
		case string:
			if isInternal(d) {
				m["datasource"] = Input
			}
		case map[string]any:
			if isInternal(d) {
				d["uid"] = Input
			}
		}
	})
}

func countSources(doc map[string]any) int {
	n := 0
	walk(doc, func(m map[string]any) {
		if isInternal(m["datasource"]) {
			n++
		}
	})
	return n
}

// panelTypes are the types of the dashboard's panels, rows' panels included, sorted, once each.
// corePanels names the panels built into Grafana as its exporter names them.
var corePanels = map[string]string{
	"bargauge": "Bar gauge", "gauge": "Gauge", "graph": "Graph (old)", "heatmap": "Heatmap", "logs": "Logs",
	"piechart": "Pie chart", "singlestat": "Singlestat", "stat": "Stat", "table": "Table", "text": "Text",
	"timeseries": "Time series",
}

// savedWith is the Grafana version a dashboard was saved with: the highest pluginVersion its
// panels record (Grafana writes its own version on the panels built into it, from 7.0 on), or
// "" when none records one, since an older Grafana saved it and the JSON does not say which.
func savedWith(doc map[string]any) string {
	var best *semver.Version
	var visit func(any)
	visit = func(v any) {
		list, _ := v.([]any)
		for _, p := range list {
			m, _ := p.(map[string]any)
			if s, ok := m["pluginVersion"].(string); ok {
				if v, err := semver.StrictNewVersion(strings.TrimPrefix(s, "v")); err == nil && (best == nil || v.GreaterThan(best)) {
					best = v
				}
			}
			visit(m["panels"])
		}
	}
	visit(doc["panels"])
	rows, _ := doc["rows"].([]any)
	for _, r := range rows {
		m, _ := r.(map[string]any)
		visit(m["panels"])
	}
	if best == nil {
		return ""
	}
	return best.String()
}

func panelTypes(doc map[string]any) []string {
	var out []string
	var visit func(any)
	visit = func(v any) {
		list, _ := v.([]any)
		for _, p := range list {
			m, _ := p.(map[string]any)
			if t, ok := m["type"].(string); ok && t != "row" && t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
			visit(m["panels"])
		}
	}
	visit(doc["panels"])
	rows, _ := doc["rows"].([]any)
	for _, r := range rows { // the old schema: rows holding panels
		m, _ := r.(map[string]any)
		visit(m["panels"])
	}
	slices.Sort(out)
	return out
}
