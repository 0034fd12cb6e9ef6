package resolve_test

import (
	"os"
	"testing"

	"github.com/releasekit/releasekit/resolve"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestModuleVersion(t *testing.T) {
	gomod := read(t, "testdata/auto/go.mod")
	tests := []struct {
		module, version, rev string
		isTag                bool
		err                  string
	}{
		{module: "istio.io/api", version: "v1.22.0-alpha.0.0.20240501120000-0123456789ab", rev: "0123456789ab"},
		{module: "istio.io/client-go", version: "v1.22.0", rev: "v1.22.0", isTag: true}, // replaced by a directory: the version stays
		{module: "istio.io/pkg", version: "v0.0.0-20210102030405-fedcbafedcba", rev: "fedcbafedcba"},
		{module: "github.com/old/lib", version: "v2.0.0+incompatible", rev: "v2.0.0", isTag: true},
		{module: "istio.io/ztunnel", err: "istio.io/ztunnel not required in istio/go.mod"},
	}
	for _, tt := range tests {
		t.Run(tt.module, func(t *testing.T) {
			v, err := resolve.ModuleVersion(gomod, "istio/go.mod", tt.module)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil || v != tt.version {
				t.Fatalf("ModuleVersion = %q, %v; want %q", v, err, tt.version)
			}
			rev, isTag, err := resolve.VersionRevision(v)
			if err != nil || rev != tt.rev || isTag != tt.isTag {
				t.Errorf("VersionRevision(%s) = %q, %v, %v; want %q, %v", v, rev, isTag, err, tt.rev, tt.isTag)
			}
		})
	}
	host, err := resolve.MainModuleHost(gomod, "istio/go.mod")
	if err != nil || host != "istio.io" {
		t.Errorf("MainModuleHost = %q, %v", host, err)
	}
	if _, err := resolve.MainModuleHost([]byte("go 1.22\n"), "x/go.mod"); err == nil || err.Error() != "x/go.mod declares no module" {
		t.Errorf("no module: err = %v", err)
	}
}

func TestDepsSHA(t *testing.T) {
	deps := read(t, "testdata/auto/istio.deps")
	for repo, want := range map[string]string{
		"proxy":   "8b1a1f1e0d8a3c54b1cd8e1e6d2d60a9c6b2e0f4",
		"ztunnel": "3f0c3d9e3b2f8e4a2c1b0a9f8e7d6c5b4a3f2e1d",
	} {
		if got, err := resolve.DepsSHA(deps, "istio/istio.deps", repo); err != nil || got != want {
			t.Errorf("DepsSHA(%s) = %q, %v; want %s", repo, got, err, want)
		}
	}
	for repo, want := range map[string]string{
		"envoy": `no entry with repoName "envoy" in istio/istio.deps`,
		"empty": `istio/istio.deps: entry "empty" has no lastStableSHA`,
	} {
		if _, err := resolve.DepsSHA(deps, "istio/istio.deps", repo); err == nil || err.Error() != want {
			t.Errorf("DepsSHA(%s): err = %v, want %s", repo, err, want)
		}
	}
	if _, err := resolve.DepsSHA([]byte("{"), "istio/istio.deps", "proxy"); err == nil {
		t.Error("DepsSHA of broken JSON: no error")
	}
}

func TestWorkspaceSHA(t *testing.T) {
	ws := read(t, "testdata/auto/WORKSPACE")
	got, err := resolve.WorkspaceSHA(ws, "proxy/WORKSPACE", "ENVOY_SHA")
	if err != nil || got != "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" {
		t.Errorf("WorkspaceSHA = %q, %v", got, err)
	}
	// ENVOY_SHA256 must not match ENVOY_SHA, nor ENVOY_ORG anything.
	if _, err := resolve.WorkspaceSHA(ws, "proxy/WORKSPACE", "ENVOY_ORG"); err == nil || err.Error() != `no ENVOY_ORG = "<sha>" in proxy/WORKSPACE` {
		t.Errorf("WorkspaceSHA(ENVOY_ORG): err = %v", err)
	}
}
