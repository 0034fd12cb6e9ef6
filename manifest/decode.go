package manifest

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the work of decoding one document, aliases included.
const maxNodes = 1 << 20

// decoder walks a yaml.Node tree into Go values by their yaml tags, recording where every value
// stands and every problem it meets, so that one pass reports them all.
type decoder struct {
	p      *problems
	values map[string]*yaml.Node // field path → value node
	nodes  int
	// unknownFields passes over fields the struct does not declare.
	unknownFields bool
	// root is set when the document parsed and its top level is a mapping: worth validating.
	root bool
}

// parseDocument reads one YAML document into out, which must be a pointer to a struct.
func parseDocument(data []byte, p *problems, out any, unknownFields bool) *decoder {
	d := &decoder{p: p, values: map[string]*yaml.Node{}, unknownFields: unknownFields}
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(1, 1, "", "empty document")
		} else {
			line, msg := syntaxPosition(err)
			p.add(line, 1, "", "%s", msg)
		}
		return d
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p.add(extra.Line, extra.Column, "", "want one YAML document, found another")
	} else if !errors.Is(err, io.EOF) {
		line, msg := syntaxPosition(err)
		p.add(line, 1, "", "%s", msg)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	for root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, root.Column, "", "want a mapping, got %s", describe(root))
		return d
	}
	d.root = true
	d.decode(root, reflect.ValueOf(out).Elem(), "")
	return d
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxPosition takes the line out of a yaml parser error.
func syntaxPosition(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, "syntax error: " + m[2]
	}
	return 1, "syntax error: " + strings.TrimPrefix(msg, "yaml: ")
}

// pos returns the position of the value at path, or of its nearest ancestor that has one.
func (d *decoder) pos(path string) (int, int) {
	for {
		if n, ok := d.values[path]; ok {
			return n.Line, n.Column
		}
		if path == "" {
			if len(d.values) == 0 {
				return 0, 0 // not decoded from a file
			}
			return 1, 1
		}
		path = parentPath(path)
	}
}

func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.p.add(n.Line, n.Column, path, format, args...)
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if d.nodes++; d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.fail(n, path, "document too large (more than %d nodes, aliases expanded)", maxNodes)
		}
		return
	}
	d.values[path] = n
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path)
	case reflect.Struct:
		if !d.want(n, yaml.MappingNode, path, "a mapping") {
			return
		}
		if f := v.FieldByName("Pos"); f.IsValid() && f.Type() == posType {
			f.Set(reflect.ValueOf(Pos{File: d.p.file, Line: n.Line, Column: n.Column, Path: path}))
		}
		fields := yamlFields(v.Type())
		for _, kv := range d.pairs(n, path, 0) {
			i, ok := fields[kv.key]
			if !ok {
				if !d.unknownFields {
					d.fail(kv.keyNode, join(path, kv.key), "unknown field %q", kv.key)
				}
				continue
			}
			d.decode(kv.value, v.Field(i), join(path, kv.key))
		}
	case reflect.Map:
		if !d.want(n, yaml.MappingNode, path, "a mapping") {
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		for _, kv := range d.pairs(n, path, 0) {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decode(kv.value, elem, join(path, kv.key))
			v.SetMapIndex(reflect.ValueOf(kv.key).Convert(v.Type().Key()), elem)
		}
	case reflect.Slice:
		if !d.want(n, yaml.SequenceNode, path, "a list") {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if !d.want(n, yaml.ScalarNode, path, "a string") {
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		if !d.want(n, yaml.ScalarNode, path, "true or false") {
			return
		}
		b, err := strconv.ParseBool(n.Value)
		if n.Tag != "!!bool" || err != nil {
			d.fail(n, path, "want true or false, got %q", n.Value)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		if !d.want(n, yaml.ScalarNode, path, "an integer") {
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if n.Tag != "!!int" || err != nil {
			d.fail(n, path, "want an integer, got %q", n.Value)
			return
		}
		v.SetInt(i)
	default:
		d.fail(n, path, "cannot decode into %s", v.Type())
	}
}

// want reports whether n is of kind k, and records a problem when it is not.
func (d *decoder) want(n *yaml.Node, k yaml.Kind, path, what string) bool {
	if n.Kind == k {
		return true
	}
	d.fail(n, path, "want %s, got %s", what, describe(n))
	return false
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// maxMergeDepth bounds merge keys within merge keys; a mapping that merges itself hits it.
const maxMergeDepth = 8

// pairs lists a mapping's entries with merge keys (<<) expanded; a key written in the mapping
// itself wins over a merged one, and a key written twice is a problem. depth counts the merges
// that led here.
func (d *decoder) pairs(n *yaml.Node, path string, depth int) []pair {
	var own, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if d.nodes++; d.nodes > maxNodes {
			if d.nodes == maxNodes+1 {
				d.fail(k, path, "document too large (more than %d nodes, aliases expanded)", maxNodes)
			}
			return nil
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			merged = append(merged, d.mergePairs(val, path, depth+1)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a string key, got %s", describe(k))
			continue
		}
		if seen[k.Value] {
			d.fail(k, join(path, k.Value), "duplicate key")
			continue
		}
		seen[k.Value] = true
		own = append(own, pair{k.Value, k, val})
	}
	out := own
	for _, kv := range merged {
		if !seen[kv.key] {
			seen[kv.key] = true
			out = append(out, kv)
		}
	}
	return out
}

func (d *decoder) mergePairs(n *yaml.Node, path string, depth int) []pair {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if depth > maxMergeDepth {
		d.fail(n, path, "merge keys nested deeper than %d (a mapping merging itself?)", maxMergeDepth)
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		return d.pairs(n, path, depth)
	case yaml.SequenceNode:
		var out []pair
		for _, c := range n.Content {
			if c.Kind == yaml.SequenceNode {
				d.fail(c, path, "want a mapping to merge, got a list")
				continue
			}
			out = append(out, d.mergePairs(c, path, depth)...)
		}
		return out
	}
	d.fail(n, path, "want a mapping to merge, got %s", describe(n))
	return nil
}

var posType = reflect.TypeFor[Pos]()

// yamlFields maps yaml names to struct field indexes.
func yamlFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = i
	}
	return fields
}
