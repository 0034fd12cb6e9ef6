package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/validate"
)

// TestGrafanaCheck: the demo's dashboard passes; one put back to the internal data source, one
// the dashboards map names that was not built, or one built that a dashboards map does not
// name, fails with the reason.
func TestGrafanaCheck(t *testing.T) {
	for name, tc := range map[string]edited{
		"as built": {func(string) {}, ""},
		"internal data source": {func(dir string) {
			p := filepath.Join(dir, "grafana", "hello-dashboard.json")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "${DS_PROMETHEUS}", "Prometheus")), 0o644)
		}, `grafana/hello-dashboard.json: 1 data sources still named "Prometheus", not ${DS_PROMETHEUS}`},
		"other version": {func(dir string) {
			p := filepath.Join(dir, "grafana", "hello-dashboard.json")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.ReplaceAll(string(data), "version 0.1.0", "version 0.0.9")), 0o644)
		}, `description "Hello Dashboard version 0.0.9" does not name version 0.1.0`},
		"named, not built": {func(dir string) {
			p := filepath.Join(dir, release.ManifestFile)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "dependencies:", "dashboards:\n  mesh-dashboard: 7639\ndependencies:", 1)), 0o644)
		}, "grafana/mesh-dashboard.json: dashboard mesh-dashboard (grafana.com id 7639) is not recorded in the manifest"},
		"built, not named": {func(dir string) {
			p := filepath.Join(dir, release.ManifestFile)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "dependencies:", "dashboards:\n  mesh-dashboard: 7639\ndependencies:", 1)), 0o644)
		}, "grafana/hello-dashboard.json: dashboard hello-dashboard is not in the manifest's dashboards map"},
		"named and built": {func(dir string) {
			p := filepath.Join(dir, release.ManifestFile)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "dependencies:", "dashboards:\n  hello-dashboard: 7639\ndependencies:", 1)), 0o644)
		}, ""},
	} {
		checkEdited(t, mainBranch, validate.Grafana{}, name, tc.edit, tc.want)
	}
}

// edited is a release changed by edit, and the problem a check finds in it ("" for none).
type edited struct {
	edit func(dir string)
	want string
}

// checkEdited runs c on a copy of v's release changed by edit.
func checkEdited(t *testing.T, v variant, c validate.Checker, name string, edit func(dir string), want string) {
	t.Helper()
	dir := releaseDir(t, v)
	edit(dir)
	d, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Check(t.Context(), d)
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", name, err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: %v, want %q", name, err, want)
	}
}
