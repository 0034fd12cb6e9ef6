package digest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/digest"
)

// TestYAMLShapes: shapes of image references that peers' test inputs (kustomize, renovate,
// skaffold, kbld) and real values files (Istio's istio-discovery, ingress-nginx) hold. Each
// value is pinned as written, left alone, or refused at its line with the reason, and the file's
// other images are pinned either way.
func TestYAMLShapes(t *testing.T) {
	d := func(ref string) string {
		r, err := digest.Parse(ref)
		if err != nil {
			t.Fatal(err)
		}
		return string(fakeDigest(r))
	}
	for _, c := range []struct {
		name, in string
		refs     []string // what the lock resolves
		want     string   // the file after Pin of the images not refused
		refused  string   // a refusal Plan reports, when one
		opts     []digest.Option
	}{
		{
			// Kubernetes image volumes (renovate's kubernetes manager, kustomize's field specs).
			name: "image volume",
			in:   "spec:\n  volumes:\n  - name: data\n    image:\n      reference: quay.io/example/data:v1\n      pullPolicy: IfNotPresent\n",
			refs: []string{"quay.io/example/data:v1"},
			want: "spec:\n  volumes:\n  - name: data\n    image:\n      reference: quay.io/example/data:v1@" + d("quay.io/example/data:v1") + "\n      pullPolicy: IfNotPresent\n",
		},
		{
			// Crossplane packages are OCI images (renovate's crossplane manager).
			name: "crossplane package",
			in:   "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: nop\nspec:\n  package: xpkg.example.io/example/provider-nop:v0.2.0\n",
			refs: []string{"xpkg.example.io/example/provider-nop:v0.2.0"},
			want: "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nmetadata:\n  name: nop\nspec:\n  package: xpkg.example.io/example/provider-nop:v0.2.0@" + d("xpkg.example.io/example/provider-nop:v0.2.0") + "\n",
		},
		{
			// A package of another kind is no image: left.
			name: "package of another kind",
			in:   "apiVersion: example.io/v1\nkind: Thing\nspec:\n  package: example/thing:v1\n",
			want: "apiVersion: example.io/v1\nkind: Thing\nspec:\n  package: example/thing:v1\n",
		},
		{
			// A CustomResourceDefinition's schema holds examples, never images to run
			// (kustomize never rewrites one); the deployment beside it is pinned.
			name: "custom resource definition",
			in:   "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  image: whatever\n---\nkind: Pod\nspec:\n  image: busybox:1.36\n",
			refs: []string{"busybox:1.36"},
			want: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  image: whatever\n---\nkind: Pod\nspec:\n  image: busybox:1.36@" + d("busybox:1.36") + "\n",
		},
		{
			// ingress-nginx: {registry, image, tag, digest}, image the repository's name.
			name: "image names the repository",
			in:   "controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.13.0\n    digest: \"\"\n",
			refs: []string{"registry.k8s.io/ingress-nginx/controller:v1.13.0"},
			want: "controller:\n  image:\n    registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.13.0\n    digest: \"" + d("registry.k8s.io/ingress-nginx/controller:v1.13.0") + "\"\n",
		},
		{
			// ingress-nginx's defaultBackend.image: the registry commented out in the map and
			// set in global.image.registry. Not docker.io/library/defaultbackend-amd64:
			// refused; the controller's, pinned already, is left (its tag cannot be checked
			// without the registry).
			name: "registry elsewhere",
			in: "global:\n  image:\n    registry: registry.k8s.io\ncontroller:\n  image:\n    # registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.15.1\n    digest: " + d("registry.k8s.io/ingress-nginx/controller:v1.15.1") + "\n" +
				"defaultBackend:\n  image:\n    image: defaultbackend-amd64\n    tag: \"1.5\"\n",
			want: "global:\n  image:\n    registry: registry.k8s.io\ncontroller:\n  image:\n    # registry: registry.k8s.io\n    image: ingress-nginx/controller\n    tag: v1.15.1\n    digest: " + d("registry.k8s.io/ingress-nginx/controller:v1.15.1") + "\n" +
				"defaultBackend:\n  image:\n    image: defaultbackend-amd64\n    tag: \"1.5\"\n",
			refused: "values.yaml:12: defaultBackend.image: defaultbackend-amd64: its registry is not in this map",
		},
		{
			// A registry key left empty is no registry either; a repository that names its
			// host needs none.
			name:    "registry empty, or in the name",
			in:      "a:\n  image:\n    registry:\n    image: ingress-nginx/controller\n    tag: v1.9.4\nb:\n  image:\n    image: quay.io/prometheus/node-exporter\n    tag: v1.7.0\n",
			refs:    []string{"quay.io/prometheus/node-exporter:v1.7.0"},
			want:    "a:\n  image:\n    registry:\n    image: ingress-nginx/controller\n    tag: v1.9.4\nb:\n  image:\n    image: quay.io/prometheus/node-exporter\n    tag: v1.7.0@" + d("quay.io/prometheus/node-exporter:v1.7.0") + "\n",
			refused: "values.yaml:3: a.image: ingress-nginx/controller: its registry is not in this map",
		},
		{
			// renovate's {registry, repository, version}: version is the tag.
			name: "version is the tag",
			in:   "coreImage:\n  registry: docker.io\n  repository: bitnami/harbor-core\n  version: 2.1.3-debian-10-r38\n",
			refs: []string{"docker.io/bitnami/harbor-core:2.1.3-debian-10-r38"},
			want: "coreImage:\n  registry: docker.io\n  repository: bitnami/harbor-core\n  version: 2.1.3-debian-10-r38@" + d("docker.io/bitnami/harbor-core:2.1.3-debian-10-r38") + "\n",
		},
		{
			// Istio ≥ 1.24's istio-discovery: image: pilot beside an empty hub and tag, the real
			// ones under _internal_defaults_do_not_set.global. Not docker.io/library/pilot:
			// refused, and the file's other images pinned.
			name: "istio composed name",
			in: "_internal_defaults_do_not_set:\n  hub: \"\"\n  tag: \"\"\n  image: pilot\n  global:\n    hub: docker.io/istio\n    tag: 1.28.0\n" +
				"  sidecar:\n    image: busybox:1.36\n",
			refs:    []string{"busybox:1.36"},
			want:    "_internal_defaults_do_not_set:\n  hub: \"\"\n  tag: \"\"\n  image: pilot\n  global:\n    hub: docker.io/istio\n    tag: 1.28.0\n  sidecar:\n    image: busybox:1.36@" + d("busybox:1.36") + "\n",
			refused: "values.yaml:4: _internal_defaults_do_not_set.image: pilot: a name the chart puts between a hub and a tag",
		},
		{
			// One invalid reference is reported at its line; the others are pinned.
			name:    "one invalid reference",
			in:      "containers:\n- image: not_nginx@54321\n- image: busybox:1.36\n",
			refs:    []string{"busybox:1.36"},
			want:    "containers:\n- image: not_nginx@54321\n- image: busybox:1.36@" + d("busybox:1.36") + "\n",
			refused: `values.yaml:2: containers[0].image: not_nginx@54321: "not_nginx@54321" is not an image reference`,
		},
		{
			// skaffold's TestGetImages: words under a container's image key are an invalid
			// image, reported; the same words under another image key are a description.
			name:    "words as a container's image",
			in:      "spec:\n  containers:\n  - image: not valid\n  - image: busybox:1.36\nvariants:\n  image: any image you like\n",
			refs:    []string{"busybox:1.36"},
			want:    "spec:\n  containers:\n  - image: not valid\n  - image: busybox:1.36@" + d("busybox:1.36") + "\nvariants:\n  image: any image you like\n",
			refused: `values.yaml:3: spec.containers[0].image: not valid: "not valid" is not an image reference`,
		},
		{
			// kbld's TestResolveSuccessfulWithSearchRules: YAML in a block string, whose image
			// key holds an image, pinned over its bytes; the block's other text is kept.
			name: "image in a block string",
			in:   "spec:\n- nestedkey:\n    data: |\n      nested:\n        image: nginx:1.14.2\n      note: keep this\n- image: busybox:1.36\n",
			refs: []string{"nginx:1.14.2", "busybox:1.36"},
			want: "spec:\n- nestedkey:\n    data: |\n      nested:\n        image: nginx:1.14.2@" + d("nginx:1.14.2") + "\n      note: keep this\n- image: busybox:1.36@" + d("busybox:1.36") + "\n",
		},
		{
			// A ConfigMap holding a pod template (a CI system's agent pods): two images in one
			// block, one quoted, after a blank line, with the block's chomping indicator.
			name: "pod template in a ConfigMap",
			in:   "kind: ConfigMap\ndata:\n  pod.yaml: |-\n    spec:\n\n      containers:\n      - image: \"busybox:1.36\"\n      - image: nginx:1.14.2 # the web\n",
			refs: []string{"nginx:1.14.2", "busybox:1.36"},
			want: "kind: ConfigMap\ndata:\n  pod.yaml: |-\n    spec:\n\n      containers:\n      - image: \"busybox:1.36@" + d("busybox:1.36") + "\"\n      - image: nginx:1.14.2@" + d("nginx:1.14.2") + " # the web\n",
		},
		{
			// Prose in a block string is no document of images, and is left.
			name: "prose in a block string",
			in:   "description: |\n  Set image: to any image you like.\n  It is pulled once.\nimage: busybox:1.36\n",
			refs: []string{"busybox:1.36"},
			want: "description: |\n  Set image: to any image you like.\n  It is pulled once.\nimage: busybox:1.36@" + d("busybox:1.36") + "\n",
		},
		{
			// A block with an indentation indicator: where its text starts is not read from
			// its first line, so its image is refused rather than placed by a guess.
			name:    "block with an indentation indicator",
			in:      "data: |2\n    image: nginx:1.14.2\nimage: busybox:1.36\n",
			refs:    []string{"busybox:1.36"},
			want:    "data: |2\n    image: nginx:1.14.2\nimage: busybox:1.36@" + d("busybox:1.36") + "\n",
			refused: `values.yaml:1: data|image: nginx:1.14.2: cannot pin it inside the block string: the block has an indentation indicator`,
		},
		{
			// A Helm template (renovate's kubernetes manager reads one line by line): its
			// literal image lines are pinned, a templated one is left, and nothing else changes.
			name: "helm template",
			in: "metadata:\n  name: \"{{ include \"app.fullname\" . }}-test\"\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  containers:\n" +
				"    - name: wget\n      image: busybox # the probe\n    - name: app\n      image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n    - name: quoted\n      image: 'busybox:1.36'\n",
			refs: []string{"busybox", "busybox:1.36"},
			want: "metadata:\n  name: \"{{ include \"app.fullname\" . }}-test\"\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  containers:\n" +
				"    - name: wget\n      image: busybox@" + d("busybox") + " # the probe\n    - name: app\n      image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n    - name: quoted\n      image: 'busybox:1.36@" + d("busybox:1.36") + "'\n",
		},
		{
			// A template's block scalar is a string (a script, a config): its lines are not
			// the template's images.
			name: "helm template block scalar",
			in:   "{{- if .Values.enabled }}\ndata:\n  run.sh: |\n    image: busybox:1.36\n  other: x\nspec:\n  image: busybox:1.36\n{{- end }}\n",
			refs: []string{"busybox:1.36"},
			want: "{{- if .Values.enabled }}\ndata:\n  run.sh: |\n    image: busybox:1.36\n  other: x\nspec:\n  image: busybox:1.36@" + d("busybox:1.36") + "\n{{- end }}\n",
		},
		{
			// -image names a list item (kbld's search rule path [spec, {allIndexes}, images, {index: 0}]).
			name: "explicit list item",
			in:   "spec:\n- images:\n  - nginx:1.14.2\n",
			refs: []string{"nginx:1.14.2"},
			opts: []digest.Option{digest.WithImages(map[string]string{"spec[0].images[0]": "nginx:1.14.2"})},
			want: "spec:\n- images:\n  - nginx:1.14.2@" + d("nginx:1.14.2") + "\n",
		},
		{
			// A list under an images key (kbld's e2e input, spec[].images): each reference
			// written with a tag, a digest or a registry is an image; a word is not.
			name: "images list",
			in:   "spec:\n- images:\n  - nginx:1.14.2\n  - sidecar\n  - nginxImage: nginx:1.14.2\n",
			refs: []string{"nginx:1.14.2"},
			want: "spec:\n- images:\n  - nginx:1.14.2@" + d("nginx:1.14.2") + "\n  - sidecar\n  - nginxImage: nginx:1.14.2@" + d("nginx:1.14.2") + "\n",
		},
		{
			// Keys ending in the word image (renovate's helm-values inline_image, Knative's
			// config-deployment queue-sidecar-image); kbld's nestedimage is no image key.
			name: "image word keys",
			in:   "inline_image: docker.io/library/nginx:1.18-alpine\nqueue-sidecar-image: gcr.io/example/queue:v1\nnestedimage: nginx2\n",
			refs: []string{"nginx:1.18-alpine", "gcr.io/example/queue:v1"},
			want: "inline_image: docker.io/library/nginx:1.18-alpine@" + d("nginx:1.18-alpine") + "\nqueue-sidecar-image: gcr.io/example/queue:v1@" + d("gcr.io/example/queue:v1") + "\nnestedimage: nginx2\n",
		},
		{
			// ko's resolve output: the release's images as list items (TestYAMLArrays).
			name: "release images in a list",
			in:   "- gcr.io/example/github.com/org/foo\n- gcr.io/example/github.com/org/bar\n- gcr.io/example/other\n",
			refs: []string{"gcr.io/example/github.com/org/foo", "gcr.io/example/github.com/org/bar"},
			opts: releaseImages(t, "gcr.io/example/github.com/org/foo", "gcr.io/example/github.com/org/bar"),
			want: "- gcr.io/example/github.com/org/foo@" + d("gcr.io/example/github.com/org/foo") + "\n- gcr.io/example/github.com/org/bar@" + d("gcr.io/example/github.com/org/bar") + "\n- gcr.io/example/other\n",
		},
		{
			// ko's TestYAMLMaps "key and value": a mapping key that is a release image, and
			// its value under a dotted key.
			name: "release image as a key",
			in:   "gcr.io/example/foo: gcr.io/example/bar\n",
			refs: []string{"gcr.io/example/foo", "gcr.io/example/bar"},
			opts: releaseImages(t, "gcr.io/example/foo", "gcr.io/example/bar"),
			want: "gcr.io/example/foo@" + d("gcr.io/example/foo") + ": gcr.io/example/bar@" + d("gcr.io/example/bar") + "\n",
		},
		{
			// ko's TestResolveMultiDocumentYAMLs: each document one reference.
			name: "release images as documents",
			in:   "gcr.io/example/foo\n---\ngcr.io/example/bar\n",
			refs: []string{"gcr.io/example/foo", "gcr.io/example/bar"},
			opts: releaseImages(t, "gcr.io/example/foo", "gcr.io/example/bar"),
			want: "gcr.io/example/foo@" + d("gcr.io/example/foo") + "\n---\ngcr.io/example/bar@" + d("gcr.io/example/bar") + "\n",
		},
		{
			// A release image written without its registry is a common word (a label's
			// value): left where no image key holds it.
			name: "release image without a registry",
			in:   "metadata:\n  labels:\n    app: nginx\nnames:\n- nginx\n",
			refs: []string{"nginx"},
			opts: releaseImages(t, "nginx"),
			want: "metadata:\n  labels:\n    app: nginx\nnames:\n- nginx\n",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			changes, err := digest.Plan(t.Context(), []byte(c.in), "values.yaml", lockFor(t, c.refs...), c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var ok []digest.Change
			var refused []string
			for _, ch := range changes {
				if ch.Err != nil {
					refused = append(refused, ch.Err.Error())
					continue
				}
				ok = append(ok, ch)
			}
			switch {
			case c.refused == "" && len(refused) > 0:
				t.Errorf("refused: %v", refused)
			case c.refused != "" && (len(refused) != 1 || !strings.Contains(refused[0], c.refused)):
				t.Errorf("refused %q, want one holding %q", refused, c.refused)
			}
			out, _, err := digest.Apply([]byte(c.in), "values.yaml", ok, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, c.want)
			}
		})
	}
}

// releaseImages is WithReleaseImages of refs.
func releaseImages(t *testing.T, refs ...string) []digest.Option {
	t.Helper()
	var rs []digest.Reference
	for _, r := range refs {
		ref, err := digest.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, ref)
	}
	return []digest.Option{digest.WithReleaseImages(rs)}
}

// TestBrokenValuesWithTpl: a values file with a tpl string in a value is YAML: its syntax error
// is its own, not a reason to read it as a template.
func TestBrokenValuesWithTpl(t *testing.T) {
	_, err := digest.Find([]byte("name: \"{{ .Release.Name }}\"\nimage: [busybox:1.36\n"), "values.yaml")
	if !errors.Is(err, digest.ErrInvalid) {
		t.Errorf("a broken values file: %v, want ErrInvalid", err)
	}
}
