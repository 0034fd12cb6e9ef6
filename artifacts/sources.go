package artifacts

import (
	"context"
	"io"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// planSources queues sources.tar.gz: one top folder per dependency with its tree at the resolved
// commit, and the resolved manifest, which says where each came from.
func (b *builder) planSources(resolved []byte) {
	if !b.m.Wants(manifest.OutputSources) || len(b.sources) == 0 {
		return
	}
	b.count++
	b.steps = append(b.steps, func(ctx context.Context) error {
		entries := []archive.Entry{{Name: release.ManifestFile, Data: resolved}}
		ids := []string{"sources", b.o.time.String(), sha(resolved)}
		for _, name := range b.m.DependencyNames() {
			s, ok := b.sources[name]
			if !ok {
				continue
			}
			files, id, err := s.tree(ctx)
			if err != nil {
				return err
			}
			ids = append(ids, name, id)
			for _, f := range files {
				e, err := fileEntry(s.Dir, f, name+"/"+f)
				if err != nil {
					return err
				}
				entries = append(entries, e)
			}
		}
		return b.produce(ctx, release.SourcesFile, manifest.OutputSources, key(ids...), func(w io.Writer) error {
			return archive.Write(w, archive.TarGz, entries, b.o.time)
		})
	})
}
