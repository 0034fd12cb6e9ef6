package chart

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/digest"
)

// TestFlagImage: only a flag whose value is surely an image counts.
func TestFlagImage(t *testing.T) {
	for arg, want := range map[string]string{
		"--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.73.0": "quay.io/prometheus-operator/prometheus-config-reloader:v0.73.0",
		"--thanos-default-base-image=registry.example:5000/thanos/thanos@sha256:" + hex64:             "registry.example:5000/thanos/thanos@sha256:" + hex64,
		"-image=localhost/app:1.0":                                          "localhost/app:1.0",
		"--config.file=/etc/prometheus/prometheus.yml":                      "",
		"--web.external-url=http://prometheus.example/x":                    "",
		"--kubelet-service=kube-system/kubelet":                             "",
		"--alertmanager-default-base-image=quay.io/prometheus/alertmanager": "", // no tag: the operator adds one
		"--addr=podinfo:9999":                                               "",
		"--storage.tsdb.retention.time=10d":                                 "",
		"quay.io/example/app:1.0":                                           "", // not a flag: an image field's business
		"--registry=quay.io/":                                               "",
	} {
		ref, ok := flagImage(&yaml.Node{Kind: yaml.ScalarNode, Value: arg})
		got := ""
		if ok {
			got = ref.String()
		}
		if got != want {
			t.Errorf("%s: %q, want %q", arg, got, want)
		}
	}
}

const hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// FuzzImagesInFlags: any rendered text is read without a panic, and every image found is a
// reference that parses back to itself.
func FuzzImagesInFlags(f *testing.F) {
	f.Add("spec:\n  containers:\n  - args: [--x=quay.io/a/b:1, --y=/etc/z]\n---\ncommand: ['-i=localhost/c@sha256:" + hex64 + "']\n")
	f.Add("args: {a: b}\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, im := range imagesInFlags("t.yaml", text) {
			again, err := digest.Parse(im.ref.String())
			if err != nil || again != im.ref {
				t.Fatalf("%s: %v, %v", im.ref, again, err)
			}
		}
	})
}

// TestEnvImage: an environment variable named for an image, holding one, counts.
func TestEnvImage(t *testing.T) {
	text := `spec:
  template:
    spec:
      containers:
      - name: operator
        image: quay.io/example/operator:v1.0.0
        env:
        - {name: RELATED_IMAGE_RELOADER, value: "quay.io/example/reloader:v0.93.1"}
        - {name: related_image_db, value: "registry.example:5000/db@sha256:` + hex64 + `"}
        - {name: LOG_LEVEL, value: "quay.io/not/an:image-by-name"}
        - {name: DEFAULT_IMAGE, value: "busybox"}
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
`
	var got []string
	for _, im := range imagesInFlags("t.yaml", text) {
		got = append(got, im.path+"="+im.ref.String())
	}
	want := []string{
		"[0].spec.template.spec.containers[0].env[0].value=quay.io/example/reloader:v0.93.1",
		"[0].spec.template.spec.containers[0].env[1].value=registry.example:5000/db@sha256:" + hex64,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
