package artifacts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// fakeScanner is a scanner as trivy is run: it reads the image it is given (an OCI layout's
// index.json, or a docker tarball) and prints a trivy-shaped JSON report naming it, with one
// finding of severity $FAKE_SEVERITY; $FAKE_FAIL makes it fail, $FAKE_TEXT print no JSON.
const fakeScanner = `#!/bin/sh
set -e
input=$1 image=$2
if [ -d "$input" ]; then test -f "$input/index.json"; else tar -tf "$input" manifest.json >/dev/null; fi
if [ -n "$FAKE_FAIL" ]; then echo "scanner: database download failed from https://bot:s3cretTok@db.example/trivy-db" >&2; exit 3; fi
if [ -n "$FAKE_TEXT" ]; then echo "0 vulnerabilities"; exit 0; fi
cat <<EOF
{"SchemaVersion": 2, "ArtifactName": "$input", "Metadata": {"RepoTags": ["$image"]},
 "Results": [{"Target": "usr/local/bin/app", "Type": "gobinary", "Vulnerabilities": [
   {"VulnerabilityID": "CVE-2024-24790", "PkgName": "stdlib", "Severity": "${FAKE_SEVERITY:-LOW}"}]}]}
EOF
`

func scannerRelease(script, input string) string {
	return `version: 1.2.0
docker: registry.example/app
outputs: [docker, scanner]
dependencies:
  app: {git: ` + projectURL + `, branch: main}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64, linux/arm64]}
  images:
  - {name: app, base: scratch, binaries: [app]}
  scanner:
    run: [sh, ` + script + `, "{{.Input}}", "{{.Image}}"]
    input: ` + input + `
    failOn: high
`
}

// TestScanner: each image is exported and scanned; the report is kept as scan/<image>.json
// (per platform with tarballs), listed and recorded, with no host path in it; a finding at
// failOn, a failing scanner or a report that is not JSON fails the build, writing no release.
func TestScanner(t *testing.T) {
	script := filepath.Join(t.TempDir(), "fake-trivy.sh")
	if err := os.WriteFile(script, []byte(fakeScanner), 0o755); err != nil {
		t.Fatal(err)
	}
	for input, want := range map[string][]string{"oci": {"scan/app.json"}, "tarball": {"scan/app-amd64.json", "scan/app-arm64.json"}} {
		work := t.TempDir()
		set, err := artifacts.Build(t.Context(), resolved(t, work, scannerRelease(script, input)), filepath.Join(work, "out"))
		if err != nil {
			t.Fatalf("%s: %v", input, err)
		}
		var got []string
		for _, a := range set.Artifacts {
			if a.Kind == manifest.OutputScanner {
				got = append(got, a.Path)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: reports %v, want %v", input, got, want)
		}
		sums := read(t, filepath.Join(set.Dir, release.SumsFile))
		for _, rel := range want {
			report := read(t, filepath.Join(set.Dir, rel))
			if !strings.Contains(sums, rel) || !strings.Contains(report, `"registry.example/app/app:1.2.0"`) || !strings.Contains(report, "CVE-2024-24790") {
				t.Errorf("%s: %s:\n%s", input, rel, report)
			}
			if strings.Contains(report, work) || strings.Contains(report, os.TempDir()) {
				t.Errorf("%s: %s holds a host path:\n%s", input, rel, report)
			}
		}
	}

	for name, env := range map[string][2]string{
		"a finding at failOn": {"FAKE_SEVERITY", "CRITICAL"},
		"a failing scanner":   {"FAKE_FAIL", "1"},
		"no JSON":             {"FAKE_TEXT", "1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(env[0], env[1])
			work := t.TempDir()
			out := filepath.Join(work, "out")
			_, err := artifacts.Build(t.Context(), resolved(t, work, scannerRelease(script, "oci")), out)
			want := map[string]string{
				"FAKE_SEVERITY": "scan registry.example/app/app:1.2.0: 1 findings at high or above: CRITICAL CVE-2024-24790 (stdlib)",
				"FAKE_FAIL":     "scanner: database download failed",
				"FAKE_TEXT":     "the scanner printed no JSON report",
			}[env[0]]
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%v, want %q", err, want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cretTok") {
				t.Errorf("the scanner's credentials are in the error: %v", err)
			}
			if _, err := os.Stat(filepath.Join(out, release.ManifestFile)); err == nil {
				t.Error("a release was written")
			}
			if _, err := os.Stat(filepath.Join(out, "scan", "app.json")); err == nil {
				t.Error("the report of a failed scan was kept")
			}
		})
	}
}
