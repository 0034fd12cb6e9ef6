package artifacts

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/manifest"
)

// problem records a problem in the build spec found while planning.
func (b *builder) problem(e *manifest.Error) {
	b.problems = append(b.problems, e)
}

// pack writes the archives and packages, jobs at a time, in one pool: no kind waits for another.
func (b *builder) pack(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(b.o.jobs)
	for _, job := range b.packing {
		g.Go(func() error { return job(ctx) })
	}
	return g.Wait()
}

// plan checks the build spec against the sources and queues the steps, in the order their
// inputs need: sources first (before any command can touch a tree), then binaries, commands,
// images, the binaries that stamp image digests, archives and packages together, charts and
// licenses. Every problem is reported at once.
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
	if err := b.planImages(ctx); err != nil {
		return err
	}
	if slices.ContainsFunc(b.binaries, func(x *binary) bool { return x.late }) {
		b.steps = append(b.steps, b.buildLateBinaries)
	}
	if len(b.packing) > 0 {
		b.steps = append(b.steps, b.pack)
	}
	b.planCharts(ctx)
	b.planLicenses()
	if err := b.planGrafana(ctx); err != nil {
		return err
	}
	b.planScanner()
	b.planSBOMs()
	b.claimNames()
	b.markNeeded()
	return manifest.Join(b.problems...)
}
