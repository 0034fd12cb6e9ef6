package artifacts

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// archiveJob is one archive for one platform.
type archiveJob struct {
	spec     *manifest.Archive
	platform string
	rel      string // path in the release directory
	format   archive.Format
	prefix   string // top folder
	files    []archive.Entry
	ids      []string
}

// planArchives names every archive and selects its files.
func (b *builder) planArchives(ctx context.Context) error {
	if !b.m.Wants(manifest.OutputArchive) {
		return nil
	}
	for i := range b.m.Build.Archives {
		spec := &b.m.Build.Archives[i]
		for _, pl := range b.m.ArchivePlatforms(spec) {
			if _, _, _, ok := manifest.ParsePlatform(pl); !ok {
				b.problem(spec.Pos.Errorf("platforms", "unknown platform %q", pl))
				continue
			}
			rel, format, prefix, err := release.ArchivePath(b.m, spec, pl)
			if err != nil {
				field, msg, _ := strings.Cut(err.Error(), ": ")
				b.problem(spec.Pos.Errorf(field, "%s", msg))
				continue
			}
			j := &archiveJob{spec: spec, platform: pl, rel: rel, format: archive.Format(format), prefix: prefix}
			for _, bin := range spec.Binaries {
				if _, ok := b.binary(bin, pl); !ok {
					b.problem(spec.Pos.Errorf("binaries", "binary %q is not built for %s", bin, pl))
				}
			}
			for _, f := range spec.Files {
				entries, ids, err := b.selectFiles(ctx, f, j.prefix)
				if err != nil {
					return err
				}
				j.files = append(j.files, entries...)
				j.ids = append(j.ids, ids...)
			}
			b.archives = append(b.archives, j)
			b.count++
		}
	}
	for _, j := range b.archives {
		b.packing = append(b.packing, func(ctx context.Context) error {
			if !b.o.sel.picks(manifest.OutputArchive, j.rel, j.platform) {
				return nil // another shard's
			}
			entries := append([]archive.Entry(nil), j.files...)
			ids := append([]string{"archive", string(j.format), b.o.time.String()}, j.ids...)
			for _, name := range j.spec.Binaries {
				x, _ := b.binary(name, j.platform)
				entryName := path.Join(j.prefix, j.spec.BinDir, x.fileName())
				entries = append(entries, archive.Entry{Name: entryName, Src: x.path, Mode: 0o755})
				ids = append(ids, entryName, x.key)
			}
			for _, e := range j.files {
				ids = append(ids, e.Name, fmt.Sprint(uint32(e.Mode)), e.Link)
			}
			return b.produce(ctx, j.rel, manifest.OutputArchive, key(ids...), func(w io.Writer) error {
				return archive.Write(w, j.format, entries, b.o.time)
			})
		})
	}
	return nil
}
