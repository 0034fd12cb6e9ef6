package digest

import (
	"context"
	"errors"
	"fmt"

	"github.com/releasekit/releasekit/internal/yamledit"
)

// Change is one value Pin wrote.
type Change struct {
	Image
	Old, New string
}

// ErrMismatch is returned when a pinned reference's digest is not the one its tag resolves to.
var ErrMismatch = errors.New("pinned digest differs from the tag's")

// Pin resolves every image reference in data through r and returns data with each one pinned,
// changing only the bytes of the values it writes: comments, blank lines, key order and quoting
// are kept. References already pinned are checked, not changed; a digest that differs from what
// the tag resolves to is an error naming file:line. Every problem is reported at once.
func Pin(ctx context.Context, data []byte, file string, r Resolver, opts ...Option) ([]byte, []Change, error) {
	o, err := newFindOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	images, err := find(data, file, o)
	if err != nil {
		return nil, nil, err
	}
	var refs []Reference
	for _, im := range images {
		if im.Ref.Tag != "" || !im.Ref.Pinned() {
			refs = append(refs, im.Ref)
		}
	}
	digests, resolveErr := ResolveAll(ctx, r, refs, o.jobs)
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	var problems []error
	var changes []Change
	for _, im := range images {
		d, ok := digests[im.Ref.Key()]
		switch {
		case im.Ref.Pinned() && im.Ref.Tag == "":
			continue // nothing to check it against
		case !ok:
			problems = append(problems, fmt.Errorf("%s:%d: %s: cannot resolve %s", file, im.Line, im.Path, im.Ref))
			continue
		case im.Ref.Pinned() && im.Ref.Digest != d:
			problems = append(problems, fmt.Errorf("%s:%d: %s: %s: %w: the tag resolves to %s", file, im.Line, im.Path, im.Ref, ErrMismatch, d))
			continue
		case im.Ref.Pinned():
			continue
		}
		changes = append(changes, Change{Image: im, New: im.value(d)})
	}
	if len(problems) > 0 {
		// Why each reference could not be resolved follows the list of them.
		return nil, nil, errors.Join(append(problems, resolveErr)...)
	}
	edits := make([]yamledit.Edit, len(changes))
	for i, c := range changes {
		edits[i] = yamledit.Edit{Node: c.node, Text: c.New, Where: fmt.Sprintf("%s:%d: %s", file, c.Line, c.Path)}
	}
	out, written, err := yamledit.Apply(data, edits)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	// What was written is read back: every image must now be a valid, pinned reference.
	after, err := find(out, file, o)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: pinning would write what does not read back (nothing written): %w", file, err)
	}
	var unpinned []error
	for _, im := range after {
		if !im.Ref.Pinned() {
			unpinned = append(unpinned, fmt.Errorf("%s:%d: %s: %s would not be pinned (nothing written)", file, im.Line, im.Path, im.Ref))
		}
	}
	if len(unpinned) > 0 {
		return nil, nil, errors.Join(unpinned...)
	}
	for i := range changes {
		changes[i].Old, changes[i].New = written[i].Old, written[i].New
	}
	return out, changes, nil
}

// Check returns every image reference in data that is not pinned to a digest.
func Check(data []byte, file string, opts ...Option) ([]Image, error) {
	images, err := Find(data, file, opts...)
	if err != nil {
		return nil, err
	}
	var unpinned []Image
	for _, im := range images {
		if !im.Ref.Pinned() {
			unpinned = append(unpinned, im)
		}
	}
	return unpinned, nil
}
