package artifacts_test

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/examples/sample"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// sampleResolved writes the sample project and resolves its manifest in dir.
func sampleResolved(t *testing.T, dir string) *resolve.Result {
	t.Helper()
	res, err := sample.Resolve(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sampleOptions(more ...artifacts.Option) []artifacts.Option {
	return append([]artifacts.Option{artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()),
		artifacts.WithChartPackager(chart.New()), artifacts.WithProvenance("https://ci.example/jobs/release"), artifacts.WithJobs(2)}, more...)
}

// files reads every file of a release directory by its slash path.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSplitBuild builds the demo release on one machine, and again as two shards (files on one,
// images and charts on the other) merged: every file of the two release directories is the
// same. Shards of other manifests, or that disagree on an output, are refused; a merge missing
// a shard says what no shard built.
func TestSplitBuild(t *testing.T) {
	root := t.TempDir()
	res := sampleResolved(t, root)
	single := filepath.Join(root, "single", "out")
	if _, err := artifacts.Build(t.Context(), res, single, sampleOptions()...); err != nil {
		t.Fatal(err)
	}
	shards := []artifacts.Selector{
		{Kinds: []manifest.Output{manifest.OutputArchive, manifest.OutputDebian, manifest.OutputSources, manifest.OutputLicenses, manifest.OutputGrafana}},
		{Kinds: []manifest.Output{manifest.OutputDocker, manifest.OutputHelm}},
	}
	var dirs []string
	for i, sel := range shards {
		dir := filepath.Join(root, "shard"+string(rune('a'+i)), "out")
		if _, err := artifacts.Build(t.Context(), res, dir, sampleOptions(artifacts.WithSelector(sel))...); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
		dirs = append(dirs, dir)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "docker")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the files shard wrote the image layout: %v", err)
	}
	merged := filepath.Join(root, "merged", "out")
	if _, err := artifacts.Merge(t.Context(), res, merged, dirs, sampleOptions()...); err != nil {
		t.Fatal(err)
	}
	want, got := files(t, single), files(t, merged)
	keys := func(m map[string][]byte) []string {
		return slices.Sorted(func(y func(string) bool) {
			for k := range m {
				if !y(k) {
					return
				}
			}
		})
	}
	if !slices.Equal(keys(want), keys(got)) {
		t.Fatalf("files differ:\nsingle %v\nmerged %v", keys(want), keys(got))
	}
	for name, data := range want {
		if !bytes.Equal(data, got[name]) {
			t.Errorf("%s differs between the single build and the merged shards", name)
		}
	}
	t.Logf("%d files, the same bytes", len(want))

	// Split by platform too: the archives of two platforms each, the images, and the rest.
	byPlatform := []artifacts.Selector{
		{Kinds: []manifest.Output{manifest.OutputArchive, manifest.OutputDebian}, Platforms: []string{"linux/amd64", "linux/arm64"}},
		{Kinds: []manifest.Output{manifest.OutputArchive}, Platforms: []string{"darwin/arm64", "windows/amd64"}},
		{Kinds: []manifest.Output{manifest.OutputDocker, manifest.OutputHelm}},
		// A shard that compiles nothing still records the toolchains in its manifest.
		{Kinds: []manifest.Output{manifest.OutputSources, manifest.OutputLicenses, manifest.OutputGrafana}},
	}
	var pdirs []string
	for i, sel := range byPlatform {
		dir := filepath.Join(root, "platform"+string(rune('a'+i)), "out")
		if _, err := artifacts.Build(t.Context(), res, dir, sampleOptions(artifacts.WithSelector(sel))...); err != nil {
			t.Fatalf("platform shard %d: %v", i, err)
		}
		pdirs = append(pdirs, dir)
	}
	pmerged := filepath.Join(root, "pmerged", "out")
	if _, err := artifacts.Merge(t.Context(), res, pmerged, pdirs, sampleOptions()...); err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, files(t, pmerged), "the shards split by platform")

	// One shard alone: the merge names what no shard built.
	if _, err := artifacts.Merge(t.Context(), res, filepath.Join(root, "half", "out"), dirs[:1], sampleOptions()...); !errors.Is(err, artifacts.ErrNotBuilt) {
		t.Errorf("a merge of one shard of two: %v", err)
	}
	// A shard built at another release time is refused.
	late := filepath.Join(root, "late", "out")
	if _, err := artifacts.Build(t.Context(), res, late, sampleOptions(artifacts.WithSelector(shards[1]), artifacts.WithTime(res.Time().Add(3600e9)))...); err != nil {
		t.Fatal(err)
	}
	if _, err := artifacts.Merge(t.Context(), res, filepath.Join(root, "mixed", "out"), []string{dirs[0], late}, sampleOptions()...); err == nil || !strings.Contains(err.Error(), "another release time") {
		t.Errorf("shards of two release times: %v", err)
	}
	// A shard whose archive has other bytes is refused.
	arch := filepath.Join(dirs[0], "hello-0.1.0-linux-amd64.tar.gz")
	other := filepath.Join(root, "other", "out")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"manifest.yaml"} {
		data, _ := os.ReadFile(filepath.Join(dirs[0], f))
		os.WriteFile(filepath.Join(other, f), data, 0o644)
	}
	os.WriteFile(filepath.Join(other, filepath.Base(arch)), []byte("other bytes"), 0o644)
	if _, err := artifacts.Merge(t.Context(), res, filepath.Join(root, "clash", "out"), append(dirs, other), sampleOptions()...); err == nil || !strings.Contains(err.Error(), "two shards made it with different bytes") {
		t.Errorf("shards that disagree: %v", err)
	}
}

// sameTree fails unless got holds the files of want, each with the same bytes, and no other.
func sameTree(t *testing.T, want, got map[string][]byte, what string) {
	t.Helper()
	wk, gk := slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))
	if !slices.Equal(wk, gk) {
		t.Fatalf("%s: files differ:\nsingle %v\nmerged %v", what, wk, gk)
	}
	for name, data := range want {
		if !bytes.Equal(data, got[name]) {
			t.Errorf("%s differs between the single build and %s", name, what)
		}
	}
}
