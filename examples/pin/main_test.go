package main

import (
	"bytes"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPin(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	img, _ := mutate.Config(empty.Image, v1.Config{Labels: map[string]string{"app": "web"}})
	ref, _ := name.ParseReference(host + "/web:1.0")
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()

	dir := t.TempDir()
	file := filepath.Join(dir, "values.yaml")
	in := "# web\nimage: " + host + "/web:1.0  # the server\n"
	if err := os.WriteFile(file, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run(t.Context(), config{check: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 1 || !strings.Contains(out.String(), "values.yaml:2: image: "+host+"/web:1.0: not pinned") {
		t.Errorf("check before pinning: exit %d\n%s%s", code, out.String(), errs.String())
	}
	lock := filepath.Join(dir, "images.lock.yaml")
	out.Reset()
	if code := run(t.Context(), config{lock: lock, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 0 {
		t.Fatalf("pin: exit %d\n%s", code, errs.String())
	}
	got, _ := os.ReadFile(file)
	if want := "# web\nimage: " + host + "/web:1.0@" + d.String() + "  # the server\n"; string(got) != want {
		t.Errorf("pinned file:\n%s\nwant:\n%s", got, want)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", st.Mode().Perm())
	}
	// The registry is gone: the lock file alone pins another copy, offline.
	srv.Close()
	other := filepath.Join(dir, "other.yaml")
	if err := os.WriteFile(other, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run(t.Context(), config{lock: lock, offline: true, jobs: 4, files: []string{other}}, io.Discard, &errs, authn.DefaultKeychain); code != 0 {
		t.Fatalf("offline pin from the lock: exit %d\n%s", code, errs.String())
	}
	if again, _ := os.ReadFile(other); string(again) != string(got) {
		t.Errorf("offline pin:\n%s", again)
	}
	out.Reset()
	if code := run(t.Context(), config{check: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 0 || out.Len() != 0 {
		t.Errorf("check after pinning: exit %d\n%s", code, out.String())
	}
}

// TestOneBadReference: a word that is no reference under an image key is reported at its line,
// and the file's other images are still pinned (kustomize's and skaffold's test inputs hold
// such values beside valid images: not_nginx@54321, ko://…), exit 1.
func TestOneBadReference(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "images.lock.yaml")
	d := "sha256:" + strings.Repeat("ab", 32)
	if err := os.WriteFile(lock, []byte("images:\n  registry.example/app:1.0: "+d+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "pod.yaml")
	in := "spec:\n  containers:\n  - image: not_valid@54321\n  - image: registry.example/app:1.0\n"
	if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run(t.Context(), config{lock: lock, offline: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 1 {
		t.Errorf("exit %d, want 1: %s", code, errs.String())
	}
	if !strings.Contains(errs.String(), "pod.yaml:3: spec.containers[0].image: not_valid@54321: ") {
		t.Errorf("the bad value is not reported at its line: %s", errs.String())
	}
	want := strings.Replace(in, "app:1.0", "app:1.0@"+d, 1)
	if got, _ := os.ReadFile(file); string(got) != want {
		t.Errorf("pinned:\n%s\nwant:\n%s", got, want)
	}
}

// TestLockNamesTheRelease: with a lock, a string that is exactly one of its references is pinned
// wherever it stands, as ko resolves what it built (ko's resolve tests: list items, documents
// of one string); a reference the lock does not hold is left.
func TestLockNamesTheRelease(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, "images.lock.yaml")
	d := "sha256:" + strings.Repeat("cd", 32)
	if err := os.WriteFile(lock, []byte("images:\n  registry.example/org/cmd/app:latest: "+d+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "resolved.yaml")
	in := "args:\n- registry.example/org/cmd/app\n- registry.example/org/cmd/other\n---\nregistry.example/org/cmd/app\n"
	if err := os.WriteFile(file, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var errs bytes.Buffer
	if code := run(t.Context(), config{lock: lock, offline: true, jobs: 4, files: []string{file}}, io.Discard, &errs, authn.DefaultKeychain); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	want := "args:\n- registry.example/org/cmd/app@" + d + "\n- registry.example/org/cmd/other\n---\nregistry.example/org/cmd/app@" + d + "\n"
	if got, _ := os.ReadFile(file); string(got) != want {
		t.Errorf("pinned:\n%s\nwant:\n%s", got, want)
	}
}

// TestBadFiles: a file that is not YAML, or too large, exits 2, and is left as it was.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"invalid.yaml": []byte("image: [unclosed\n"),
		"large.yaml":   bytes.Repeat([]byte("# filler line\n"), (32<<20)/14+1),
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, check := range []bool{false, true} {
			var out, errs bytes.Buffer
			if code := run(t.Context(), config{check: check, offline: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 2 {
				t.Errorf("%s (check %v): exit %d, want 2: %s", name, check, code, errs.String())
			}
		}
		if got, _ := os.ReadFile(file); !bytes.Equal(got, data) {
			t.Errorf("%s was changed", name)
		}
	}
}

// TestChart pins a chart's values through its templates: each image a render proves is pinned
// in values.yaml (Istio's hub, image and tag apart: the tag), the image written in a template is
// reported not pinnable, and the table says so for each.
func TestChart(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\n"), 0o644)
	values := "app:\n  image: envoyproxy/envoy:v1.19.3 # the proxy\nistio:\n  hub: docker.io/istio\n  tag: 1.24.0\n  image: pilot\n"
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
	pod := func(name, image string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n  - name: c\n    image: " + image + "\n"
	}
	os.WriteFile(filepath.Join(dir, "templates", "app.yaml"), []byte(pod("app", `{{ .Values.app.image | quote }}`)), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "pilot.yaml"), []byte(pod("pilot", `"{{ .Values.istio.hub }}/{{ .Values.istio.image }}:{{ .Values.istio.tag }}"`)), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "probe.yaml"), []byte(pod("probe", `ghcr.io/example/probe:v0.4.0`)), 0o644)
	e, f, g := strings.Repeat("e", 64), strings.Repeat("f", 64), strings.Repeat("a", 64)
	lock := filepath.Join(t.TempDir(), "images.lock.yaml")
	os.WriteFile(lock, []byte("images:\n  docker.io/envoyproxy/envoy:v1.19.3: sha256:"+e+"\n  docker.io/istio/pilot:1.24.0: sha256:"+f+
		"\n  ghcr.io/example/probe:v0.4.0: sha256:"+g+"\n"), 0o644)

	var out, errs bytes.Buffer
	if code := run(t.Context(), config{chart: dir, check: true, lock: lock, offline: true, jobs: 4}, &out, &errs, authn.DefaultKeychain); code != 1 {
		t.Errorf("-check: exit %d, want 1: %s", code, errs.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "values.yaml")); string(got) != values {
		t.Errorf("-check changed values.yaml")
	}
	out.Reset()
	if code := run(t.Context(), config{chart: dir, lock: lock, offline: true, jobs: 4}, &out, &errs, authn.DefaultKeychain); code != 1 {
		t.Errorf("pin: exit %d, want 1 (one image not pinnable): %s", code, errs.String())
	}
	table := out.String()
	for _, want := range []string{
		"templates/app.yaml    envoyproxy/envoy:v1.19.3@sha256:" + e,
		"pinnable      app.image",
		"templates/pilot.yaml  docker.io/istio/pilot:1.24.0@sha256:" + f,
		"pinnable      istio.tag",
		"templates/probe.yaml  ghcr.io/example/probe:v0.4.0",
		"not pinnable",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	got, _ := os.ReadFile(filepath.Join(dir, "values.yaml"))
	want := strings.Replace(values, "envoyproxy/envoy:v1.19.3 #", "envoyproxy/envoy:v1.19.3@sha256:"+e+" #", 1)
	want = strings.Replace(want, "tag: 1.24.0", "tag: 1.24.0@sha256:"+f, 1)
	if string(got) != want {
		t.Errorf("values.yaml:\n%s\nwant:\n%s", got, want)
	}
}

// TestPerImage: an image the values file alone cannot pin (a repository whose tag its chart
// fills) is refused on its own line; the others of the file are still pinned.
func TestPerImage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "values.yaml")
	values := "app:\n  image: envoyproxy/envoy:v1.19.3\nhelper:\n  image:\n    repository: ghcr.io/example/helper\n"
	os.WriteFile(file, []byte(values), 0o644)
	lock := filepath.Join(dir, "images.lock.yaml")
	os.WriteFile(lock, []byte("images:\n  docker.io/envoyproxy/envoy:v1.19.3: sha256:"+strings.Repeat("e", 64)+"\n"), 0o644)
	var out, errs bytes.Buffer
	if code := run(t.Context(), config{check: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 1 ||
		!strings.Contains(out.String(), "helper.image: ghcr.io/example/helper: not pinnable: it has neither a tag nor a digest value") ||
		!strings.Contains(out.String(), "app.image: envoyproxy/envoy:v1.19.3: not pinned") {
		t.Errorf("-check: exit %d:\n%s%s", code, out.String(), errs.String())
	}
	out.Reset()
	errs.Reset()
	if code := run(t.Context(), config{lock: lock, offline: true, jobs: 4, files: []string{file}}, &out, &errs, authn.DefaultKeychain); code != 1 ||
		!strings.Contains(errs.String(), "helper.image: ghcr.io/example/helper: it has neither a tag nor a digest value") {
		t.Errorf("pin: exit %d:\n%s%s", code, out.String(), errs.String())
	}
	got, _ := os.ReadFile(file)
	if !strings.Contains(string(got), "envoyproxy/envoy:v1.19.3@sha256:"+strings.Repeat("e", 64)) || !strings.Contains(string(got), "repository: ghcr.io/example/helper\n") {
		t.Errorf("values.yaml:\n%s", got)
	}
}

// TestChartValues: a chart that needs a value to render (a required value in its
// values.schema.json, as Istio's gateway and many operators' charts have) is pinned with -set or
// -f, as helm template takes them; only values.yaml is written, never the user's values.
func TestChartValues(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "values.schema.json"), []byte(`{"type": "object", "required": ["cluster"], "properties": {"cluster": {"type": "object", "required": ["name"]}}}`), 0o644)
	values := "image: envoyproxy/envoy:v1.19.3\n"
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "app.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.cluster.name }}\nspec:\n  containers:\n  - name: c\n    image: {{ .Values.image | quote }}\n"), 0o644)
	e := strings.Repeat("e", 64)
	lock := filepath.Join(t.TempDir(), "images.lock.yaml")
	os.WriteFile(lock, []byte("images:\n  docker.io/envoyproxy/envoy:v1.19.3: sha256:"+e+"\n"), 0o644)
	user := filepath.Join(t.TempDir(), "user.yaml")
	os.WriteFile(user, []byte("cluster:\n  name: from-file\n"), 0o644)

	var out, errs bytes.Buffer
	if code := run(t.Context(), config{chart: dir, lock: lock, offline: true, jobs: 4}, &out, &errs, authn.DefaultKeychain); code == 0 ||
		!strings.Contains(errs.String(), "cluster") {
		t.Errorf("without values: exit %d: %s", code, errs.String())
	}
	want := "image: envoyproxy/envoy:v1.19.3@sha256:" + e + "\n"
	for _, c := range []config{
		{chart: dir, lock: lock, offline: true, jobs: 4, set: []string{"cluster.name=from-set"}},
		{chart: dir, lock: lock, offline: true, jobs: 4, valueFiles: []string{user}},
	} {
		os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
		errs.Reset()
		if code := run(t.Context(), c, &out, &errs, authn.DefaultKeychain); code != 0 {
			t.Errorf("-f %v -set %v: exit %d: %s", c.valueFiles, c.set, code, errs.String())
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "values.yaml")); string(got) != want {
			t.Errorf("-f %v -set %v: values.yaml:\n%s", c.valueFiles, c.set, got)
		}
	}
	// An image whose digest cannot be found is told so, not called written in the template.
	empty := filepath.Join(t.TempDir(), "empty.lock.yaml")
	os.WriteFile(empty, []byte("images: {}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
	out.Reset()
	if code := run(t.Context(), config{chart: dir, check: true, lock: empty, offline: true, jobs: 4, set: []string{"cluster.name=x"}}, &out, &errs, authn.DefaultKeychain); code != 1 ||
		!strings.Contains(out.String(), "cannot resolve envoyproxy/envoy:v1.19.3") {
		t.Errorf("unresolvable: exit %d:\n%s", code, out.String())
	}
	if got, _ := os.ReadFile(user); string(got) != "cluster:\n  name: from-file\n" {
		t.Errorf("the user's values were written")
	}
	if code := run(t.Context(), config{files: []string{user}, set: []string{"a=b"}, jobs: 4}, &out, &errs, authn.DefaultKeychain); code != 2 {
		t.Errorf("-set without -chart: exit %d, want 2", code)
	}
}

// TestChartReadsWhatHelmRenders: a rendered resource helm accepts whose image map holds what is
// no digest (a CR's image.digest: "sha256:short") is reported on its own, never a YAML error
// that stops the chart; the other images are pinned.
func TestChartReadsWhatHelmRenders(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\n"), 0o644)
	values := "image: envoyproxy/envoy:v1.19.3\n"
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(values), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "app.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: c\n    image: {{ .Values.image | quote }}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "cr.yaml"), []byte("apiVersion: example.io/v1\nkind: Agent\nmetadata:\n  name: agent\nspec:\n  image:\n    repository: ghcr.io/example/agent\n    tag: \"1.0\"\n    digest: sha256:short\n"), 0o644)
	e := strings.Repeat("e", 64)
	lock := filepath.Join(t.TempDir(), "images.lock.yaml")
	os.WriteFile(lock, []byte("images:\n  docker.io/envoyproxy/envoy:v1.19.3: sha256:"+e+"\n"), 0o644)
	var out, errs bytes.Buffer
	if code := run(t.Context(), config{chart: dir, lock: lock, offline: true, jobs: 4}, &out, &errs, authn.DefaultKeychain); code != 1 {
		t.Errorf("exit %d, want 1 (one image not pinnable): %s%s", code, out.String(), errs.String())
	}
	if strings.Contains(errs.String(), "invalid input") || !strings.Contains(out.String(), "templates/cr.yaml") {
		t.Errorf("the chart was not read as helm renders it:\n%s%s", out.String(), errs.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "values.yaml")); string(got) != "image: envoyproxy/envoy:v1.19.3@sha256:"+e+"\n" {
		t.Errorf("values.yaml:\n%s", got)
	}
}
