package chart_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/golden"
	"github.com/releasekit/releasekit/manifest"
)

// deployment is a template of one container whose image is the given template expression.
func deployment(image string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels: {app: app}\n  template:\n    metadata:\n      labels: {app: app}\n    spec:\n      containers:\n      - name: app\n        image: " + image + "\n"
}

// shape is a chart in a shape real charts use: its values, its templates, and what pinning must
// do with it: pin every image, writing what written holds, or refuse with a reason holding
// refused.
type shape struct {
	name      string
	values    string
	templates map[string]string
	written   string
	refused   string
	// toggles are values the real helm client turns on to check the pins it renders.
	toggles []string
	// files are more files of the chart (a Chart.yaml of its own, subcharts), and writtenIn
	// the values file written holds (default values.yaml).
	files     map[string]string
	writtenIn string
	// placeholder is an image the chart renders that is no image to pull, left as it is.
	placeholder string
}

var shapes = []shape{
	{
		// Istio ≥ 1.24: hub, tag and image under _internal_defaults_do_not_set. The detector reads
		// image: pilot with hub and tag beside it and would write a whole reference into image,
		// which the template prints between hub and tag: refused, and the render finds the tag.
		name:      "istio-internal-defaults",
		values:    "_internal_defaults_do_not_set:\n  hub: docker.io/istio\n  tag: 1.24.0\n  image: pilot\n  global:\n    hub: docker.io/istio\n    tag: 1.24.0\n",
		templates: map[string]string{"deployment.yaml": deployment(`"{{ .Values._internal_defaults_do_not_set.hub }}/{{ .Values._internal_defaults_do_not_set.image }}:{{ .Values._internal_defaults_do_not_set.tag }}"`)},
		written:   "  tag: 1.24.0@sha256:",
	},
	{
		// OSM: digests by name, but the template prints the tag whenever one is set: the digest
		// the detector would write changes nothing, so the tag takes it.
		name:   "osm-tag-wins",
		values: "image:\n  registry: docker.io/openservicemesh\n  name:\n    controller: osm-controller\n  tag: v1.2.0\n  digest:\n    controller: \"\"\n",
		templates: map[string]string{"deployment.yaml": deployment(
			`"{{ .Values.image.registry }}/{{ .Values.image.name.controller }}{{ if .Values.image.tag }}:{{ .Values.image.tag }}{{ else }}@{{ .Values.image.digest.controller }}{{ end }}"`)},
		written: "  tag: v1.2.0@sha256:",
	},
	{
		// Images keyed by name under one image map, each with its own registry, repository, tag
		// and sha: the render finds each map.
		name: "images-by-name",
		values: "image:\n  busybox:\n    registry: docker.io\n    repository: library/busybox\n    tag: \"1.36\"\n    sha: \"\"\n" +
			"  kubectl:\n    registry: registry.k8s.io\n    repository: kubectl\n    tag: v1.29.0\n    sha: \"\"\n",
		templates: map[string]string{
			"busybox.yaml": deployment(`"{{ .Values.image.busybox.registry }}/{{ .Values.image.busybox.repository }}:{{ .Values.image.busybox.tag }}{{ with .Values.image.busybox.sha }}@sha256:{{ . }}{{ end }}"`),
			"kubectl.yaml": strings.Replace(deployment(`"{{ .Values.image.kubectl.registry }}/{{ .Values.image.kubectl.repository }}:{{ .Values.image.kubectl.tag }}{{ with .Values.image.kubectl.sha }}@sha256:{{ . }}{{ end }}"`), "name: app\n", "name: kubectl\n", 1),
		},
		written: "    sha: ",
	},
	{
		// An image written in a template: no value pins it.
		name:      "hard-coded",
		values:    "replicas: 1\n",
		templates: map[string]string{"deployment.yaml": deployment(`quay.io/example/reloader:v0.93.1`)},
		refused:   `templates/deployment.yaml: image "quay.io/example/reloader:v0.93.1" is not pinned: no value of values.yaml pins it`,
	},
	{
		// A ConfigMap holding a pod template in a block string (a CI system's agent pods):
		// the image in it is rendered from a value, and pinned there like any other.
		name:      "configmap-pod-template",
		values:    "agent:\n  image: busybox:1.36\n",
		templates: map[string]string{"agents.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: agents\ndata:\n  pod.yaml: |\n    spec:\n      containers:\n      - name: agent\n        image: {{ .Values.agent.image }}\n"},
		written:   "image: busybox:1.36@sha256:",
	},
	{
		// The same pod template with its image written in the template: no value pins it, and
		// the render check says so rather than passing over the block.
		name:      "configmap-hard-coded",
		values:    "replicas: 1\n",
		templates: map[string]string{"agents.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: agents\ndata:\n  pod.yaml: |\n    spec:\n      containers:\n      - name: agent\n        image: busybox:1.36\n"},
		refused:   `templates/agents.yaml: image "busybox:1.36" is not pinned`,
	},
	{
		// kube-prometheus-stack and grafana: a registry/repository/tag map, the digest (when
		// set) as a bare sha key. The tag takes the digest, and the render proves it.
		name:   "sha-key",
		values: "image:\n  registry: quay.io\n  repository: prometheus/prometheus\n  tag: v2.50.0\n  sha: \"\"\n",
		templates: map[string]string{"deployment.yaml": deployment(
			`"{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}{{ if .Values.image.sha }}@sha256:{{ .Values.image.sha }}{{ end }}"`)},
	},
	{
		// An empty tag the template fills with appVersion (stamped with the release version):
		// the render shows the image it means, and its digest goes in the tag.
		name:   "empty-tag-appversion",
		values: "image:\n  repository: ghcr.io/example/app\n  tag: \"\"\n",
		templates: map[string]string{"deployment.yaml": deployment(
			`"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"`)},
		// The tag the chart renders, pinned: "@sha256:…" alone would render repo:@sha256:….
		written: `  tag: "1.0.0@sha256:`,
	},
	{
		// redis_exporter's siblings: image and tag apart. The detector reads the image alone
		// (:latest), which a render refuses; the render finds the tag beside it.
		name:      "sibling-tag",
		values:    "exporter:\n  image: ghcr.io/example/redis_exporter\n  tag: v1.75.0\n",
		templates: map[string]string{"deployment.yaml": deployment(`"{{ .Values.exporter.image }}:{{ .Values.exporter.tag }}"`)},
		written:   "  tag: v1.75.0@sha256:",
	},
	{
		// ingress-nginx: {image, tag, digest} with the registry under global. Detection reads
		// image: ingress-nginx/controller alone (docker.io, :latest), which the chart never
		// renders: nothing is written, and the chart, pinned already, is released as it is.
		name: "ingress-nginx-pinned",
		values: "global:\n  image:\n    registry: registry.k8s.io\ncontroller:\n  image:\n    image: ingress-nginx/controller\n    tag: v1.15.1\n    digest: sha256:" +
			strings.Repeat("c", 64) + "\n",
		templates: map[string]string{"deployment.yaml": deployment(
			`"{{ .Values.global.image.registry }}/{{ .Values.controller.image.image }}:{{ .Values.controller.image.tag }}{{ with .Values.controller.image.digest }}@{{ . }}{{ end }}"`)},
	},
	{
		// A plain string, used as it is: pinned.
		name:      "string",
		values:    "sidecar:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.sidecar.image | quote }}`)},
	},
	{
		// An operator given its sidecar's image in a flag (prometheus-operator's
		// --prometheus-config-reloader=…): the render shows it in args, and its values are
		// pinned where a render proves the flag changes to the pinned image.
		name:   "image-in-flag",
		values: "app:\n  image: envoyproxy/envoy:v1.19.3\nreloader:\n  image:\n    registry: quay.io\n    repository: example/reloader\n    tag: v0.93.1\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`) +
			"        args:\n        - --log-level=info\n        - --config-file=/etc/app/config.yaml\n" +
			"        - --prometheus-config-reloader={{ .Values.reloader.image.registry }}/{{ .Values.reloader.image.repository }}:{{ .Values.reloader.image.tag }}\n"},
		written: "    tag: v0.93.1@sha256:",
	},
	{
		// The same image written in the template's flag: no value pins it, and the chart is
		// not released with it unpinned.
		name:   "image-in-flag-hard-coded",
		values: "app:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`) +
			"        args:\n        - --prometheus-config-reloader=quay.io/example/reloader:v0.93.1\n"},
		refused: `templates/deployment.yaml: image "quay.io/example/reloader:v0.93.1" is not pinned`,
	},
	{
		// A component the defaults turn off is shipped to those who turn it on: its image is
		// pinned where the render with its toggle on proves it.
		name:      "disabled",
		values:    "extra:\n  enabled: false\n  image: busybox:1.36\napp:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`), "extra.yaml": "{{ if .Values.extra.enabled }}" + deployment(`{{ .Values.extra.image }}`) + "{{ end }}"},
		written:   "  image: busybox:1.36@sha256:",
		toggles:   []string{"extra.enabled"},
	},
	{
		// bitnami's and ingress-nginx's toggles: a schema that wants a boolean, and templates
		// that compare it with eq. Turned on as a string, the chart would not render, and the
		// component's image would go unchecked.
		name:   "disabled-boolean",
		values: "extra:\n  enabled: false\n  image: busybox:1.36\napp:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`),
			"extra.yaml": "{{ if eq .Values.extra.enabled true }}" + deployment(`{{ .Values.extra.image }}`) + "{{ end }}"},
		files:   map[string]string{"values.schema.json": `{"type": "object", "properties": {"extra": {"type": "object", "properties": {"enabled": {"type": "boolean"}}}}}`},
		written: "  image: busybox:1.36@sha256:",
		toggles: []string{"extra.enabled"},
	},
	{
		// A subchart's image in its own values.yaml (a redis chart vendored under charts/, off
		// by default): pinned there, proved through the parent's render, which helm renders
		// with the condition on.
		name:      "subchart",
		values:    "redis:\n  enabled: false\napp:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`)},
		files: map[string]string{
			"Chart.yaml":                              "apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 0.1.0\ndependencies:\n- name: redis\n  version: 0.1.0\n  repository: file://charts/redis\n  condition: redis.enabled\n",
			"charts/redis/Chart.yaml":                 "apiVersion: v2\nname: redis\nversion: 0.1.0\n",
			"charts/redis/values.yaml":                "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.4 # the server\n",
			"charts/redis/templates/statefulset.yaml": strings.Replace(deployment(`"{{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag }}"`), "name: app\n", "name: redis\n", 1),
		},
		written:   "  tag: 7.2.4@sha256:",
		writtenIn: "charts/redis/values.yaml",
		toggles:   []string{"redis.enabled"},
	},
	{
		// bitnami's redis and grafana: a generated password in a secret, and its checksum in
		// the deployment's annotations, differ from one render to the next; the pin is proved
		// on everything else.
		name:   "random-password",
		values: "image:\n  repository: ghcr.io/example/app\n  tag: v1.2.0\n",
		templates: map[string]string{
			"secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  password: {{ randAlphaNum 16 | b64enc | quote }}\n",
			"deployment.yaml": strings.Replace(deployment(`"{{ .Values.image.repository }}:{{ .Values.image.tag }}"`), "      labels: {app: app}\n",
				"      labels: {app: app}\n      annotations:\n        checksum/secret: {{ include (print $.Template.BasePath \"/secret.yaml\") . | sha256sum }}\n", 1),
		},
		written: "  tag: v1.2.0@sha256:",
	},
	{
		// kube-prometheus-stack's Prometheus and Alertmanager resources: with a sha set the
		// template prints it in the image and again in a sha: field beside it. A pin that
		// changes exactly those is a clean pin.
		name:   "sha-field",
		values: "prometheusSpec:\n  image:\n    registry: quay.io\n    repository: prometheus/prometheus\n    tag: v2.50.0\n    sha: \"\"\n",
		templates: map[string]string{"prometheus.yaml": `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: app
spec:
  {{- with .Values.prometheusSpec.image }}
  image: "{{ .registry }}/{{ .repository }}:{{ .tag }}{{ if .sha }}@sha256:{{ .sha }}{{ end }}"
  version: {{ .tag }}
  {{- if .sha }}
  sha: {{ .sha }}
  {{- end }}
  {{- end }}
`},
		written: "    sha: ",
	},
	{
		// bitnami's common.images.image: a digest prints in place of the tag, and NOTES.txt
		// prints the image in a kubectl command and warns when the tag differs from the one
		// the chart was released with. The tag taking the digest would print that warning:
		// the digest key is the pin, and the render names the image by digest alone.
		name:   "digest-replaces-tag",
		values: "image:\n  registry: docker.io\n  repository: bitnami/redis\n  tag: 7.2.4\n  digest: \"\"\n",
		templates: map[string]string{
			"_images.tpl":     `{{- define "app.image" -}}{{ .registry }}/{{ .repository }}{{ if .digest }}@{{ .digest }}{{ else }}:{{ .tag }}{{ end }}{{- end -}}`,
			"deployment.yaml": deployment(`{{ include "app.image" .Values.image }}`),
			"NOTES.txt": "Run a client:\n  kubectl run client --image {{ include \"app.image\" .Values.image }} --command -- sleep infinity\n" +
				"{{- if ne (toString .Values.image.tag) \"7.2.4\" }}\nWARNING: substituted images detected\n{{- end }}\n",
		},
		written: `  digest: "sha256:`,
	},
	{
		// OSM at main: one tag for all its images and a digest per image, printed only when the
		// tag is empty (its injector passes two more to sidecars in environment variables).
		// OSM's release sets every digest and clears the tag: one edit of several values,
		// proved image by image.
		name: "osm-digests-clear-tag",
		values: "osm:\n  image:\n    registry: docker.io/openservicemesh\n    name:\n      osmController: osm-controller\n      osmInjector: osm-injector\n      osmSidecarInit: init\n" +
			"    tag: \"v1.2.0\"\n    digest:\n      osmController: \"\"\n      osmInjector: \"\"\n      osmSidecarInit: \"\"\n",
		templates: map[string]string{
			"_helpers.tpl": `{{- define "osm.image" -}}{{- $i := .root.Values.osm.image -}}` +
				`{{- if $i.tag -}}{{ printf "%s/%s:%s" $i.registry (index $i.name .name) $i.tag }}{{- else -}}{{ printf "%s/%s@%s" $i.registry (index $i.name .name) (index $i.digest .name) }}{{- end -}}{{- end -}}`,
			"controller.yaml": deployment(`'{{ include "osm.image" (dict "root" . "name" "osmController") }}'`),
			"injector.yaml": strings.Replace(deployment(`'{{ include "osm.image" (dict "root" . "name" "osmInjector") }}'`), "name: app\n", "name: injector\n", 1) +
				"        env:\n        - name: OSM_DEFAULT_INIT_CONTAINER_IMAGE\n          value: '{{ include \"osm.image\" (dict \"root\" . \"name\" \"osmSidecarInit\") }}'\n",
		},
		written: `    tag: ""`,
	},
	{
		// Istio's gateway chart: "image: auto" in a pod asking for injection is the placeholder
		// the sidecar injector replaces, no image to pull: not pinned, and it blocks nothing.
		name:   "injected-placeholder",
		values: "app:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": strings.Replace(deployment(`{{ .Values.app.image | quote }}`), "      labels: {app: app}\n",
			"      labels: {app: app, sidecar.istio.io/inject: \"true\"}\n      annotations:\n        inject.istio.io/templates: gateway\n", 1) +
			"      - name: istio-proxy\n        image: auto\n"},
		written:     "  image: envoyproxy/envoy:v1.19.3@sha256:",
		placeholder: "auto",
	},
	{
		// A hook that writes the image pinned already, in a template of its own: the pin of the
		// same image through values renders that same text elsewhere, and the hook's file is
		// left as it renders.
		name:   "pinned-in-another-template",
		values: "app:\n  image: busybox:1.36\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`),
			"hook.yaml": strings.Replace(deployment("busybox:1.36@"+string(fake("busybox:1.36"))), "name: app\n", "name: hook\n", 1)},
		written: "  image: busybox:1.36@sha256:",
	},
	{
		// The same component with its image written in the template: turned on, it would run an
		// unpinned image, so the chart is not released.
		name:      "disabled-hard-coded",
		values:    "extra:\n  enabled: false\napp:\n  image: envoyproxy/envoy:v1.19.3\n",
		templates: map[string]string{"deployment.yaml": deployment(`{{ .Values.app.image | quote }}`), "extra.yaml": "{{ if .Values.extra.enabled }}" + deployment(`quay.io/example/reloader:v0.93.1`) + "{{ end }}"},
		refused:   `templates/extra.yaml (with extra.enabled: true): image "quay.io/example/reloader:v0.93.1" is not pinned`,
	},
}

// TestShapes packages each shape: pins are written only where a render proves them, and a pin
// the templates do not bear out is refused with its reason. It prints the corpus score.
func TestShapes(t *testing.T) {
	var found, pinned, refused, wrong int
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "templates"), 0o755)
			os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 0.1.0\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(s.values), 0o644)
			for name, text := range s.templates {
				os.WriteFile(filepath.Join(dir, "templates", name), []byte(text), 0o644)
			}
			for name, text := range s.files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
				os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
			}
			spec := &artifacts.ChartSpec{
				Chart: &manifest.Chart{Name: "app", Path: "charts/app"}, Dir: dir, Version: "1.0.0", Docker: "registry.example/app",
				Images: lock("docker.io/istio/pilot:1.24.0", "docker.io/openservicemesh/osm-controller:v1.2.0", "quay.io/prometheus/prometheus:v2.50.0",
					"envoyproxy/envoy:v1.19.3", "busybox:1.36", "ghcr.io/example/app:latest", "ghcr.io/example/app:1.0.0",
					"ghcr.io/example/redis_exporter:latest", "ghcr.io/example/redis_exporter:v1.75.0", "ingress-nginx/controller:latest",
					"docker.io/library/busybox:1.36", "registry.k8s.io/kubectl:v1.29.0", "quay.io/example/reloader:v0.93.1",
					"docker.io/bitnami/redis:7.2.4", "ghcr.io/example/app:v1.2.0", "docker.io/openservicemesh/osm-controller:v1.2.0",
					"docker.io/openservicemesh/osm-injector:v1.2.0", "docker.io/openservicemesh/init:v1.2.0"),
				Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			}
			var buf bytes.Buffer
			err := chart.New().Package(t.Context(), spec, &buf)
			found++
			switch {
			case s.refused != "" && err != nil && strings.Contains(err.Error(), s.refused):
				refused++
				t.Logf("refused: %v", err)
			case s.refused != "":
				wrong++
				t.Errorf("want a refusal holding %q, got %v", s.refused, err)
			case err != nil:
				t.Errorf("package: %v", err)
			default:
				// Every image the packaged chart renders is pinned: Package checked it, and
				// the real helm client agrees when there is one.
				helmTemplateAllPinned(t, buf.Bytes(), s.placeholder)
				for _, toggle := range s.toggles {
					helmTemplateAllPinned(t, buf.Bytes(), s.placeholder, "--set", toggle+"=true")
				}
				ch, err := loader.LoadArchive(bytes.NewReader(buf.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				in := s.writtenIn
				if in == "" {
					in = "values.yaml"
				}
				for _, f := range ch.Raw {
					if f.Name == in {
						// The whole file after pinning: only the bytes of the pins differ.
						golden.Assert(t, "testdata/shapes/"+s.name+".golden", f.Data)
						t.Logf("%s:\n%s", in, f.Data)
						if !strings.Contains(string(f.Data), s.written) {
							wrong++
							t.Errorf("values lack %q", s.written)
						}
					}
				}
				pinned++
			}
		})
	}
	t.Logf("found %d/%d, pinned %d, refused %d, wrong edits %d", found, len(shapes), pinned, refused, wrong)
	if wrong != 0 {
		t.Errorf("%d wrong edits", wrong)
	}
}

// TestTestHooks: a chart whose helm test hook writes its image in the template (podinfo's shape)
// is released without patching it when the spec lists the hook's file as unpinned; without it,
// the packager says which image and what to do.
func TestTestHooks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "templates", "tests"), 0o755)
	os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: app\nversion: 0.1.0\nappVersion: 0.1.0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte("image: envoyproxy/envoy:v1.19.3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "deployment.yaml"), []byte(deployment(`{{ .Values.image | quote }}`)), 0o644)
	os.WriteFile(filepath.Join(dir, "templates", "tests", "grpc.yaml"), []byte(`apiVersion: v1
kind: Pod
metadata:
  name: grpc-test
  annotations: {"helm.sh/hook": test}
spec:
  containers:
  - name: grpc
    image: ghcr.io/example/grpc-health-probe:v0.4.0
  restartPolicy: Never
`), 0o644)
	spec := &artifacts.ChartSpec{
		Chart: &manifest.Chart{Name: "app", Path: "charts/app"}, Dir: dir, Version: "1.0.0", Docker: "registry.example/app",
		Images: lock("envoyproxy/envoy:v1.19.3"), Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
	}
	var buf bytes.Buffer
	err := chart.New().Package(t.Context(), spec, &buf)
	if err == nil || !strings.Contains(err.Error(), `templates/tests/grpc.yaml: image "ghcr.io/example/grpc-health-probe:v0.4.0" is not pinned: no value of values.yaml pins it`) {
		t.Errorf("without unpinned: %v", err)
	}
	spec.Chart.Unpinned = []string{"templates/tests/*"}
	if err := chart.New().Package(t.Context(), spec, &buf); err != nil {
		t.Errorf("with unpinned: %v", err)
	}
}

// helmTemplateAllPinned renders a packaged chart with the helm CLI (RELEASEKIT_HELM) and fails
// unless every image of the output is pinned, but the placeholder (none when empty).
func helmTemplateAllPinned(t *testing.T, tgz []byte, placeholder string, args ...string) {
	t.Helper()
	helm := os.Getenv("RELEASEKIT_HELM")
	if helm == "" {
		return
	}
	p := filepath.Join(t.TempDir(), "chart.tgz")
	if err := os.WriteFile(p, tgz, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), helm, append([]string{"template", "release", p}, args...)...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	images, err := digest.Find(out, "helm template")
	if err != nil {
		t.Fatal(err)
	}
	if len(images) == 0 {
		t.Errorf("helm template renders no image:\n%s", out)
	}
	for _, im := range images {
		if !im.Ref.Pinned() && im.Ref.String() != placeholder {
			t.Errorf("helm template renders %s unpinned", im.Ref)
		}
	}
}
