package publish

import (
	"context"
	"io"

	"github.com/releasekit/releasekit/artifacts/release"
)

// Publish is what a driver runs: it plans d against targets, writes the plan to w, and, unless
// dryRun, applies it and returns the report of what is published. A dry run writes nothing and
// returns the plan's refusal, if it has one, and no report.
func Publish(ctx context.Context, d *release.Dir, targets []Target, w io.Writer, dryRun bool, opts ...Option) (*Report, error) {
	p, err := New(d, targets, opts...)
	if err != nil {
		return nil, err
	}
	plan, err := p.Plan(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := plan.WriteTo(w); err != nil {
		return nil, err
	}
	if dryRun {
		return nil, plan.Refused()
	}
	if err := p.Apply(ctx, plan); err != nil {
		return nil, err
	}
	return plan.Report(), nil
}
