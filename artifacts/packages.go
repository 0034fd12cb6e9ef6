package artifacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// Packager writes a system package. Package artifacts/pkg implements it with nfpm.
type Packager interface {
	Package(ctx context.Context, p *PackageSpec, w io.Writer) error
}

// PackageSpec is one package to write: a manifest entry for one format and architecture, with
// every file on the host.
type PackageSpec struct {
	*manifest.Package
	// Format is deb or rpm.
	Format string
	// Arch is the Go architecture, e.g. amd64; Variant is its variant, e.g. v7 for arm.
	Arch, Variant string
	Version       string
	// Time is the modification time of every file and of the package itself.
	Time  time.Time
	Files []PackageFile
	// Scripts maps preinstall, postinstall, preremove and postremove to host files.
	Scripts map[string]string
}

// PackageFile is a host file placed at Dst.
type PackageFile struct {
	Src, Dst string
	Mode     fs.FileMode
	Config   bool
}

type packageBinary struct {
	file int
	name string
}

type packageJob struct {
	spec *PackageSpec
	rel  string
	// binaries are the Files filled in with binaries once those are built.
	binaries []packageBinary
	// staged are the files and scripts copied out of their trees when the package is written.
	staged   []stagedFile
	platform string
	ids      []string
}

// stagedFile is a file of a dependency's tree a package holds: Files[file], or the script.
type stagedFile struct {
	dir, rel string
	file     int
	script   string
}

// planPackages checks every package's files and queues one per format and platform.
func (b *builder) planPackages(ctx context.Context) error {
	for i := range b.m.Build.Packages {
		spec := &b.m.Build.Packages[i]
		platforms := b.m.PackagePlatforms(spec)
		for _, format := range spec.Formats {
			if !b.m.Wants(release.PackageOutput(format)) {
				continue
			}
			if b.o.packager == nil {
				b.problem(spec.Pos.Errorf("formats", "no packager for %s (use artifacts.WithPackager)", format))
				continue
			}
			for _, pl := range platforms {
				if j := b.planPackage(ctx, spec, format, pl); j != nil {
					b.packages = append(b.packages, j)
					b.count++
				}
			}
		}
	}
	// Packages take longest to write, so they go first.
	var jobs []func(context.Context) error
	for _, j := range b.packages {
		jobs = append(jobs, func(ctx context.Context) error { return b.buildPackage(ctx, j) })
	}
	b.packing = append(jobs, b.packing...)
	return nil
}

func (b *builder) planPackage(ctx context.Context, spec *manifest.Package, format, pl string) *packageJob {
	goos, goarch, variant, ok := manifest.ParsePlatform(pl)
	if !ok || goos != "linux" {
		b.problem(spec.Pos.Errorf("platforms", "packages are built for linux platforms, got %q", pl))
		return nil
	}
	rel, err := release.PackagePath(b.m, spec, format, pl)
	if err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		b.problem(spec.Pos.Errorf(field, "%s", msg))
		return nil
	}
	j := &packageJob{rel: rel, platform: pl, spec: &PackageSpec{
		Package: spec, Format: format, Arch: goarch, Variant: variant, Version: b.m.Version, Time: b.o.time,
		Scripts: map[string]string{},
	}}
	j.ids = []string{"package", format, pl, b.m.Version, b.o.time.String(), fmt.Sprintf("%T", b.o.packager),
		spec.Name, spec.Maintainer, spec.Description, spec.Homepage, spec.License, strings.Join(spec.Depends, ",")}
	for _, c := range spec.Contents {
		mode := fs.FileMode(0o644)
		if c.Binary != "" {
			mode = 0o755
		}
		if c.Mode != "" {
			m, _ := strconv.ParseUint(c.Mode, 8, 32) // checked by the manifest
			mode = fs.FileMode(m)
		}
		f := PackageFile{Dst: c.Dst, Mode: mode, Config: c.Type == "config"}
		j.ids = append(j.ids, c.Dst, c.Type, mode.String())
		if c.Binary != "" {
			if _, ok := b.binary(c.Binary, pl); !ok {
				b.problem(c.Pos.Errorf("binary", "binary %q is not built for %s", c.Binary, pl))
			}
			j.binaries = append(j.binaries, packageBinary{len(j.spec.Files), c.Binary})
		} else {
			dir, id, ok := b.depFile(ctx, c.Pos, "src", c.Dependency, c.Src)
			if !ok {
				continue
			}
			j.staged = append(j.staged, stagedFile{dir: dir, rel: c.Src, file: len(j.spec.Files)})
			j.ids = append(j.ids, id)
		}
		j.spec.Files = append(j.spec.Files, f)
	}
	// Scripts come from the dependency of the package's first source file or binary.
	dep := b.m.PackageDependency(spec)
	for _, name := range slices.Sorted(maps.Keys(spec.Scripts)) {
		dir, id, ok := b.depFile(ctx, spec.Pos, "scripts."+name, dep, spec.Scripts[name])
		if ok {
			j.staged = append(j.staged, stagedFile{dir: dir, rel: spec.Scripts[name], script: name})
			j.ids = append(j.ids, name, id)
		}
	}
	return j
}

// depFile checks that rel is a regular file of dependency dep's tree, reached without leaving it,
// and returns the tree's folder and an identity of its content, recording a problem at pos
// otherwise.
func (b *builder) depFile(ctx context.Context, pos manifest.Pos, field, dep, rel string) (string, string, bool) {
	s, err := b.source(dep)
	if err != nil {
		b.problem(pos.Errorf(field, "%v", err))
		return "", "", false
	}
	_, id, err := s.tree(ctx)
	if err != nil {
		b.problem(pos.Errorf(field, "%v", err))
		return "", "", false
	}
	f, err := openInTree(s.Dir, rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		b.problem(pos.Errorf(field, "%s is not a file in %s", rel, dep))
		return "", "", false
	case err != nil:
		b.problem(pos.Errorf(field, "%v (in %s)", err, dep))
		return "", "", false
	}
	f.Close()
	return s.Dir, id + ":" + rel, true
}

func (b *builder) buildPackage(ctx context.Context, j *packageJob) error {
	if !b.o.sel.picks(release.PackageOutput(j.spec.Format), j.rel, j.platform) {
		return nil // another shard's
	}
	ids := j.ids
	for _, pb := range j.binaries {
		x, _ := b.binary(pb.name, j.platform)
		j.spec.Files[pb.file].Src = x.path
		ids = append(ids, strconv.Itoa(pb.file), x.key)
	}
	return b.produce(ctx, j.rel, release.PackageOutput(j.spec.Format), key(ids...), func(w io.Writer) error {
		// The packager reads files by name: it gets copies, made through the tree's root.
		stage, err := os.MkdirTemp(b.o.work, "stage-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(stage)
		for i, sf := range j.staged {
			dest := filepath.Join(stage, strconv.Itoa(i), filepath.Base(filepath.FromSlash(sf.rel)))
			if err := stageFile(sf.dir, sf.rel, dest); err != nil {
				return err
			}
			if sf.script != "" {
				j.spec.Scripts[sf.script] = dest
			} else {
				j.spec.Files[sf.file].Src = dest
			}
		}
		return b.o.packager.Package(ctx, j.spec, w)
	})
}
