package main

import (
	"bytes"
	"crypto/elliptic"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/releasekit/releasekit/examples/sample"
)

// TestIstioFlow runs Istio's release/build.sh flag set against the demo release: build
// --manifest, validate --release, publish --release with --dockerhub, --dockertags,
// --helmhub, --gcsbucket, --gcsaliases and an empty --cosignkey, as the script passes it.
func TestIstioFlow(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(t.Context(), src, nil); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	text := strings.Replace(sample.Manifest(work), sample.URL, "file://"+src, 1)
	manifestFile := filepath.Join(dir, "manifest.yaml")
	os.WriteFile(manifestFile, []byte(text), 0o644)
	t.Setenv("SOURCE_DATE_EPOCH", "1714564800")

	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"build", "--manifest", manifestFile}, &out, &errOut); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errOut.String())
	}
	rel := filepath.Join(work, "out")
	out.Reset()
	if code := run(t.Context(), []string{"validate", "--release", rel}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "Release validation PASSED") {
		t.Fatalf("validate: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	hub := strings.TrimPrefix(srv.URL, "http://")
	bucket := filepath.Join(dir, "bucket")
	os.MkdirAll(bucket, 0o755)
	out.Reset()
	code := run(t.Context(), []string{"publish", "--release", rel,
		"--cosignkey", "",
		"--helmhub", hub + "/charts",
		"--gcsbucket", "file://" + bucket, "--gcsaliases", "latest.txt",
		"--dockerhub", hub + "/istio",
		"--dockertags", "0.1.0", "--dockertags", "latest"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("publish: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{hub + "/istio/hello:latest@sha256:", hub + "/charts/hello:0.1.0@sha256:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("publish output lacks %s:\n%s", want, out.String())
		}
	}
	if data, err := os.ReadFile(filepath.Join(bucket, "latest.txt")); err != nil || string(data) != "0.1.0\n" {
		t.Errorf("alias: %q %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(bucket, "0.1.0", "grafana", "hello-dashboard.json")); err != nil {
		t.Errorf("the dashboard is not in the bucket: %v", err)
	}

	// Again with a cosign key: the image and the chart are signed, and their provenance (and
	// the image's SBOM) attached.
	const password = "istio release"
	priv, _, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc([]byte(password)))
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "cosign.key")
	os.WriteFile(key, priv, 0o600)
	t.Setenv("COSIGN_PASSWORD", password)
	signed := func() string {
		t.Helper()
		out.Reset()
		if code := run(t.Context(), []string{"publish", "--release", rel, "--cosignkey", key,
			"--helmhub", hub + "/charts", "--dockerhub", hub + "/istio"}, &out, &errOut); code != 0 {
			t.Fatalf("publish --cosignkey: exit %d\n%s%s", code, out.String(), errOut.String())
		}
		return out.String()
	}
	first := signed()
	pushes := func(target, kind, object string) bool {
		for _, line := range strings.Split(first, "\n") {
			f := strings.Fields(line)
			if len(f) > 3 && f[0] == "push" && strings.Contains(line, " "+target+"  ") && slices.Contains(f, kind) && strings.Contains(line, object) {
				return true
			}
		}
		return false
	}
	for _, want := range [][3]string{
		{"signatures", "signature", hub + "/istio/hello:sha256-"},
		{"signatures", "attestation", "https://spdx.dev/Document of " + hub + "/istio/hello@sha256:"},
		{"chart signatures", "signature", hub + "/charts/hello:sha256-"},
	} {
		if !pushes(want[0], want[1], want[2]) {
			t.Errorf("publish --cosignkey plans no %v:\n%s", want, first)
		}
	}
	if again := signed(); !strings.Contains(again, "plan: 0 to push") {
		t.Errorf("a second signing run pushed something:\n%s", again)
	}
}

// TestFlags: Istio's flags are there, each subcommand's --help lists them; a flag that cannot be
// honoured is an error naming it, exit 2, as is an unknown one.
func TestFlags(t *testing.T) {
	for cmd, names := range map[string][]string{
		"build":    {"-manifest", "-githubtoken", "-build-base-images"},
		"validate": {"-release"},
		"publish": {"-release", "-dockerhub", "-dockertags", "-gcsbucket", "-s3bucket", "-s3-base-endpoint", "-helmbucket",
			"-s3helmbucket", "-helmhub", "-gcsaliases", "-s3aliases", "-github", "-githubtoken", "-grafanatoken", "-cosignkey"},
		"branch": {"-manifest", "-step", "-dryrun", "-githubtoken", "-plan"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{cmd, "--help"}, &out, &errOut); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		for _, n := range names {
			if !strings.Contains(errOut.String(), "  "+n+" ") && !strings.Contains(errOut.String(), "  "+n+"\n") {
				t.Errorf("%s --help lacks %s:\n%s", cmd, n, errOut.String())
			}
		}
	}
	rel := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "--manifest", "m.yaml", "--githubtoken", "/tmp/token"}, "--githubtoken is not supported"},
		{[]string{"build", "--manifest", "m.yaml", "--build-base-images"}, "--build-base-images is not supported"},
		{[]string{"branch", "--manifest", "m.yaml", "--step", "1"}, "--plan is required"},
		{[]string{"publish", "--release", rel, "--github", "istio"}, "--github is not supported: Istio's --github istio also tags every dependency's repository"},
		{[]string{"publish", "--release", rel, "--dokerhub", "x"}, "flag provided but not defined: -dokerhub"},
		{[]string{"build"}, "--manifest is required"},
		{[]string{"frobnicate"}, "usage: release-builder"},
	} {
		var out, errOut bytes.Buffer
		if code := run(t.Context(), tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, %q, want %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}

// TestBranch: Istio's branch command runs a step of a plan over the manifest's dependencies, a
// dry run by default.
func TestBranch(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(t.Context(), src, nil); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "manifest.yaml")
	os.WriteFile(m, []byte("version: 1.30\ndependencies:\n  hello: {git: "+src+", branch: main}\n"), 0o644)
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(plan, []byte("steps:\n  - step: 1\n    actions: [{branch: {}}]\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"branch", "--manifest", m, "--step", "1", "--plan", plan}, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "would create branch release-1.30 at ") {
		t.Errorf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
}
