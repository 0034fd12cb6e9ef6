package resolve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// checkout makes dest a clean checkout of sha from the repository at from (the cache, or a
// localpath repository). With whole it is a clone of from, all history; else depth 1 with the
// tags there that name sha (so that git describe in a build gives the release's tag): a build
// reads the tree, not the history. A tree that is already there at sha and clean is kept;
// anything else is replaced by one made under a temporary name and renamed into place.
func checkout(ctx context.Context, from, dest, sha, origin string, whole bool) error {
	if clean, err := isCleanAt(ctx, dest, sha); err == nil && clean {
		return nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	g := gitx.At(tmp)
	if whole {
		if _, err := gitx.At("").Run(ctx, "clone", "--quiet", "--no-checkout", from, tmp); err != nil {
			return err
		}
		if _, err := g.Run(ctx, "remote", "remove", "origin"); err != nil {
			return err
		}
	} else if err := fetchCommit(ctx, g, from, sha); err != nil {
		return err
	}
	if _, err := g.Run(ctx, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", sha); err != nil {
		return err
	}
	if origin != "" {
		if _, err := g.Run(ctx, "remote", "add", "origin", origin); err != nil {
			return err
		}
	}
	return replaceDir(tmp, dest)
}

// fetchCommit makes an empty repository at g hold sha from the repository at from, at depth 1,
// with the tags there that name it.
func fetchCommit(ctx context.Context, g *gitx.Git, from, sha string) error {
	if _, err := g.Run(ctx, "init", "--quiet"); err != nil {
		return err
	}
	tags, err := gitx.At(from).Run(ctx, "tag", "--points-at", sha)
	if err != nil {
		return err
	}
	want := []string{sha}
	for _, t := range strings.Fields(tags) {
		want = append(want, "+refs/tags/"+t+":refs/tags/"+t)
	}
	// The commit may be named by no branch or tag of from: the local upload-pack serves it
	// by its SHA (the setting reaches it through the environment).
	fetch := gitx.At(g.Dir, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=uploadpack.allowAnySHA1InWant", "GIT_CONFIG_VALUE_0=true")
	_, err = fetch.Run(ctx, append([]string{"fetch", "--quiet", "--no-tags", "--depth=1", "--no-auto-gc", from}, want...)...)
	return err
}

func isCleanAt(ctx context.Context, dir, sha string) (bool, error) {
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		return false, err
	}
	g := gitx.At(dir)
	head, err := g.Run(ctx, "rev-parse", "HEAD")
	if err != nil || head != sha {
		return false, err
	}
	status, err := g.Run(ctx, "status", "--porcelain", "--untracked-files=all")
	return err == nil && status == "", err
}

// replaceDir renames tmp to dest, removing an older dest first.
func replaceDir(tmp, dest string) error {
	if err := os.RemoveAll(dest); err != nil {
		return err
	}
	return os.Rename(tmp, dest)
}

// local resolves a localpath dependency to its HEAD and checks it out, copying uncommitted
// changes over it when they are allowed.
func (r *resolver) local(ctx context.Context, name string, d *manifest.Dependency, dest string) (*Source, string, error) {
	repo := gitx.At(d.LocalPath)
	sha, err := repo.Run(ctx, "rev-parse", "--verify", "HEAD^{commit}")
	if err != nil {
		return nil, "", fmt.Errorf("localpath %s: %w", d.LocalPath, err)
	}
	if d.Sha != "" && !strings.HasPrefix(sha, d.Sha) {
		return nil, "", fmt.Errorf("localpath %s: HEAD is %s, the manifest pins %s", d.LocalPath, sha, d.Sha)
	}
	status, err := repo.Run(ctx, "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		return nil, "", err
	}
	dirty := status != ""
	if dirty && !d.AllowDirty {
		return nil, "", fmt.Errorf("localpath %s: %w", d.LocalPath, ErrDirty)
	}
	t, err := commitTime(ctx, repo, sha)
	if err != nil {
		return nil, "", err
	}
	if dirty {
		tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
		if err != nil {
			return nil, "", err
		}
		defer os.RemoveAll(tmp)
		work := filepath.Join(tmp, "tree")
		if err := checkout(ctx, d.LocalPath, work, sha, "", r.o.history); err != nil {
			return nil, "", err
		}
		if err := overlay(ctx, repo, d.LocalPath, work); err != nil {
			return nil, "", err
		}
		if err := replaceDir(work, dest); err != nil {
			return nil, "", err
		}
	} else if err := checkout(ctx, d.LocalPath, dest, sha, "", r.o.history); err != nil {
		return nil, "", err
	}
	return &Source{Name: name, Dir: dest, SHA: sha, CommitTime: t, Dirty: dirty, Shallow: repo.IsShallow(ctx), Repo: d.LocalPath}, "localpath HEAD", nil
}

// overlay copies the working-tree changes of the repository at src over the checkout at dest:
// modified and untracked (not ignored) files are copied, deleted files removed.
func overlay(ctx context.Context, repo *gitx.Git, src, dest string) error {
	changed, err := repo.Output(ctx, "ls-files", "-z", "--modified", "--others", "--exclude-standard")
	if err != nil {
		return err
	}
	deleted, err := repo.Output(ctx, "ls-files", "-z", "--deleted")
	if err != nil {
		return err
	}
	for _, rel := range bytes.Split(deleted, []byte{0}) {
		if len(rel) > 0 {
			if err := os.Remove(filepath.Join(dest, filepath.FromSlash(string(rel)))); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	for _, rel := range bytes.Split(changed, []byte{0}) {
		if len(rel) == 0 {
			continue
		}
		p := filepath.FromSlash(string(rel))
		if _, err := os.Lstat(filepath.Join(src, p)); os.IsNotExist(err) {
			continue // listed as modified because it was deleted
		}
		if err := copyFile(filepath.Join(src, p), filepath.Join(dest, p)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.Remove(dst)
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
