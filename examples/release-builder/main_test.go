package main

import (
	"bytes"
	"crypto/elliptic"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	gogithub "github.com/google/go-github/v92/github"
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
	text := strings.Replace(sample.Manifest(work), sample.URL, "file://"+src, 1) + "dashboards:\n  hello-dashboard: 1234\n"
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

	// Istio's release/publish.sh flag set, unchanged, with local stand-ins: S3 buckets as
	// folders, the GitHub org and grafana.com as test servers. --github ORG tags the
	// dependency's repository in ORG and makes the draft release in ORG/istio.
	gh := &fakeGitHub{refs: map[string]string{}}
	ghSrv := httptest.NewServer(gh)
	defer ghSrv.Close()
	base, upload := ghSrv.URL+"/", ghSrv.URL+"/api/uploads/"
	githubAPI = []gogithub.ClientOptionsFunc{gogithub.WithURLs(&base, &upload)}
	graf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Write([]byte(`{"items": []}`))
		}
	}))
	defer graf.Close()
	grafanaAPI = graf.URL
	defer func() { githubAPI, grafanaAPI = nil, "https://grafana.com" }()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("ghp_token\n"), 0o600)
	for _, b := range []string{"r2", "r2-helm"} {
		os.MkdirAll(filepath.Join(dir, b), 0o755)
	}
	out.Reset()
	code = run(t.Context(), []string{"publish", "--release", rel,
		"--cosignkey", "",
		"--s3bucket", "file://" + filepath.Join(dir, "r2"),
		"--s3helmbucket", "file://" + filepath.Join(dir, "r2-helm"),
		"--helmhub", hub + "/charts",
		"--dockerhub", hub + "/istio", "--dockertags", "0.1.0",
		"--github", "mesh", "--githubtoken", tokenFile,
		"--grafanatoken", tokenFile,
		"--s3-base-endpoint", "https://r2.example"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("publish.sh's flags: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if want := "refs/tags/0.1.0"; gh.refs["hello "+want] == "" {
		t.Errorf("--github mesh did not tag mesh/hello: %v\n%s", gh.refs, out.String())
	}
	if !gh.released || !strings.Contains(out.String(), "github.com/mesh/istio/releases/0.1.0") {
		t.Errorf("--github mesh made no release in mesh/istio:\n%s", out.String())
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
		"branch": {"-manifest", "-step", "-dryrun", "-githubtoken", "-plan", "-prRepoOrg"},
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
		{[]string{"branch", "--manifest", "m.yaml", "--step", "1", "--plan", "kubernetes"}, `no plan called "kubernetes"`},
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
	// Istio's release/branch.sh flags, as it passes them: no plan, so Istio's, whose step 2
	// branches every repository but test-infra.
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("ghp_token\n"), 0o600)
	// test-infra works on its master, as Istio's does.
	if b, err := exec.Command("git", "-C", src, "branch", "master", "main").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	os.WriteFile(m, []byte("version: 1.30\ndependencies:\n  hello: {git: "+src+", branch: main}\n  test-infra: {git: "+src+", branch: master}\n"), 0o644)
	out.Reset()
	if code := run(t.Context(), []string{"branch", "--manifest", m, "--step=2", "--dryrun=true", "--githubtoken", token, "--prRepoOrg=istio"}, &out, &errOut); code != 0 ||
		!strings.Contains(out.String(), "step 2 (dry run): 1 repository") || !strings.Contains(out.String(), "== hello: ") ||
		!strings.Contains(out.String(), "would create branch release-1.30 at ") {
		t.Errorf("branch.sh's flags: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// fakeGitHub answers what --github ORG asks of GitHub: a dependency's tag (its reference and
// annotated tag object), and a release in ORG/istio with its assets.
type fakeGitHub struct {
	mu       sync.Mutex
	refs     map[string]string // "repo ref" → the tag object's sha
	released bool
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	send := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	p := r.URL.Path
	switch {
	case r.Header.Get("Authorization") != "Bearer ghp_token":
		send(401, map[string]string{"message": "Bad credentials"})
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/git/tags"):
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		send(201, map[string]any{"sha": strings.Repeat("1", 40), "object": map[string]any{"type": "commit", "sha": req["object"]}})
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/git/refs"):
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		repo := strings.Split(strings.TrimPrefix(p, "/repos/mesh/"), "/")[0]
		f.refs[repo+" "+req["ref"]] = req["sha"]
		send(201, map[string]any{"ref": req["ref"]})
	case r.Method == http.MethodPost && p == "/repos/mesh/istio/releases":
		f.released = true
		send(201, map[string]any{"id": 1, "tag_name": "0.1.0"})
	case r.Method == http.MethodGet && p == "/repos/mesh/istio/releases":
		send(200, []any{})
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/assets"):
		send(200, []any{})
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/api/uploads/"):
		data, _ := io.ReadAll(r.Body)
		send(201, map[string]any{"name": r.URL.Query().Get("name"), "size": len(data)})
	default:
		send(404, map[string]string{"message": "Not Found"})
	}
}
