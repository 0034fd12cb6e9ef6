package artifacts

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

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
		platforms := spec.Platforms
		if len(platforms) == 0 {
			platforms = b.m.Platforms()
		}
		dep := ""
		if len(spec.Binaries) > 0 {
			for _, x := range b.m.Build.Binaries {
				if x.Name == spec.Binaries[0] {
					dep = x.Dependency
				}
			}
		} else if len(spec.Files) > 0 {
			dep = spec.Files[0].Dependency
		}
		for _, pl := range platforms {
			goos, goarch, _, ok := manifest.ParsePlatform(pl)
			if !ok {
				b.problem(spec.Pos.Errorf("platforms", "unknown platform %q", pl))
				continue
			}
			data := b.data(spec.Name, dep, goos, goarch)
			j := &archiveJob{spec: spec, platform: pl, format: archive.Format(spec.Format)}
			if j.format == "" {
				j.format = archive.TarGz
				if goos == "windows" {
					j.format = archive.Zip
				}
			}
			tmpl := spec.NameTemplate
			if tmpl == "" {
				tmpl = "{{.Name}}-{{.Version}}-{{.OS}}-{{.Arch}}"
			}
			name, err := render(tmpl, data)
			if err != nil {
				b.problem(spec.Pos.Errorf("nameTemplate", "%v", err))
				continue
			}
			if name == "" || strings.ContainsAny(name, `/\`) {
				b.problem(spec.Pos.Errorf("nameTemplate", "%q is not a file name", name))
				continue
			}
			j.rel = name + "." + string(j.format)
			if j.prefix, err = render(spec.TopFolder, data); err != nil {
				b.problem(spec.Pos.Errorf("topFolder", "%v", err))
				continue
			}
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
