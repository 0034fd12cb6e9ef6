package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/releasekit/releasekit/internal/gitx"
)

// ErrNotCached is returned offline for a repository that was never fetched.
var ErrNotCached = errors.New("not in the cache")

// cache keeps one bare repository per URL and fetches each at most once per run.
type cache struct {
	dir     string
	offline bool
	mirrors map[string]string

	mu      sync.Mutex
	fetches map[string]*fetch
}

type fetch struct {
	done chan struct{}
	git  *gitx.Git
	err  error
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

// repo returns the cached repository of url, fetched from url once in this run unless offline.
func (c *cache) repo(ctx context.Context, url string) (*gitx.Git, error) {
	c.mu.Lock()
	f, ok := c.fetches[url]
	if !ok {
		f = &fetch{done: make(chan struct{})}
		c.fetches[url] = f
		c.mu.Unlock()
		f.git, f.err = c.update(ctx, url)
		close(f.done)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.git, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *cache) update(ctx context.Context, url string) (*gitx.Git, error) {
	dir := c.path(url)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		if c.offline {
			return nil, fmt.Errorf("offline: %s is %w", gitx.RedactURL(url), ErrNotCached)
		}
		if err := c.create(ctx, url, dir); err != nil {
			return nil, err
		}
		return gitx.At(dir), nil
	}
	g := gitx.At(dir)
	if !c.offline {
		if err := c.fetchAll(ctx, g, url); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// create makes the cache repository in a temporary folder and renames it into place, so that an
// interrupted first fetch leaves nothing behind.
func (c *cache) create(ctx context.Context, url, dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".fetch-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	g := gitx.At(tmp)
	if _, err := g.Run(ctx, "init", "--bare", "--quiet"); err != nil {
		return err
	}
	if err := c.fetchAll(ctx, g, url); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("cache %s: %w", gitx.RedactURL(url), err)
	}
	return nil
}

// source returns where url is fetched from: its mirror, or itself.
func (c *cache) source(url string) string {
	if m, ok := c.mirrors[url]; ok {
		return m
	}
	return url
}

func (c *cache) fetchAll(ctx context.Context, g *gitx.Git, url string) error {
	// --update-shallow: a shallow remote (a CI checkout, a depth-1 mirror) gives its refs, and the
	// cache becomes shallow, which the resolved manifest records. Without it git drops every ref
	// with only a warning, and a tag that is there looks missing.
	_, err := g.Run(ctx, "fetch", "--quiet", "--force", "--prune", "--no-auto-gc", "--update-shallow", c.source(url),
		"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
	return err
}

// fetchSHA fetches one commit that no branch or tag reaches, where the server allows it.
func (c *cache) fetchSHA(ctx context.Context, g *gitx.Git, url, sha string) error {
	if c.offline {
		return fmt.Errorf("offline: commit %s of %s is %w", sha, gitx.RedactURL(url), ErrNotCached)
	}
	_, err := g.Run(ctx, "fetch", "--quiet", "--no-auto-gc", c.source(url), sha)
	return err
}
