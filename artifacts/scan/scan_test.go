package scan_test

import (
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts/scan"
)

// The reports' shapes: trivy's JSON (SchemaVersion 2) and grype's.
const (
	trivyReport = `{"SchemaVersion": 2, "ArtifactName": "docker/hello", "ArtifactType": "container_image",
  "Results": [
    {"Target": "hello (debian 12.5)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [
      {"VulnerabilityID": "CVE-2024-0001", "PkgName": "libc6", "InstalledVersion": "2.36-9", "Severity": "HIGH"},
      {"VulnerabilityID": "CVE-2024-0002", "PkgName": "zlib1g", "Severity": "LOW"}]},
    {"Target": "usr/local/bin/hello", "Class": "lang-pkgs", "Type": "gobinary"}]}`
	grypeReport = `{"matches": [
    {"vulnerability": {"id": "GHSA-xxxx-yyyy-zzzz", "severity": "Critical"}, "artifact": {"name": "golang.org/x/net", "version": "v0.1.0"}},
    {"vulnerability": {"id": "CVE-2023-9999", "severity": "Unknown"}, "artifact": {"name": "busybox"}}],
  "source": {"type": "image"}, "descriptor": {"name": "grype", "version": "0.74.0"}}`
)

func TestFindings(t *testing.T) {
	f, err := scan.Findings([]byte(trivyReport))
	if err != nil || len(f) != 2 || f[0].ID != "CVE-2024-0001" || f[0].Package != "libc6" {
		t.Fatalf("trivy: %+v %v", f, err)
	}
	if hits, unknown := scan.AtLeast(f, "high"); len(hits) != 1 || unknown != 0 {
		t.Errorf("trivy at high: %v %d", hits, unknown)
	}
	if hits, _ := scan.AtLeast(f, "critical"); len(hits) != 0 {
		t.Errorf("trivy at critical: %v", hits)
	}
	g, err := scan.Findings([]byte(grypeReport))
	if err != nil || len(g) != 2 {
		t.Fatalf("grype: %+v %v", g, err)
	}
	if hits, unknown := scan.AtLeast(g, "high"); len(hits) != 1 || hits[0].ID != "GHSA-xxxx-yyyy-zzzz" || unknown != 1 {
		t.Errorf("grype at high: %v %d", hits, unknown)
	}
	if f, err := scan.Findings([]byte(`{"SchemaVersion": 2, "Results": []}`)); err != nil || len(f) != 0 {
		t.Errorf("a clean trivy report: %v %v", f, err)
	}
	for in, want := range map[string]string{`{"vulns": []}`: "neither trivy's", `[1]`: "not a JSON object", `nope`: "not a JSON object"} {
		if _, err := scan.Findings([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func FuzzFindings(f *testing.F) {
	f.Add([]byte(trivyReport))
	f.Add([]byte(grypeReport))
	f.Fuzz(func(t *testing.T, data []byte) {
		findings, err := scan.Findings(data)
		if err != nil {
			return
		}
		hits, unknown := scan.AtLeast(findings, "negligible")
		if len(hits)+unknown != len(findings) {
			t.Fatalf("%d findings, %d at or above the least severity, %d unknown", len(findings), len(hits), unknown)
		}
	})
}
