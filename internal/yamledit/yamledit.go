package yamledit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Edit replaces the source text of a scalar node, parsed from the data given to Apply.
type Edit struct {
	Node *yaml.Node
	// Text is the new value, unquoted; it is written in the quoting style the value had.
	Text string
	// Literal writes Text as YAML reads it, unquoted (true, 3), where the value was unquoted:
	// a boolean or a number, not the string of one.
	Literal bool
	// Where names the value in errors, e.g. "values.yaml:12: image.tag".
	Where string
}

// Written is what an edit replaced and the source text that replaced it.
type Written struct{ Old, New string }

// Apply makes the edits and returns the new bytes and, per edit, the text written. It parses what
// it wrote and fails, writing nothing, unless the result is valid YAML in which each edited value
// reads as its Text and nothing else changed shape.
func Apply(data []byte, edits []Edit) ([]byte, []Written, error) {
	out, written, err := apply(data, edits)
	if err != nil {
		return nil, nil, err
	}
	if err := verify(data, out, edits); err != nil {
		return nil, nil, err
	}
	return out, written, nil
}

func apply(data []byte, edits []Edit) ([]byte, []Written, error) {
	lines := LineStarts(data)
	type span struct {
		start, end int
		text       string
	}
	spans := make([]span, len(edits))
	written := make([]Written, len(edits))
	for i, e := range edits {
		start, end, err := extent(data, lines, e.Node)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Where, err)
		}
		text := quote(e.Text, e.Node.Style)
		if e.Literal && e.Node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
			text = e.Text
		}
		if start == end { // an empty value: the key's colon is just before
			text = " " + text
		}
		spans[i] = span{start, end, text}
		written[i] = Written{Old: string(data[start:end]), New: text}
	}
	order := slices.Clone(spans)
	slices.SortFunc(order, func(a, b span) int { return a.start - b.start })
	var out bytes.Buffer
	out.Grow(len(data) + 80*len(spans))
	at := 0
	for _, s := range order {
		if s.start < at {
			return nil, nil, errors.New("two edits write the same value")
		}
		out.Write(data[at:s.start])
		out.WriteString(s.text)
		at = s.end
	}
	out.Write(data[at:])
	return out.Bytes(), written, nil
}

// Set writes values (by path, e.g. "image.tag" or "dependencies[0].version") into the first
// document of data, as strings. Every path must name an existing scalar; all problems are
// reported.
func Set(data []byte, file string, values map[string]string) ([]byte, error) {
	return set(data, file, values, false)
}

// SetLiteral is Set of values YAML reads as they are written: "true" is a boolean, "3" a
// number, where the value it replaces is unquoted.
func SetLiteral(data []byte, file string, values map[string]string) ([]byte, error) {
	return set(data, file, values, true)
}

func set(data []byte, file string, values map[string]string, literal bool) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	var edits []Edit
	var problems []error
	for _, p := range slices.Sorted(maps.Keys(values)) {
		n, err := Lookup(root, p)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %s: %w", file, p, err))
			continue
		}
		if n.Value == values[p] && n.Tag != "!!null" {
			continue
		}
		edits = append(edits, Edit{Node: n, Text: values[p], Literal: literal, Where: fmt.Sprintf("%s:%d: %s", file, n.Line, p)})
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	out, _, err := Apply(data, edits)
	return out, err
}

// Lookup finds the scalar at path: keys separated by dots, sequence items as [i].
func Lookup(root *yaml.Node, path string) (*yaml.Node, error) {
	n := root
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			n = Child(n, key)
			if n == nil {
				return nil, fmt.Errorf("no value %q", key)
			}
		}
		for rest != "" {
			i, after, ok := strings.Cut(rest, "]")
			idx, err := strconv.Atoi(i)
			if !ok || err != nil || n.Kind != yaml.SequenceNode || idx < 0 || idx >= len(n.Content) {
				return nil, fmt.Errorf("no item [%s]", i)
			}
			n = n.Content[idx]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil, errors.New("not a single value")
	}
	return n, nil
}

// Child is the value of key in the mapping m, or nil.
func Child(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// LineStarts lists the offsets at which data's lines start (a last one at len(data) after a
// final newline).
func LineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Offset is the byte offset in data of line and column (1-based, columns counted in characters
// as the YAML parser counts them), given data's LineStarts; line must be one of them.
func Offset(data []byte, lines []int, line, column int) int {
	off := lines[line-1]
	for col := 1; col < column && off < len(data); col++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// extent finds the bytes of a scalar's source text from its line and column (counted in
// characters by the YAML parser).
func extent(data []byte, lines []int, n *yaml.Node) (int, int, error) {
	if n.Line < 1 || n.Line > len(lines) {
		return 0, 0, fmt.Errorf("value has no position")
	}
	off := Offset(data, lines, n.Line, n.Column)
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

// quote writes s in the style the replaced value had, or double-quoted when s would not read
// back as itself unquoted (an empty value, a leading @, a ": " inside).
func quote(s string, style yaml.Style) string {
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return doubleQuoted(s)
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var v struct{ V any }
	if s == "" || yaml.Unmarshal([]byte("v: "+s+"\n"), &v) != nil || fmt.Sprint(v.V) != s || strings.ContainsAny(s, "{}[],#") {
		return doubleQuoted(s)
	}
	if _, isString := v.V.(string); !isString {
		return doubleQuoted(s) // 1.0, true, null: a number or a word YAML reads otherwise
	}
	return s
}

// doubleQuoted is s as a YAML double-quoted scalar.
func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// verify parses before and after and checks that they have the same shape, node for node, and
// that each edited scalar reads as its edit's text.
// Documents parses every YAML document of data.
func Documents(data []byte) ([]*yaml.Node, error) {
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, &doc)
	}
}

func verify(before, after []byte, edits []Edit) error {
	old, err := Documents(before)
	if err != nil {
		return err
	}
	now, err := Documents(after)
	if err != nil {
		return fmt.Errorf("the edits would write invalid YAML (%v): nothing written", err)
	}
	// Edited nodes are known by their position: before is parsed again here.
	type pos struct{ line, col int }
	want := map[pos]string{}
	where := map[pos]string{}
	for _, e := range edits {
		p := pos{e.Node.Line, e.Node.Column}
		want[p], where[p] = e.Text, e.Where
	}
	if len(old) != len(now) {
		return errors.New("the edits would change the number of documents: nothing written")
	}
	return WalkPairs(old, now, func(a, b *yaml.Node) (bool, error) {
		if text, ok := want[pos{a.Line, a.Column}]; ok && a.Kind == yaml.ScalarNode {
			if b.Kind != yaml.ScalarNode || b.Value != text {
				return false, fmt.Errorf("%s: the edit would not read back as %q: nothing written", where[pos{a.Line, a.Column}], text)
			}
			return false, nil
		}
		if a.Kind != b.Kind || len(a.Content) != len(b.Content) || a.Kind == yaml.ScalarNode && a.Value != b.Value {
			return false, fmt.Errorf("line %d: the edits would change what is not edited: nothing written", a.Line)
		}
		return true, nil
	})
}

// WalkPairs walks the documents old and now in step, calling visit with each pair of nodes at
// the same place, and going on into their children when visit says so. visit must check that
// the pair has as many children before it says so. The first error ends the walk.
func WalkPairs(old, now []*yaml.Node, visit func(a, b *yaml.Node) (bool, error)) error {
	var walk func(a, b *yaml.Node) error
	walk = func(a, b *yaml.Node) error {
		more, err := visit(a, b)
		if err != nil || !more {
			return err
		}
		for i := range a.Content {
			if err := walk(a.Content[i], b.Content[i]); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range min(len(old), len(now)) {
		if err := walk(old[i], now[i]); err != nil {
			return err
		}
	}
	return nil
}
