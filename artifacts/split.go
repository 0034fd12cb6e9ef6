package artifacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// ErrNotBuilt is wrapped by Merge's error for an output no shard built.
var ErrNotBuilt = errors.New("built by no shard")

// Selector picks the outputs one machine builds of a release split across several: a shard.
// An output is picked when each non-empty list holds it: Kinds its kind, Names a path.Match
// glob of its path in the release (an image: of its reference), Platforms its platform (for the
// outputs made per platform: archives and packages; an image is built for all its platforms).
// What picked outputs need (binaries, images for charts that pin them) is built too, and
// recorded only when picked itself. Bills of materials follow what they describe: a binary's
// in every shard that compiles it, an image's with the image, the sources' with the sources.
// A shard writes no provenance: Merge does.
type Selector struct {
	Kinds     []manifest.Output
	Names     []string
	Platforms []string
}

// WithSelector builds only the outputs sel picks, into a partial release directory for Merge.
// Default: every output, a whole release.
func WithSelector(sel Selector) Option {
	return func(o *options) error {
		for _, g := range sel.Names {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("WithSelector: name %q: %w", g, err)
			}
		}
		o.sel = &sel
		return nil
	}
}

// picks reports whether the selector (nil: all) picks an output of kind at rel (a path, or an
// image's reference) for platform ("" for outputs of every platform).
func (s *Selector) picks(kind manifest.Output, rel, platform string) bool {
	if s == nil {
		return true
	}
	if len(s.Kinds) > 0 && !slices.Contains(s.Kinds, kind) {
		return false
	}
	if len(s.Names) > 0 && !slices.ContainsFunc(s.Names, func(g string) bool { ok, _ := path.Match(g, rel); return ok }) {
		return false
	}
	return platform == "" || len(s.Platforms) == 0 || slices.Contains(s.Platforms, platform)
}

// picksKind reports whether the selector picks outputs of kind at all. Images are picked by
// kind alone: the layout holds them all.
func (s *Selector) picksKind(kind manifest.Output) bool {
	return s == nil || len(s.Kinds) == 0 || slices.Contains(s.Kinds, kind)
}

// markNeeded decides, after planning, what a shard builds: the binaries its picked archives,
// packages and images hold, and the images when it picks them, charts that pin them, scans of
// them, or binaries that stamp their digests.
func (b *builder) markNeeded() {
	sel := b.o.sel
	if sel == nil {
		for _, x := range b.binaries {
			x.needed = true
		}
		b.assembles = true
		return
	}
	need := func(name, platform string) {
		if x, ok := b.binary(name, platform); ok {
			x.needed = true
		}
	}
	for _, j := range b.archives {
		if sel.picks(manifest.OutputArchive, j.rel, j.platform) {
			for _, bin := range j.spec.Binaries {
				need(bin, j.platform)
			}
		}
	}
	for _, j := range b.packages {
		if sel.picks(release.PackageOutput(j.spec.Format), j.rel, j.platform) {
			for _, pb := range j.binaries {
				need(pb.name, j.platform)
			}
		}
	}
	b.assembles = sel.picksKind(manifest.OutputDocker) || sel.picksKind(manifest.OutputHelm) || sel.picksKind(manifest.OutputScanner)
	for _, x := range b.binaries {
		if x.late && x.needed {
			b.assembles = true
		}
	}
	if b.assembles {
		for _, j := range b.images {
			for _, pl := range slices.Concat(j.platforms, j.windows) {
				for _, bin := range j.spec.Binaries {
					need(bin, pl)
				}
			}
		}
	}
}

// Merge combines the partial release directories of shards (each built with WithSelector,
// from the same resolved manifest and release time, its work folder beside it as Build makes
// it) into the release directory out, which is then finished by a build from res that reuses
// every output and builds nothing: the same bytes as one machine's build of the whole release.
// Shards that disagree on the manifest, the commits or the release time, or that made one
// output with different bytes, are refused; an output no shard built is an error wrapping
// ErrNotBuilt.
func Merge(ctx context.Context, res *resolve.Result, out string, shards []string, opts ...Option) (*Set, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge: no shard")
	}
	var first []byte
	for _, dir := range shards {
		m, err := manifest.Load(filepath.Join(dir, release.ManifestFile))
		if err != nil {
			return nil, fmt.Errorf("merge: shard %s: %w", dir, err)
		}
		m.Artifacts = nil
		text, err := m.Marshal()
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = text
		} else if !bytes.Equal(first, text) {
			return nil, fmt.Errorf("merge: shard %s was built from another manifest, other commits or another release time than %s", dir, shards[0])
		}
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	work := o.work
	if work == "" {
		work = filepath.Join(filepath.Dir(out), "work")
	}
	for _, dir := range shards {
		if err := copyTree(dir, out, func(rel string) bool {
			// The records of a release are recomputed; its outputs and layout are merged.
			return rel != release.ManifestFile && rel != release.SumsFile && rel != release.LockFile && !strings.HasSuffix(rel, ".sha256")
		}); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		// What the shard's build knows of its outputs: the compiled binaries (read for the
		// bills of materials and provenance) and the stamps that let the merge reuse outputs.
		for _, sub := range []string{"bin", "stamps"} {
			if err := copyTree(filepath.Join(filepath.Dir(dir), "work", sub), filepath.Join(work, sub), func(string) bool { return true }); err != nil {
				return nil, fmt.Errorf("merge: %w", err)
			}
		}
	}
	return Build(ctx, res, out, append(opts, WithWorkDir(work), func(o *options) error { o.reuseOnly = true; return nil })...)
}

// copyTree copies the regular files of src that keep accepts (by slash path) into dst. A file
// already in dst must have the same bytes.
func copyTree(src, dst string, keep func(rel string) bool) error {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || !keep(filepath.ToSlash(rel)) || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		target := filepath.Join(dst, rel)
		if _, err := os.Stat(target); err == nil {
			same, err := sameFile(p, target)
			if err != nil {
				return err
			}
			if !same {
				return fmt.Errorf("%s: two shards made it with different bytes", filepath.ToSlash(rel))
			}
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(p, target, info.Mode().Perm())
	})
}

// copyFile copies src to dst, which appears whole or not at all.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := atomicfile.Create(dst, perm)
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Commit()
}

// sameFile reports whether two files hold the same bytes.
func sameFile(a, b string) (bool, error) {
	ha, err := fileSHA256(a)
	if err != nil {
		return false, err
	}
	hb, err := fileSHA256(b)
	return ha == hb, err
}
