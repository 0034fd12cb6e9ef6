package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
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
	o := newFindOptions(opts)
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
	out, err := splice(data, file, changes)
	if err != nil {
		return nil, nil, err
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

// splice writes each change's text over its value in data, quoted as the value was.
func splice(data []byte, file string, changes []Change) ([]byte, error) {
	lines := lineStarts(data)
	type edit struct {
		start, end int
		text       string
	}
	edits := make([]edit, 0, len(changes))
	for i := range changes {
		c := &changes[i]
		start, end, err := extent(data, lines, c.node)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %w", file, c.Line, c.Path, err)
		}
		c.Old = string(data[start:end])
		text := quote(c.New, c.node.Style)
		if start == end { // an empty value: the key's colon is just before
			text = " " + text
		}
		edits = append(edits, edit{start, end, text})
		c.New = text
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	out.Grow(len(data) + 80*len(edits))
	at := 0
	for _, e := range edits {
		if e.start < at {
			return nil, fmt.Errorf("%s: two images write the same value", file)
		}
		out.Write(data[at:e.start])
		out.WriteString(e.text)
		at = e.end
	}
	out.Write(data[at:])
	return out.Bytes(), nil
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// extent finds the bytes of a scalar's source text from its line and column (counted in
// characters by the YAML parser).
func extent(data []byte, lines []int, n *yaml.Node) (int, int, error) {
	if n.Line < 1 || n.Line > len(lines) {
		return 0, 0, fmt.Errorf("value has no position")
	}
	off := lines[n.Line-1]
	for col := 1; col < n.Column && off < len(data); col++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	src := data[off:]
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := 1; i < len(src); i++ {
			switch src[i] {
			case '\\':
				i++
			case '"':
				return off, off + i + 1, nil
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := 1; i < len(src); i++ {
			if src[i] == '\'' {
				if i+1 < len(src) && src[i+1] == '\'' {
					i++
					continue
				}
				return off, off + i + 1, nil
			}
		}
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return 0, 0, fmt.Errorf("cannot pin a block scalar")
	case n.Tag == "!!null" && n.Value == "":
		return emptyValue(data, lines, n)
	default:
		if bytes.HasPrefix(src, []byte(n.Value)) {
			return off, off + len(n.Value), nil
		}
		return 0, 0, fmt.Errorf("cannot pin a value written over several lines")
	}
	return 0, 0, fmt.Errorf("unterminated quoted value")
}

// emptyValue places an empty value ("digest:" with nothing after it) right after its key's colon.
func emptyValue(data []byte, lines []int, n *yaml.Node) (int, int, error) {
	// The parser puts an empty value where the next token starts; the colon is the last one
	// before it that is not in a comment.
	off := lines[n.Line-1]
	for col := 1; col < n.Column && off < len(data); col++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	text := string(data[:off])
	for {
		i := strings.LastIndexByte(text, ':')
		if i < 0 {
			return 0, 0, fmt.Errorf("cannot find the key of an empty value")
		}
		lineStart := strings.LastIndexByte(text[:i], '\n') + 1
		if !strings.Contains(text[lineStart:i], "#") {
			return i + 1, i + 1, nil
		}
		text = text[:lineStart]
	}
}

// quote writes s in the style the replaced value had.
func quote(s string, style yaml.Style) string {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return `"` + s + `"`
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + s + "'"
	}
	return s
}
