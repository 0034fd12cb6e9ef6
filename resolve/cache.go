package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/internal/gitx"
)

// ErrNotCached is returned offline for a repository or commit that was never fetched.
var ErrNotCached = errors.New("not in the cache")

// refsFile, in a cache repository, keeps the remote's refs as the last online run listed them,
// so that an offline run resolves the same requests to the same commits.
const refsFile = "releasekit-refs"

// cache keeps one bare repository per URL. By default it holds only the commits releases
// needed, each fetched at depth 1, and resolves branches, tags and constraints from the
// remote's ref list (git ls-remote, once per run); WithHistory fetches every branch and tag
// with their history instead.
type cache struct {
	dir      string
	offline  bool
	history  bool
	mirrors  map[string]string
	progress *fetchProgress

	mu      sync.Mutex
	remotes map[string]*remote
}

// remote is one URL's cache repository and ref list in this run.
type remote struct {
	url  string
	done chan struct{}
	git  *gitx.Git
	refs *refList
	// shallow is set when the remote's own history is shallow (a CI checkout, a depth-1
	// mirror), so that its releases record it and a missing commit is blamed on it.
	shallow bool
	err     error

	mu sync.Mutex // one fetch at a time into the repository
}

// refList is a remote's branches and tags, each with the commit it names (tags peeled).
type refList struct {
	heads, tags map[string]string
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// path returns the cache folder of url: readable, and unique through a hash of the full URL.
func (c *cache) path(url string) string {
	sum := sha256.Sum256([]byte(url))
	clean := gitx.RedactURL(url)
	if i := strings.Index(clean, "://"); i >= 0 {
		clean = clean[i+3:]
	}
	clean = strings.Trim(unsafeChars.ReplaceAllString(clean, "-"), "-.")
	if len(clean) > 60 {
		clean = clean[len(clean)-60:]
	}
	return filepath.Join(c.dir, "git", clean+"-"+hex.EncodeToString(sum[:6])+".git")
}

// source returns where url is fetched from: its mirror, or itself.
func (c *cache) source(url string) string {
	if m, ok := c.mirrors[url]; ok {
		return m
	}
	return url
}

// remote returns url's cache repository and refs, listed once in this run.
func (c *cache) remote(ctx context.Context, url string) (*remote, error) {
	c.mu.Lock()
	r, ok := c.remotes[url]
	if !ok {
		r = &remote{url: url, done: make(chan struct{})}
		c.remotes[url] = r
		c.mu.Unlock()
		r.err = c.open(ctx, r)
		close(r.done)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-r.done:
		return r, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// open makes or opens the cache repository of r and lists its refs.
func (c *cache) open(ctx context.Context, r *remote) error {
	dir := c.path(r.url)
	r.git = gitx.At(dir)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		if c.offline {
			return fmt.Errorf("offline: %s is %w", gitx.RedactURL(r.url), ErrNotCached)
		}
		if err := create(ctx, dir); err != nil {
			return fmt.Errorf("cache %s: %w", gitx.RedactURL(r.url), err)
		}
	}
	var err error
	switch {
	case c.history:
		if !c.offline {
			if err := c.fetchAll(ctx, r); err != nil {
				return err
			}
		}
		r.shallow = r.git.IsShallow(ctx)
		r.refs, err = localRefs(ctx, r.git)
	case c.offline:
		r.refs, r.shallow, err = readRefs(dir)
		if errors.Is(err, os.ErrNotExist) { // a cache made with the whole history
			r.refs, err = localRefs(ctx, r.git)
			r.shallow = r.git.IsShallow(ctx)
		}
	default:
		r.shallow = localShallow(ctx, c.source(r.url))
		if r.refs, err = lsRemote(ctx, c.source(r.url)); err == nil {
			err = writeRefs(dir, r.refs, r.shallow)
		}
	}
	if err != nil {
		return fmt.Errorf("refs of %s: %w", gitx.RedactURL(r.url), err)
	}
	return nil
}

// create makes an empty bare repository in a temporary folder and renames it into place.
func create(ctx context.Context, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := gitx.At(tmp).Run(ctx, "init", "--bare", "--quiet"); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// lsRemote lists a remote's branches and tags in one call.
func lsRemote(ctx context.Context, source string) (*refList, error) {
	out, err := gitx.At("").Run(ctx, "ls-remote", "--heads", "--tags", source)
	if err != nil {
		return nil, err
	}
	return parseRefs(out), nil
}

// parseRefs reads "<sha>\t<ref>" lines, as ls-remote and for-each-ref print them; a peeled tag
// (<tag>^{}) names the commit of an annotated tag.
func parseRefs(text string) *refList {
	l := &refList{heads: map[string]string{}, tags: map[string]string{}}
	peeled := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok || !gitx.IsFullSHA(sha) {
			continue
		}
		switch {
		case strings.HasPrefix(ref, "refs/heads/"):
			l.heads[strings.TrimPrefix(ref, "refs/heads/")] = sha
		case strings.HasSuffix(ref, "^{}"):
			peeled[strings.TrimSuffix(strings.TrimPrefix(ref, "refs/tags/"), "^{}")] = sha
		case strings.HasPrefix(ref, "refs/tags/"):
			l.tags[strings.TrimPrefix(ref, "refs/tags/")] = sha
		}
	}
	for tag, sha := range peeled {
		l.tags[tag] = sha
	}
	return l
}

// localRefs lists the branches and tags of a cache repository holding whole histories.
func localRefs(ctx context.Context, g *gitx.Git) (*refList, error) {
	out, err := g.Run(ctx, "for-each-ref", "--format=%(objectname)\t%(refname)%0a%(*objectname)\t%(refname)^{}", "refs/heads/", "refs/tags/")
	if err != nil {
		return nil, err
	}
	return parseRefs(out), nil
}

// writeRefs keeps the ref list in the cache repository, sorted, for offline runs.
func writeRefs(dir string, l *refList, shallow bool) error {
	var lines []string
	if shallow {
		lines = append(lines, "# shallow")
	}
	for _, k := range slices.Sorted(maps.Keys(l.heads)) {
		lines = append(lines, l.heads[k]+"\trefs/heads/"+k)
	}
	for _, k := range slices.Sorted(maps.Keys(l.tags)) {
		lines = append(lines, l.tags[k]+"\trefs/tags/"+k)
	}
	return atomicfile.WriteFile(filepath.Join(dir, refsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func readRefs(dir string) (*refList, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, refsFile))
	if err != nil {
		return nil, false, err
	}
	return parseRefs(string(data)), strings.HasPrefix(string(data), "# shallow\n"), nil
}

// localShallow reports whether source is a local repository with a shallow history.
func localShallow(ctx context.Context, source string) bool {
	dir, ok := strings.CutPrefix(source, "file://")
	if !ok && strings.Contains(source, "://") {
		return false
	}
	if _, err := os.Stat(dir); err != nil {
		return false
	}
	return gitx.At(dir).IsShallow(ctx)
}

func (c *cache) fetchAll(ctx context.Context, r *remote) error {
	// --update-shallow: a shallow remote (a CI checkout, a depth-1 mirror) gives its refs, and the
	// cache becomes shallow, which the resolved manifest records. Without it git drops every ref
	// with only a warning, and a tag that is there looks missing. A cache made shallow by
	// depth-1 fetches takes the whole history (--unshallow).
	args := []string{"fetch", "--quiet", "--force", "--prune", "--no-auto-gc", "--update-shallow"}
	if r.git.IsShallow(ctx) && !localShallow(ctx, c.source(r.url)) {
		args = append(args, "--unshallow")
	}
	args = append(args, c.source(r.url), "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
	r.mu.Lock()
	defer r.mu.Unlock()
	return c.progress.run(ctx, r.git, gitx.RedactURL(r.url), args...)
}

// hasCommit reports whether the cache repository holds commit sha.
func (r *remote) hasCommit(ctx context.Context, sha string) bool {
	_, err := r.git.Run(ctx, "cat-file", "-e", sha+"^{commit}")
	return err == nil
}

// fetch makes commit sha present in the cache repository: nothing when it is there; offline an
// error; else a depth-1 fetch of ref (a branch or tag the ref list gave, which the cache then
// keeps) or, with no ref, of the commit itself. A cache that holds whole histories fetches them
// all again instead, so that it stays whole.
func (c *cache) fetch(ctx context.Context, r *remote, sha, ref string) error {
	if r.hasCommit(ctx, sha) {
		return nil
	}
	if c.offline {
		return fmt.Errorf("offline: commit %s of %s is %w", sha, gitx.RedactURL(r.url), ErrNotCached)
	}
	if c.history {
		if err := c.fetchAll(ctx, r); err != nil {
			return err
		}
		return c.found(ctx, r, sha, nil)
	}
	want := sha
	if ref != "" {
		want = "+" + ref + ":" + ref
	}
	r.mu.Lock()
	err := c.progress.run(ctx, r.git, gitx.RedactURL(r.url), "fetch", "--quiet", "--no-tags", "--depth=1", "--no-auto-gc", c.source(r.url), want)
	r.mu.Unlock()
	return c.found(ctx, r, sha, err)
}

// found checks that a fetch brought sha, saying why not.
func (c *cache) found(ctx context.Context, r *remote, sha string, err error) error {
	switch {
	case r.hasCommit(ctx, sha):
		return nil
	case r.shallow:
		return fmt.Errorf("%s: remote is shallow; commit %s is not in it", gitx.RedactURL(r.url), sha)
	case err != nil:
		return fmt.Errorf("commit %s not found in %s: %w", sha, gitx.RedactURL(r.url), err)
	}
	return fmt.Errorf("commit %s not found in %s (it moved while resolving?)", sha, gitx.RedactURL(r.url))
}

// deepen fetches the remote's whole history into the cache, for a request only history
// answers (an abbreviated commit); offline it answers from what the cache holds.
func (c *cache) deepen(ctx context.Context, r *remote) error {
	if c.offline || c.history {
		return nil
	}
	return c.fetchAll(ctx, r)
}
