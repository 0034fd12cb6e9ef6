package artifacts

import (
	"context"

	"github.com/releasekit/releasekit/manifest"
)

// problem records a problem in the build spec found while planning.
func (b *builder) problem(e *manifest.Error) {
	b.problems = append(b.problems, e)
}

// plan checks the build spec against the sources and queues the steps, in the order their
// inputs need: sources first (before any command can touch a tree), then binaries, commands,
// archives, packages and licenses. Every problem is reported at once.
func (b *builder) plan(ctx context.Context, resolved []byte) error {
	b.planSources(resolved)
	if err := b.planBinaries(); err != nil {
		return err
	}
	b.count += len(b.binaries)
	b.planCommands()
	if err := b.planArchives(ctx); err != nil {
		return err
	}
	if err := b.planPackages(ctx); err != nil {
		return err
	}
	b.planLicenses()
	return manifest.Join(b.problems...)
}
