package policy_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/validate/policy"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct{ prev, next, want string }{
		{"v1.7.3", "v1.7.3", "none"},
		{"v1.7.3", "v1.7.4", "patch"},
		{"1.7.3", "v1.8.0", "minor"},
		{"v1.7.3", "v2.0.0", "major"},
		{"v1.7.3", "v1.8.0-rc1", "pre-release"},
		{"v1.8.0-rc1", "v1.8.0-rc2", "pre-release"},
		{"v1.8.0-rc2", "v1.8.0", "patch"},
		{"1.29.3-gs1", "1.29.7", "patch"},
		{"v1.8.0", "v1.7.9", "downgrade"},
		{"v1.8.0", "v1.8.0-rc1", "downgrade"},
	} {
		c, err := policy.Classify(tc.prev, tc.next)
		if err != nil {
			t.Fatal(err)
		}
		if c.String() != tc.want {
			t.Errorf("Classify(%s, %s) = %s, want %s", tc.prev, tc.next, c, tc.want)
		}
	}
	if _, err := policy.Classify("1.2", "banana"); err == nil || !strings.Contains(err.Error(), `"banana"`) {
		t.Errorf("bad version: %v", err)
	}
}

func read(t *testing.T, file string) *policy.Composite {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := policy.ReadRelease(data, file)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCheck: 25.0.0 -> 25.1.0 is a minor release with a component major bump (os-tooling
// 2.0.0), a downgrade (coredns), a removed app, a dependsOn cycle and a dependsOn naming no
// entry; patch, minor and pre-release-to-final bumps of other components are allowed.
func TestCheck(t *testing.T) {
	prev := read(t, "testdata/release-25.0.0.yaml")
	next := read(t, "testdata/release-25.1.0.yaml")
	if prev.Version != "25.0.0" || len(prev.Components) != 7 {
		t.Fatalf("read %+v", prev)
	}
	var got []string
	for _, v := range policy.Check(prev, next) {
		got = append(got, v.Message)
	}
	f := "testdata/release-25.1.0.yaml: "
	want := []string{
		f + `karpenter depends on "cert-manager", which is not in the release`,
		f + "dependsOn cycle: cilium -> external-dns -> coredns -> cilium",
		f + "os-tooling 1.15.0 -> 2.0.0 needs a major release, 25.0.0 -> 25.1.0 is minor",
		f + "coredns 1.21.0 -> 1.20.0 needs a major release, 25.0.0 -> 25.1.0 is minor",
		f + "legacy-exporter 0.3.0 is removed, which needs a major release, 25.0.0 -> 25.1.0 is minor",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}

	// The same components in a patch release: the minor bumps and the new app fail too.
	patch := *next
	patch.Version = "25.0.1"
	n := 0
	for _, v := range policy.Check(prev, &patch) {
		if v.Required == policy.Minor && v.Released == policy.Patch {
			n++
		}
	}
	if n != 2 { // cilium 0.24.0 -> 0.25.0, karpenter (new)
		t.Errorf("%d minor bumps flagged in a patch release, want 2", n)
	}
	// In a major release only the structure is wrong.
	major := *next
	major.Version = "26.0.0"
	if got := policy.Check(prev, &major); len(got) != 2 {
		t.Errorf("major release: %v", got)
	}
}

func TestReadReleaseErrors(t *testing.T) {
	if _, err := policy.ReadRelease([]byte("apiVersion: v1\nkind: ConfigMap\n"), "cm.yaml"); err == nil || !strings.Contains(err.Error(), "cm.yaml") {
		t.Errorf("not a release: %v", err)
	}
	if _, err := policy.ReadRelease([]byte("apiVersion: release.giantswarm.io/v1alpha1\nkind: Release\nmetadata: {name: aws}\n"), "r.yaml"); err == nil {
		t.Error("a release without a version was read")
	}
}

func TestFromManifest(t *testing.T) {
	m, err := manifest.Parse(strings.NewReader(`version: 1.2.0
dependencies:
  csi-provisioner:
    git: https://github.com/kubernetes-csi/external-provisioner
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: "tag v3.1.0 (~3.1)", commitTime: "2024-05-01T12:00:00Z"}
  hostpath:
    git: https://github.com/kubernetes-csi/csi-driver-host-path
    sha: 0123456789abcdef0123456789abcdef01234568
    resolved: {from: branch master, commitTime: "2024-05-01T12:00:00Z"}
`), "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prev := policy.FromManifest(m, "prev.yaml")
	m.Version = "1.2.1"
	d := m.Dependencies["csi-provisioner"]
	d.Resolved.From = "tag v4.0.0"
	m.Dependencies["csi-provisioner"] = d
	got := policy.Check(prev, policy.FromManifest(m, "next.yaml"))
	if len(got) != 1 || got[0].Component != "csi-provisioner" || got[0].Required != policy.Major {
		t.Errorf("violations: %v", got)
	}
}

func TestSetHash(t *testing.T) {
	a := map[string]string{"flatcar": "3815.2.5", "kubernetes": "1.29.7", "teleport": "15.1.0"}
	full, short := policy.SetHash(a)
	// The documented algorithm: sorted "name@version" lines, each ending in a newline.
	want := fmt.Sprintf("%x", sha256.Sum256([]byte("flatcar@3815.2.5\nkubernetes@1.29.7\nteleport@15.1.0\n")))
	if full != want || short != want[:8] {
		t.Errorf("hash %s %s", full, short)
	}
	b := map[string]string{"teleport": "15.1.0", "kubernetes": "1.29.7", "flatcar": "3815.2.5"}
	if f2, _ := policy.SetHash(b); f2 != full {
		t.Error("order changed the hash")
	}
	b["teleport"] = "15.1.1"
	if f3, _ := policy.SetHash(b); f3 == full {
		t.Error("a version change kept the hash")
	}
}

func TestImageName(t *testing.T) {
	versions := map[string]string{"channel": "stable", "flatcar": "3815.2.5", "kubernetes": "v1.29.7", "tooling": "1.15.0"}
	got, err := policy.ImageName("flatcar-{{.channel}}-{{.flatcar}}-kube-{{trimv .kubernetes}}-tooling-{{.tooling}}-gs", versions)
	if err != nil {
		t.Fatal(err)
	}
	if got != "flatcar-stable-3815.2.5-kube-1.29.7-tooling-1.15.0-gs" {
		t.Errorf("name = %s", got)
	}
	_, short := policy.SetHash(versions)
	if got, _ := policy.ImageName("os-{{hash}}", versions); got != "os-"+short {
		t.Errorf("hash name = %s", got)
	}
	if _, err := policy.ImageName("x-{{.teleport}}", versions); err == nil {
		t.Error("a missing version gave a name")
	}
}

// TestReadReleaseShapes: a Release resource as clusters hold it (annotations, dates, states)
// reads; a wrong type is reported at its position.
func TestReadReleaseShapes(t *testing.T) {
	real := `apiVersion: release.giantswarm.io/v1alpha1
kind: Release
metadata:
  name: aws-25.1.0
  annotations: {giantswarm.io/docs: "https://docs.example/releases"}
  labels: {giantswarm.io/provider: aws}
spec:
  date: "2024-06-01T12:00:00Z"
  state: active
  apps:
  - {name: cilium, version: 0.25.1, catalog: default}
  components:
  - {name: flatcar, version: 3815.2.5}
  - {name: kubernetes, version: 1.29.7}
`
	r, err := policy.ReadRelease([]byte(real), "release.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "25.1.0" || len(r.Components) != 3 {
		t.Errorf("read %+v", r)
	}
	_, err = policy.ReadRelease([]byte(strings.Replace(real, "state: active", "apps: 3", 1)), "release.yaml")
	if err == nil || !strings.Contains(err.Error(), "release.yaml:") {
		t.Errorf("a wrong type: %v", err)
	}
}
