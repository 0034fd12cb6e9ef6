package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/validate"
)

// scanned is the demo with the scanner output: a scanner that finds nothing, failing on high.
var scanned = variant{name: "scanned", files: func(files map[string][]byte) {
	files["release/releasekit.yaml"] = append(files["release/releasekit.yaml"],
		"scanner:\n  run: [sh, -c, 'printf \"{\\\"SchemaVersion\\\": 2, \\\"Results\\\": []}\"']\n  failOn: high\n"...)
}}

// TestScannerCheck: the scanned demo passes; a report with a finding at failOn, one of an
// unknown shape, or an image without a report fails.
func TestScannerCheck(t *testing.T) {
	report := filepath.Join("scan", "hello.json")
	for name, tc := range map[string]edited{
		"as built": {func(string) {}, ""},
		"a finding": {func(dir string) {
			os.WriteFile(filepath.Join(dir, report), []byte(`{"Results": [{"Vulnerabilities": [{"VulnerabilityID": "CVE-1", "Severity": "CRITICAL"}]}]}`), 0o644)
		}, "scan/hello.json: 1 findings at high or above, the first CVE-1"},
		"unknown shape": {func(dir string) {
			os.WriteFile(filepath.Join(dir, report), []byte(`{"vulns": []}`), 0o644)
		}, "scan/hello.json: report is neither trivy's"},
		"no report": {func(dir string) {
			p := filepath.Join(dir, release.ManifestFile)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "path: scan/hello.json", "path: scan/other.json", 1)), 0o644)
		}, "image registry.example/demo/hello:0.1.0 has no report scan/hello.json"},
	} {
		checkEdited(t, scanned, validate.Scanner{}, name, tc.edit, tc.want)
	}
	_, got := check(t, releaseDir(t, scanned))
	if !strings.Contains(got, "PASS scanner\n") || !strings.Contains(got, "Release validation PASSED") {
		t.Errorf("report:\n%s", got)
	}
}
