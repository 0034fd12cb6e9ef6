package artifacts

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// labelSource is the label naming the source repository, unless the spec sets it.
const labelSource = "org.opencontainers.image.source"

// imageJob is one image variant for every platform it is built for.
type imageJob struct {
	spec      *manifest.Image
	name      string // the image's name, with -<variant> for a variant
	base      string
	ref       string // registry/name:tag
	platforms []string
	windows   []string // the platforms of its Windows entries
	files     []archive.Entry
	// Set when built:
	index  v1.ImageIndex
	digest digest.Digest
	took   time.Duration       // to assemble
	images map[string]v1.Image // by platform, for docker tarballs
}

// planImages checks every image and queues their assembly.
func (b *builder) planImages(ctx context.Context) error {
	if !b.m.Wants(manifest.OutputDocker) {
		return nil
	}
	for i := range b.m.Build.Images {
		spec := &b.m.Build.Images[i]
		platforms := spec.Platforms
		if len(platforms) == 0 {
			platforms = b.m.ImagePlatforms(spec)
		}
		for _, pl := range platforms {
			if goos, _, _, ok := manifest.ParsePlatform(pl); !ok || goos != "linux" {
				b.problem(spec.Pos.Errorf("platforms", "images are built for linux platforms, got %q", pl))
			}
			for _, bin := range spec.Binaries {
				if _, ok := b.binary(bin, pl); !ok {
					b.problem(spec.Pos.Errorf("binaries", "binary %q is not built for %s", bin, pl))
				}
			}
		}
		for _, x := range b.m.Build.Binaries {
			if slices.Contains(spec.Binaries, x.Name) && stampsImages(&x) {
				b.problem(spec.Pos.Errorf("binaries", "binary %q stamps image digests, so it cannot go into an image", x.Name))
			}
		}
		var files []archive.Entry
		for _, f := range spec.Files {
			entries, _, err := b.selectFiles(ctx, f, "")
			if err != nil {
				return err
			}
			for _, e := range entries {
				e.Name = strings.TrimPrefix(e.Name, "/")
				files = append(files, e)
			}
		}
		variants := spec.Variants
		if len(variants) == 0 {
			variants = []manifest.ImageVariant{{Base: spec.Base}}
		}
		for _, v := range variants {
			j := &imageJob{spec: spec, name: release.ImageName(spec.Name, v.Name), base: v.Base, platforms: platforms, files: files,
				ref: release.ImageRef(b.m, spec, v.Name), windows: b.m.WindowsPlatforms(spec)}
			if j.base == "" {
				j.base = "scratch"
			}
			if _, err := name.NewTag(j.ref); err != nil {
				b.problem(spec.Pos.Errorf("name", "image reference %s: %v", j.ref, err))
				continue
			}
			if err := checkBase(j.base); err != nil {
				b.problem(spec.Pos.Errorf("base", "%v", err))
				continue
			}
			if spec.Windows != nil && !b.planWindows(j) {
				continue
			}
			b.images = append(b.images, j)
		}
	}
	if len(b.images) > 0 {
		b.steps = append(b.steps, b.buildImages)
		b.count += len(b.images)
	}
	return nil
}

// checkBase checks a registry base's name; the manifest has checked that every base is scratch
// or pinned by digest.
func checkBase(base string) error {
	if base == "scratch" || strings.HasPrefix(base, "oci-layout:") {
		return nil
	}
	if _, err := name.NewDigest(base); err != nil {
		return fmt.Errorf("base %q: %v", base, err)
	}
	return nil
}

// buildImages assembles every image, writes the OCI layout and, when asked, docker tarballs.
func (b *builder) buildImages(ctx context.Context) error {
	if !b.assembles {
		return nil // a shard that needs no image
	}
	for _, j := range b.images {
		start := time.Now()
		if err := b.assemble(ctx, j); err != nil {
			return fmt.Errorf("image %s: %w", j.ref, err)
		}
		j.took = time.Since(start)
	}
	if !b.o.sel.picksKind(manifest.OutputDocker) {
		return nil // assembled for the charts, scans or binaries that need their digests
	}
	if err := b.writeLayout(ctx); err != nil {
		return err
	}
	if b.m.DockerOutput == "tar" {
		return b.writeDockerTarballs(ctx)
	}
	return nil
}

func (b *builder) assemble(ctx context.Context, j *imageJob) error {
	base, err := b.baseImage(ctx, j)
	if err != nil {
		return err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	j.images = map[string]v1.Image{}
	for _, pl := range j.platforms {
		goos, goarch, variant, _ := manifest.ParsePlatform(pl)
		platform := v1.Platform{OS: goos, Architecture: goarch, Variant: variant}
		img, err := pick(base, platform)
		if err != nil {
			return fmt.Errorf("%s: %w", pl, err)
		}
		if img, err = b.platformImage(j, img, platform, nil); err != nil {
			return fmt.Errorf("%s: %w", pl, err)
		}
		j.images[pl] = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platform}})
	}
	if j.spec.Windows != nil {
		if idx, err = b.addWindows(ctx, j, idx); err != nil {
			return err
		}
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	j.index, j.digest = idx, digest.Digest(d.String())
	return nil
}

// platformImage puts the binaries and files on the base image img for one platform and sets
// the config. A Windows entry (win set) also gets the files copied from other images, in
// Windows-format layers, and its own entrypoint and user.
func (b *builder) platformImage(j *imageJob, img v1.Image, platform v1.Platform, win *windowsEntry) (v1.Image, error) {
	var entries []archive.Entry
	for _, name := range j.spec.Binaries {
		x, _ := b.binary(name, platform.OS+"/"+platform.Architecture+variantSuffix(platform.Variant))
		dir := strings.TrimPrefix(cmp.Or(j.spec.BinaryDir, "/usr/local/bin"), "/")
		entries = append(entries, archive.Entry{Name: path.Join(dir, x.fileName()), Src: x.path, Mode: 0o755})
	}
	if win != nil {
		entries = append(entries, win.copied...)
	}
	created := v1.Time{Time: b.o.time}
	for _, layer := range [][]archive.Entry{entries, j.files} {
		if len(layer) == 0 {
			continue
		}
		l, err := b.layer(layer)
		if err != nil {
			return nil, err
		}
		if win != nil {
			if l, err = b.windowsLayer(l); err != nil {
				return nil, err
			}
		}
		if img, err = mutate.Append(img, mutate.Addendum{Layer: l, MediaType: types.OCILayer,
			History: v1.History{Created: created, CreatedBy: "releasekit"}}); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = platform.OS, platform.Architecture, platform.Variant
	cf.Created = created
	c := &cf.Config
	if len(j.spec.Entrypoint) > 0 {
		c.Entrypoint = j.spec.Entrypoint
	}
	if len(j.spec.Cmd) > 0 {
		c.Cmd = j.spec.Cmd
	}
	if j.spec.User != "" {
		c.User = j.spec.User
	}
	if w := j.spec.Windows; win != nil {
		if len(w.Entrypoint) > 0 {
			c.Entrypoint = w.Entrypoint
		}
		if w.User != "" {
			c.User = w.User
		}
	}
	if j.spec.WorkDir != "" {
		c.WorkingDir = j.spec.WorkDir
	}
	c.Env = append(c.Env, j.spec.Env...)
	if len(j.spec.Ports) > 0 && c.ExposedPorts == nil {
		c.ExposedPorts = map[string]struct{}{}
	}
	for _, p := range j.spec.Ports {
		if !strings.Contains(p, "/") {
			p += "/tcp"
		}
		c.ExposedPorts[p] = struct{}{}
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for k, v := range j.spec.Labels {
		c.Labels[k] = v
	}
	c.Labels[release.LabelVersion] = b.m.Version
	c.Labels["org.opencontainers.image.created"] = b.o.time.Format("2006-01-02T15:04:05Z")
	if dep, ok := b.m.Dependencies[b.m.ImageDependency(j.spec)]; ok {
		if dep.Sha != "" {
			c.Labels[release.LabelRevision] = dep.Sha
		}
		if _, set := c.Labels[labelSource]; !set && dep.Git != "" {
			c.Labels[labelSource] = gitx.RedactURL(dep.Git)
		}
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return mutate.CreatedAt(img, created)
}

func variantSuffix(v string) string {
	if v == "" {
		return ""
	}
	return "/" + v
}

// layer writes entries as one reproducible layer.
func (b *builder) layer(entries []archive.Entry) (v1.Layer, error) {
	var buf bytes.Buffer
	if err := archive.Write(&buf, archive.Tar, entries, b.o.time); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// pick returns the base's image for platform: the index's entry for it, or a single image.
func pick(base v1.ImageIndex, platform v1.Platform) (v1.Image, error) {
	if base == nil {
		img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
	}
	im, err := base.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.OS == platform.OS && m.Platform.Architecture == platform.Architecture &&
			(platform.Variant == "" || m.Platform.Variant == platform.Variant) {
			return base.Image(m.Digest)
		}
	}
	return nil, fmt.Errorf("the base has no image for %s/%s", platform.OS, platform.Architecture)
}

// baseImage returns the base as an index (nil for scratch).
func (b *builder) baseImage(ctx context.Context, j *imageJob) (v1.ImageIndex, error) {
	if j.base == "scratch" {
		return nil, nil
	}
	return b.loadImage(ctx, j.spec, j.base)
}

// loadImage returns a pinned image of spec (a base, or an image files are copied from) as an
// index. One in a registry is pulled once into <work>/base-images, its digest checked, and read
// from there by later builds; a relative OCI layout is in the image's dependency.
func (b *builder) loadImage(ctx context.Context, spec *manifest.Image, ref string) (v1.ImageIndex, error) {
	at := strings.LastIndexByte(ref, '@')
	h, err := v1.NewHash(ref[at+1:])
	if err != nil {
		return nil, err
	}
	dir, isLayout := strings.CutPrefix(ref[:at], "oci-layout:")
	if isLayout {
		if !filepath.IsAbs(dir) {
			s, err := b.source(b.m.ImageDependency(spec))
			if err != nil {
				return nil, err
			}
			dir = filepath.Join(s.Dir, filepath.FromSlash(dir))
		}
	} else {
		dir = filepath.Join(b.o.work, "base-images")
		if err := b.pullBase(ctx, ref, dir, h); err != nil {
			return nil, err
		}
	}
	return fromLayout(dir, h)
}

// fromLayout finds h in the layout at dir, as an index or a single image wrapped in one.
func fromLayout(dir string, h v1.Hash) (v1.ImageIndex, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("base layout %s: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, m := range im.Manifests {
		if m.Digest != h {
			continue
		}
		if m.MediaType.IsIndex() {
			return idx.ImageIndex(h)
		}
		img, err := idx.Image(h)
		if err != nil {
			return nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		pl := cf.Platform()
		return mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: pl}}), nil
	}
	return nil, fmt.Errorf("base %s is not in the layout %s", h, dir)
}

// pullBase copies ref into the layout at dir unless it is there, checking its digest.
func (b *builder) pullBase(ctx context.Context, ref, dir string, h v1.Hash) error {
	if p, err := layout.FromPath(dir); err == nil {
		if idx, err := p.ImageIndex(); err == nil {
			if im, err := idx.IndexManifest(); err == nil && slices.ContainsFunc(im.Manifests, func(d v1.Descriptor) bool { return d.Digest == h }) {
				return nil
			}
		}
	}
	d, err := name.NewDigest(ref)
	if err != nil {
		return err
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, b.o.remote...)
	desc, err := remote.Get(d, opts...)
	if err != nil {
		return fmt.Errorf("pull base %s: %w", ref, err)
	}
	if desc.Digest != h {
		return fmt.Errorf("pull base %s: the registry served %s", ref, desc.Digest)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	ann := layout.WithAnnotations(map[string]string{release.RefNameAnnotation: ref})
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return err
		}
		return p.AppendIndex(idx, ann)
	}
	img, err := desc.Image()
	if err != nil {
		return err
	}
	return p.AppendImage(img, ann)
}

// writeLayout writes every image index into the docker/ layout, tagged by reference. The folder
// is written aside and renamed over the old one, unless the old one has the same index.
func (b *builder) writeLayout(ctx context.Context) error {
	final := filepath.Join(b.out, release.ImagesDir)
	tmp := filepath.Join(b.out, "."+release.ImagesDir+".tmp")
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	p, err := layout.Write(tmp, mutate.IndexMediaType(empty.Index, types.OCIImageIndex))
	if err != nil {
		return err
	}
	for _, j := range b.images {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.AppendIndex(j.index, layout.WithAnnotations(map[string]string{release.RefNameAnnotation: j.ref})); err != nil {
			return err
		}
	}
	newIndex, err := os.ReadFile(filepath.Join(tmp, "index.json"))
	if err != nil {
		return err
	}
	oldIndex, err := os.ReadFile(filepath.Join(final, "index.json"))
	reused := err == nil && bytes.Equal(oldIndex, newIndex) && layoutComplete(final)
	if !reused && b.o.reuseOnly {
		return fmt.Errorf("%s/: %w", release.ImagesDir, ErrNotBuilt)
	}
	if !reused {
		if err := os.RemoveAll(final); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
	}
	for _, j := range b.images {
		b.recordImage(j, reused)
	}
	return b.recordTree(release.ImagesDir)
}

// layoutComplete checks that every blob the layout's index reaches is there.
func layoutComplete(dir string) bool {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return false
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return false
	}
	for _, m := range im.Manifests {
		if _, err := os.Stat(filepath.Join(dir, "blobs", m.Digest.Algorithm, m.Digest.Hex)); err != nil {
			return false
		}
	}
	return true
}

// tarballName is the path of j's docker tarball for platform pl:
// docker/<image>[-<variant>][-<arch>].tar.gz.
func tarballName(j *imageJob, pl string) string {
	_, goarch, variant, _ := manifest.ParsePlatform(pl)
	base := j.name
	if len(j.platforms) > 1 {
		base += "-" + goarch + variant
	}
	return release.ImagesDir + "/" + base + ".tar.gz"
}

// writeDockerTarballs writes docker/<image>[-<variant>][-<arch>].tar.gz, docker save's format.
func (b *builder) writeDockerTarballs(ctx context.Context) error {
	for _, j := range b.images {
		for _, pl := range j.platforms {
			tag, _ := name.NewTag(j.ref)
			img := j.images[pl]
			d, err := img.Digest()
			if err != nil {
				return err
			}
			k := key("docker-tarball", d.String(), j.ref)
			err = b.produce(ctx, tarballName(j, pl), manifest.OutputDocker, k, func(w io.Writer) error {
				gz, err := archive.NewGzipWriter(w)
				if err != nil {
					return err
				}
				if err := tarball.Write(tag, img, gz); err != nil {
					return err
				}
				return gz.Close()
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// recordImage adds a built image to the set.
func (b *builder) recordImage(j *imageJob, reused bool) {
	b.mu.Lock()
	b.built = append(b.built, Image{Ref: j.ref, Digest: j.digest, Reused: reused})
	b.mu.Unlock()
	verb := "built"
	if reused {
		verb = "reused"
	}
	b.progress.line(verb, j.ref, indexSize(j.index), j.took)
	b.o.log.Info(verb, "ref", j.ref, "digest", j.digest)
}

// indexSize is the bytes of an image index's distinct blobs: its manifests, configs and layers.
func indexSize(idx v1.ImageIndex) int64 {
	seen := map[v1.Hash]bool{}
	var n int64
	add := func(h v1.Hash, size int64) {
		if !seen[h] {
			seen[h] = true
			n += size
		}
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return 0
	}
	for _, d := range im.Manifests {
		add(d.Digest, d.Size)
		img, err := idx.Image(d.Digest)
		if err != nil {
			continue
		}
		m, err := img.Manifest()
		if err != nil {
			continue
		}
		add(m.Config.Digest, m.Config.Size)
		for _, l := range m.Layers {
			add(l.Digest, l.Size)
		}
	}
	return n
}

// recordTree lists the files of the layout folder rel for release.SumsFile. Docker tarballs beside the
// layout are artifacts of their own.
func (b *builder) recordTree(rel string) error {
	root := filepath.Join(b.out, rel)
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(b.out, p)
		r = filepath.ToSlash(r)
		if strings.HasSuffix(r, ".tar.gz") || strings.HasSuffix(r, ".sha256") {
			return nil
		}
		if hexName, ok := strings.CutPrefix(r, rel+"/blobs/sha256/"); ok {
			// A blob is named by its digest, checked when it was written: no need to read it.
			b.mu.Lock()
			b.layoutFiles = append(b.layoutFiles, release.Sum{Path: r, SHA256: hexName})
			b.mu.Unlock()
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		b.mu.Lock()
		b.layoutFiles = append(b.layoutFiles, release.Sum{Path: r, SHA256: hex.EncodeToString(h.Sum(nil))})
		b.mu.Unlock()
		return nil
	})
}
