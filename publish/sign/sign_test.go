package sign_test

import (
	"crypto/elliptic"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/internal/registrytest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/sign"
)

// demoRelease builds the sample project's release, with provenance, once per test binary.
func demoRelease(t *testing.T) *release.Dir {
	t.Helper()
	dir := t.TempDir()
	res, err := sample.Resolve(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := artifacts.Build(t.Context(), res, filepath.Join(dir, "out"), artifacts.WithPackager(pkg.New()),
		artifacts.WithLicenseScanner(licenses.New()), artifacts.WithChartPackager(chart.New()),
		artifacts.WithProvenance("https://ci.example/jobs/release"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := release.Open(set.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newKey writes a key pair in cosign's format (the encrypted ECDSA P-256 key cosign
// generate-key-pair writes), with the cosign CLI when the test has it.
func newKey(t *testing.T, password string) (keyFile, pubFile string) {
	t.Helper()
	dir := t.TempDir()
	keyFile, pubFile = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if bin := os.Getenv("RELEASEKIT_COSIGN"); bin != "" {
		cmd := exec.Command(bin, "generate-key-pair")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+password)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
		}
		return keyFile, pubFile
	}
	priv, pub, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc([]byte(password)))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(keyFile, priv, 0o600)
	os.WriteFile(pubFile, pub, 0o644)
	return keyFile, pubFile
}

func plan(t *testing.T, d *release.Dir, targets ...publish.Target) (*publish.Publisher, *publish.Plan) {
	t.Helper()
	p, err := publish.New(d, targets)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := p.Plan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return p, pl
}

func counts(pl *publish.Plan, target string) map[string]int {
	out := map[string]int{}
	for _, a := range pl.Actions {
		if a.Target.Name() == target {
			out[string(a.Kind)+" "+a.Op.String()]++
		}
	}
	return out
}

// TestSignAndAttest publishes the demo's image, signs it and attaches its provenance and SBOM;
// a second run signs nothing; with the cosign CLI, cosign verifies all three.
func TestSignAndAttest(t *testing.T) {
	d := demoRelease(t)
	host := registrytest.New(t).Host
	if bin := os.Getenv("RELEASEKIT_REGISTRY"); bin != "" {
		host = strings.TrimPrefix(registrytest.Distribution(t, bin), "http://")
	}
	const password = "correct horse"
	keyFile, pubFile := newKey(t, password)
	pemData, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign.LoadKey(pemData, []byte("wrong")); err == nil {
		t.Error("the key loaded with a wrong password")
	}
	sv, err := sign.LoadKey(pemData, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	hub := host + "/demo"
	images, err := publish.Images(hub)
	if err != nil {
		t.Fatal(err)
	}
	signatures, err := sign.Images(hub, sv)
	if err != nil {
		t.Fatal(err)
	}
	charts, err := publish.Charts("oci://" + host + "/charts")
	if err != nil {
		t.Fatal(err)
	}
	chartSignatures, err := sign.Charts("oci://"+host+"/charts", sv)
	if err != nil {
		t.Fatal(err)
	}
	p, pl := plan(t, d, images, signatures, charts, chartSignatures)
	want := map[string]int{"signature push": 1, "attestation push": 2}
	if got := counts(pl, "signatures"); !equal(got, want) {
		t.Fatalf("first plan: %v, want %v", got, want)
	}
	if got := counts(pl, "chart signatures"); !equal(got, map[string]int{"signature push": 1, "attestation push": 1}) {
		t.Fatalf("first plan for the chart: %v", got)
	}
	if err := p.Apply(t.Context(), pl); err != nil {
		t.Fatal(err)
	}
	_, pl = plan(t, d, images, signatures, charts, chartSignatures)
	want = map[string]int{"signature skip (identical)": 1, "attestation skip (identical)": 2}
	if got := counts(pl, "signatures"); !equal(got, want) {
		t.Errorf("second plan: %v, want %v (signed by this key already)", got, want)
	}
	if got := counts(pl, "chart signatures"); !equal(got, map[string]int{"signature skip (identical)": 1, "attestation skip (identical)": 1}) {
		t.Errorf("second plan for the chart: %v", got)
	}
	// Another key's signature is not ours: the plan signs again, keeping the other.
	otherKey, _ := newKey(t, "other")
	otherPEM, _ := os.ReadFile(otherKey)
	other, err := sign.LoadKey(otherPEM, []byte("other"))
	if err != nil {
		t.Fatal(err)
	}
	otherTarget, _ := sign.Images(hub, other)
	_, pl = plan(t, d, otherTarget)
	if got := counts(pl, "signatures"); got["signature push"] != 1 {
		t.Errorf("another key's plan: %v", got)
	}

	cosign := os.Getenv("RELEASEKIT_COSIGN")
	if cosign == "" {
		t.Skip("RELEASEKIT_COSIGN is not set (.ci/run sets it): not verified with the cosign CLI")
	}
	l, err := d.Layout()
	if err != nil {
		t.Fatal(err)
	}
	ref := hub + "/" + l.Images[0].Name(d.Manifest.Docker) + "@" + l.Images[0].Digest().String()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(cosign, args...)
		cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+password, "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		text := string(out)
		if len(text) > 1500 {
			text = text[:1500] + "…"
		}
		t.Logf("cosign %s:\n%s", strings.Join(args, " "), text)
		return string(out)
	}
	out := run("verify", "--key", pubFile, "--insecure-ignore-tlog=true", "--allow-http-registry", ref)
	var verified []map[string]any
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):]), &verified); err != nil || len(verified) != 1 {
		t.Errorf("cosign verify printed %d signatures (%v):\n%s", len(verified), err, out)
	}
	for _, typ := range []string{"slsaprovenance1", "spdxjson"} {
		run("verify-attestation", "--key", pubFile, "--insecure-ignore-tlog=true", "--allow-http-registry", "--type", typ, ref)
	}
	refs, err := publish.ChartRefs(host+"/charts", d)
	if err != nil || len(refs) != 1 {
		t.Fatalf("chart refs %v: %v", refs, err)
	}
	chartRef := refs[0].Tag.Context().Digest(refs[0].Digest.String()).String()
	run("verify", "--key", pubFile, "--insecure-ignore-tlog=true", "--allow-http-registry", chartRef)
	run("verify-attestation", "--key", pubFile, "--insecure-ignore-tlog=true", "--allow-http-registry", "--type", "slsaprovenance1", chartRef)
	tree := run("tree", "--allow-http-registry", ref)
	for _, want := range []string{"Signatures for an image tag", "Attestations for an image tag"} {
		if !strings.Contains(tree, want) {
			t.Errorf("cosign tree has no %q:\n%s", want, tree)
		}
	}
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
