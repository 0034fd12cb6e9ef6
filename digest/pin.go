package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/internal/yamledit"
)

// Change is one value Pin wrote.
type Change struct {
	Image
	// Old and New are the source text replaced and written (New is the text to write, before
	// Apply).
	Old, New string
	// Digest is the digest the image is pinned to.
	Digest Digest
	// Err says why the image cannot be pinned: Image.Refused, or, with WithUnresolved, a
	// reference that did not resolve. Apply refuses the change.
	Err error
}

// ErrMismatch is returned when a pinned reference's digest is not the one its tag resolves to.
var ErrMismatch = errors.New("pinned digest differs from the tag's")

// Pin resolves every image reference in data through r and returns data with each one pinned,
// changing only the bytes of the values it writes: comments, blank lines, key order and quoting
// are kept. References already pinned are checked, not changed; a digest that differs from what
// the tag resolves to is an error naming file:line. Every problem is reported at once. Pin is
// Plan and then Apply of every change, and requires every image pinned after.
func Pin(ctx context.Context, data []byte, file string, r Resolver, opts ...Option) ([]byte, []Change, error) {
	changes, err := Plan(ctx, data, file, r, opts...)
	if err != nil {
		return nil, nil, err
	}
	var refused []error
	for _, c := range changes {
		if c.Err != nil {
			refused = append(refused, c.Err)
		}
	}
	if len(refused) > 0 {
		return nil, nil, errors.Join(refused...)
	}
	out, changes, err := Apply(data, file, changes, opts...)
	if err != nil {
		return nil, nil, err
	}
	after, err := Find(out, file, opts...)
	if err != nil {
		return nil, nil, err
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
	return out, changes, nil
}

// Plan resolves every image reference in data through r and returns the change that pins each
// one not pinned yet, writing nothing. A caller may apply all of them, or some (Apply).
// References already pinned are checked against their tag.
func Plan(ctx context.Context, data []byte, file string, r Resolver, opts ...Option) ([]Change, error) {
	o, err := newFindOptions(opts)
	if err != nil {
		return nil, err
	}
	images, err := find(data, file, o)
	if err != nil {
		return nil, err
	}
	var refs []Reference
	for _, im := range images {
		if im.Refused == "" && (im.Ref.Tag != "" || !im.Ref.Pinned()) {
			refs = append(refs, im.Ref)
		}
	}
	digests, resolveErr := ResolveAll(ctx, r, refs, o.jobs)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var problems []error
	var changes []Change
	for _, im := range images {
		d, ok := digests[im.Ref.Key()]
		switch {
		case im.Refused != "":
			changes = append(changes, Change{Image: im, Err: fmt.Errorf("%s:%d: %s: %s: %s", file, im.Line, im.Path, im.Ref, im.Refused)})
			continue
		case im.Ref.Pinned() && im.Ref.Tag == "":
			continue // nothing to check it against
		case !ok && o.unresolved && im.Ref.Pinned():
			continue // left as it is: nothing to check it against
		case !ok && o.unresolved:
			changes = append(changes, Change{Image: im, Err: fmt.Errorf("%s:%d: %s: cannot resolve %s: %w", file, im.Line, im.Path, im.Ref, resolveErr)})
			continue
		case !ok:
			problems = append(problems, fmt.Errorf("%s:%d: %s: cannot resolve %s", file, im.Line, im.Path, im.Ref))
			continue
		case im.Ref.Pinned() && im.Ref.Digest != d:
			problems = append(problems, fmt.Errorf("%s:%d: %s: %s: %w: the tag resolves to %s", file, im.Line, im.Path, im.Ref, ErrMismatch, d))
			continue
		case im.Ref.Pinned():
			continue
		}
		changes = append(changes, Change{Image: im, New: im.value(d), Digest: d})
	}
	if len(problems) > 0 {
		// Why each reference could not be resolved follows the list of them.
		return nil, errors.Join(append(problems, resolveErr)...)
	}
	return changes, nil
}

// Apply makes changes, from Plan over the same data, and returns the new bytes and the changes
// with the text each replaced and wrote. What it writes is read back: invalid YAML, a changed
// shape, or an edited image that does not read back pinned is an error, and nothing is written.
func Apply(data []byte, file string, changes []Change, opts ...Option) ([]byte, []Change, error) {
	o, err := newFindOptions(opts)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range changes {
		if c.Err != nil {
			return nil, nil, c.Err
		}
	}
	if len(changes) > 0 && changes[0].Shape == ShapeTemplateLine {
		return applyTemplate(data, file, changes, o)
	}
	// Images in block strings are written over their bytes first: that changes no line count
	// and no line but the blocks' own, so the positions of the other values still hold.
	var inBlocks []Change
	var edits []yamledit.Edit
	var nodeChange []int // the change of each edit
	for i, c := range changes {
		switch {
		case c.Shape == ShapeEmbedded:
			if c.span[1] <= c.span[0] || c.span[1] > len(data) {
				return nil, nil, fmt.Errorf("%s: %s: a change not planned over this file", file, c.Path)
			}
			inBlocks = append(inBlocks, c)
		case c.node == nil:
			return nil, nil, fmt.Errorf("%s: %s: a change not planned over this file", file, c.Path)
		default:
			edits = append(edits, yamledit.Edit{Node: c.node, Text: c.New, Where: fmt.Sprintf("%s:%d: %s", file, c.Line, c.Path)})
			nodeChange = append(nodeChange, i)
		}
	}
	base := data
	var blockWritten []Change
	if len(inBlocks) > 0 {
		if base, blockWritten, err = applyLines(data, inBlocks); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		if err := sameOutsideBlocks(data, base); err != nil {
			return nil, nil, fmt.Errorf("%s: %w (nothing written)", file, err)
		}
	}
	out, nodeWritten, err := yamledit.Apply(base, edits)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	after, err := find(out, file, o)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: pinning would write what does not read back (nothing written): %w", file, err)
	}
	edited := map[string]bool{}
	for _, c := range changes {
		edited[c.Path] = true
	}
	var problems []error
	for _, im := range after {
		if edited[im.Path] && !im.Ref.Pinned() {
			problems = append(problems, fmt.Errorf("%s:%d: %s: %s would not be pinned (nothing written)", file, im.Line, im.Path, im.Ref))
		}
		delete(edited, im.Path)
	}
	for _, p := range slices.Sorted(maps.Keys(edited)) {
		problems = append(problems, fmt.Errorf("%s: %s: no image reads back there after pinning (nothing written)", file, p))
	}
	if len(problems) > 0 {
		return nil, nil, errors.Join(problems...)
	}
	out2 := slices.Clone(changes)
	for j, i := range nodeChange {
		out2[i].Old, out2[i].New = nodeWritten[j].Old, nodeWritten[j].New
	}
	b := 0
	for i := range out2 {
		if out2[i].Shape == ShapeEmbedded {
			out2[i].Old, out2[i].New = blockWritten[b].Old, blockWritten[b].New
			b++
		}
	}
	return out, out2, nil
}

// sameOutsideBlocks checks that after differs from before only in the text of literal block
// strings: the same documents, every node of the same kind, and every scalar but a block's
// the same value at the same place.
func sameOutsideBlocks(before, after []byte) error {
	old, err := yamledit.Documents(before)
	if err != nil {
		return err
	}
	now, err := yamledit.Documents(after)
	if err != nil || len(old) != len(now) {
		return errors.New("pinning inside a block string would change the file's shape")
	}
	return yamledit.WalkPairs(old, now, func(a, b *yaml.Node) (bool, error) {
		if a.Kind != b.Kind || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) ||
			a.Kind == yaml.ScalarNode && a.Value != b.Value && (a.Style&yaml.LiteralStyle == 0 || b.Style&yaml.LiteralStyle == 0) {
			return false, fmt.Errorf("line %d: pinning inside a block string would change what is not in it", a.Line)
		}
		return true, nil
	})
}

// applyTemplate makes the changes of a template's image lines and reads the file back: every
// edited line must hold its image pinned, and no other line may change.
func applyTemplate(data []byte, file string, changes []Change, o findOptions) ([]byte, []Change, error) {
	for _, c := range changes {
		if c.Shape != ShapeTemplateLine || c.span[1] <= c.span[0] || c.span[1] > len(data) {
			return nil, nil, fmt.Errorf("%s: %s: a change not planned over this template", file, c.Path)
		}
	}
	out, written, err := applyLines(data, changes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	after, err := find(out, file, o)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: pinning would write what does not read back (nothing written): %w", file, err)
	}
	pinned := map[int]bool{}
	for _, im := range after {
		pinned[im.Line] = im.Ref.Pinned()
	}
	var problems []error
	for _, c := range written {
		if !pinned[c.Line] {
			problems = append(problems, fmt.Errorf("%s:%d: %s: %s would not be pinned (nothing written)", file, c.Line, c.Path, c.Ref))
		}
	}
	if n, m := bytes.Count(data, []byte("\n")), bytes.Count(out, []byte("\n")); n != m {
		problems = append(problems, fmt.Errorf("%s: pinning changes the number of lines (nothing written)", file))
	}
	if len(problems) > 0 {
		return nil, nil, errors.Join(problems...)
	}
	return out, written, nil
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
