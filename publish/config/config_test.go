package config_test

import (
	"crypto/elliptic"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish/config"
	"github.com/releasekit/releasekit/publish/sign"
)

// TestTargets: a configuration of every kind makes its targets in publishing order, and what
// one cannot do is said, naming its part.
func TestTargets(t *testing.T) {
	rel := &release.Dir{Manifest: &manifest.Manifest{Version: "1.2.3", Dashboards: map[string]int{"mesh-dashboard": 7639}}}
	priv, _, err := cryptoutils.GeneratePEMEncodedECDSAKeyPair(elliptic.P256(), cryptoutils.StaticPasswordFunc([]byte("pw")))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sign.LoadKey(priv, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	bucket := "file://" + filepath.ToSlash(t.TempDir())
	cfg := config.Config{
		ImageHubs: []string{"registry.example/a", "registry.example/b"}, Tags: []string{"latest"},
		ChartHubs: []string{"registry.example/charts"},
		Buckets:   []config.Bucket{{URL: bucket, Prefix: "istio", Aliases: []string{"latest.txt"}}},
		GitTags:   true,
		GitHub:    &config.GitHub{Repository: "mesh", Token: "ghp_x"},
		Grafana:   &config.Grafana{Token: "glc_x"},
		Signer:    signer,
	}
	targets, closeAll, err := cfg.Targets(t.Context(), rel)
	defer closeAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tg := range targets {
		names = append(names, tg.Name())
	}
	// Each image push is followed by its signatures, charts by theirs; then the files, the
	// git tags, GitHub's tags of an org and its release, and grafana.com.
	want := []string{"images", "signatures", "images", "signatures", "charts", "chart signatures", "files", "git", "github-tags", "github", "grafana"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}

	// What a configuration cannot do is said, naming its part.
	for _, c := range []struct {
		cfg  config.Config
		want string
	}{
		{config.Config{}, config.ErrNoTarget.Error()},
		{config.Config{Signer: signer, GitTags: true}, "signing signs images and charts in registries"},
		{config.Config{ImageHubs: []string{"Not A Hub"}}, "images Not A Hub: "},
		{config.Config{GitHub: &config.GitHub{Repository: "mesh"}}, "github: no token"},
		{config.Config{Grafana: &config.Grafana{Token: "x"}}, "grafana.com: the manifest's dashboards map gives no grafana.com ids"},
		{config.Config{Buckets: []config.Bucket{{URL: "nope://x"}}}, "open bucket nope://x"},
	} {
		_, closeAll, err := c.cfg.Targets(t.Context(), &release.Dir{Manifest: &manifest.Manifest{Version: "1.2.3"}})
		closeAll()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.cfg, err, c.want)
		}
	}
	if _, _, err := (config.Config{}).Targets(t.Context(), rel); !errors.Is(err, config.ErrNoTarget) {
		t.Errorf("no target: %v", err)
	}
}
