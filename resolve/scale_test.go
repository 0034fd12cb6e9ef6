package resolve_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// TestFetchesOnlyWhatItNeeds: a remote with a long history and many tags resolves from its ref
// list, and the cache then holds the one commit the release needs; a commit deep in history
// is fetched by itself, an abbreviated one through the history; offline, each resolves again
// to the same commit. Fetches report their progress.
func TestFetchesOnlyWhatItNeeds(t *testing.T) {
	work := t.TempDir()
	r := newRepo(t, filepath.Join(work, "upstream"))
	var commits []string
	for i := range 60 {
		commits = append(commits, r.commit(fmt.Sprintf("change %d", i), map[string]string{"a.txt": strings.Repeat(fmt.Sprint(i), 1000)}))
		if i%3 == 0 {
			r.git("tag", "-a", "-m", "release", fmt.Sprintf("v1.%d.0", i/3))
		}
	}
	r.git("branch", "release-1.19", commits[57])
	const url = "https://git.example/app.git"
	var progress bytes.Buffer
	cacheDir := filepath.Join(work, "cache")
	run := func(dep string, offline bool) *resolve.Result {
		t.Helper()
		m, err := manifest.Parse(strings.NewReader("version: 1.0.0\ndependencies:\n  app: {git: "+url+", "+dep+"}\n"), "manifest.yaml")
		if err != nil {
			t.Fatal(err)
		}
		res, err := resolve.Dependencies(t.Context(), m, resolve.WithDir(filepath.Join(work, "build")), resolve.WithCacheDir(cacheDir),
			resolve.WithMirror(url, r.dir), resolve.WithOffline(offline), resolve.WithProgress(&progress))
		if err != nil {
			t.Fatalf("%s (offline %v): %v", dep, offline, err)
		}
		return res
	}
	for _, c := range []struct{ dep, want, from string }{
		{`tag: "~1.19"`, commits[57], "tag v1.19.0 (~1.19)"},
		{"branch: release-1.19", commits[57], "branch release-1.19"},
		{"sha: " + commits[4], commits[4], "sha " + commits[4]},
		{"sha: " + commits[10][:9], commits[10], "sha " + commits[10][:9]},
	} {
		for _, offline := range []bool{false, true} {
			d := run(c.dep, offline).Manifest.Dependencies["app"]
			if d.Sha != c.want || d.Resolved.From != c.from || d.Resolved.Shallow {
				t.Errorf("%s (offline %v): %s from %q shallow %v, want %s from %q", c.dep, offline, d.Sha, d.Resolved.From, d.Resolved.Shallow, c.want, c.from)
			}
		}
		if c.dep == `tag: "~1.19"` {
			// The cache holds that commit and its tag, not the history before it.
			cache, err := filepath.Glob(filepath.Join(cacheDir, "git", "*.git"))
			if err != nil || len(cache) != 1 {
				t.Fatalf("cache repositories: %v %v", cache, err)
			}
			g := gitx.At(cache[0])
			if n, _ := g.Run(t.Context(), "rev-list", "--count", "--all"); n != "1" {
				t.Errorf("the cache holds %s commits after resolving one tag, want 1", n)
			}
			if tags, _ := g.Run(t.Context(), "tag"); tags != "v1.19.0" {
				t.Errorf("cache tags %q, want the release's", tags)
			}
			// The checkout has the tag, for git describe in a build.
			if got, err := gitx.At(filepath.Join(work, "build", "sources", "app")).Run(t.Context(), "describe", "--tags"); err != nil || got != "v1.19.0" {
				t.Errorf("git describe in the checkout: %q %v", got, err)
			}
		}
	}
	if !strings.Contains(progress.String(), "fetch "+url+": Receiving objects: 100%") {
		t.Errorf("progress:\n%s", progress.String())
	}
}
