package chart

import (
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
