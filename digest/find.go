package digest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/internal/atomicfile"

	"github.com/releasekit/releasekit/internal/yamledit"
)

// Shape names how an image is written in YAML.
type Shape string

// The shapes Find understands.
const (
	// ShapeString is a reference in one string: image: prom/prometheus:v2.18.1
	ShapeString Shape = "string"
	// ShapeMap is a map {registry, repository or name, tag, digest}, as bitnami charts write it.
	ShapeMap Shape = "map"
	// ShapeNames is OSM's map {registry, name: {x: …}, tag, digest: {x: …}}, one image per name.
	ShapeNames Shape = "names"
	// ShapeHub is Istio's image: <name> beside, or under a global, hub and tag.
	ShapeHub Shape = "hub"
	// ShapeExplicit is a value the caller named by its path.
	ShapeExplicit Shape = "explicit"
	// ShapeTemplateLine is a literal "image: ref" line of a Helm template, which is no YAML
	// until rendered: found and pinned line by line, as renovate reads templates.
	ShapeTemplateLine Shape = "template line"
	// ShapeRelease is a string that is exactly one of the release's images (WithReleaseImages)
	// where no image key says so: a list item, a mapping key, a document of one string, or the
	// value of any key, as ko resolves its ko:// strings wherever they stand.
	ShapeRelease Shape = "release image"
	// ShapeEmbedded is an image of YAML held in a literal block string (a ConfigMap's pod
	// template, kbld's data: | with an image key inside): found by the same rules in the block's
	// document, and pinned over its reference's bytes, the block's other text kept.
	ShapeEmbedded Shape = "in a block string"
)

// Image is an image reference found in a YAML file.
type Image struct {
	// File, Line and Column locate the value Pin writes.
	File         string
	Line, Column int
	// Path is the YAML path of that value, e.g. image.digest.controller or
	// spec.template.spec.containers[0].image.
	Path  string
	Shape Shape
	// Ref is the image, with its digest when the file pins it.
	Ref Reference
	// Refused says why the file alone cannot pin this image (a map with a repository and no
	// tag or digest value, whose tag its chart fills); Plan returns its change with Err.
	Refused string

	node  *yaml.Node
	value func(d Digest) string // the text Pin writes in node
	span  [2]int                // for a template line: the reference's bytes in the file
}

func (im Image) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", im.File, im.Line, im.Path, im.Ref)
}

// Option configures Find, Pin and Check; an invalid value makes them fail.
type Option func(*findOptions) error

type findOptions struct {
	explicit   map[string]string
	release    map[string]bool // Keys of the release's images
	jobs       int
	unresolved bool
}

// WithImages names image values by YAML path (e.g. "pilot.image" or "image.tag"), overriding
// detection. The value at the path becomes the digest when its key is "digest", "<tag>@<digest>"
// when its key is "tag", and the whole pinned reference otherwise. ref is the image it holds.
// Default: detection alone.
func WithImages(paths map[string]string) Option {
	return func(o *findOptions) error { o.explicit = paths; return nil }
}

// WithReleaseImages names the release's images, as its lock records them: a string that is
// exactly one of them, its registry written (gcr.io/org/app, not app), is pinned wherever it
// stands (ShapeRelease), as ko resolves the images it built in any string of a file. A
// repository alone, with no registry, is too common a word to be taken for an image outside an
// image key. Default: images under image keys alone.
func WithReleaseImages(refs []Reference) Option {
	return func(o *findOptions) error {
		o.release = make(map[string]bool, len(refs))
		for _, r := range refs {
			o.release[r.Key()] = true
		}
		return nil
	}
}

// WithUnresolved makes Plan return a change with Err set, and no digest, for a reference that
// does not resolve, instead of failing; Apply refuses such a change. A pinned reference whose
// tag does not resolve is left as it is. For callers that judge each change on its own (a chart
// pinned through its templates). Default: every reference must resolve.
func WithUnresolved() Option {
	return func(o *findOptions) error { o.unresolved = true; return nil }
}

// WithJobs sets how many references are resolved at once. Default: 16.
func WithJobs(n int) Option {
	return func(o *findOptions) error {
		if n < 1 {
			return fmt.Errorf("WithJobs: %d: want at least 1", n)
		}
		o.jobs = n
		return nil
	}
}

func newFindOptions(opts []Option) (findOptions, error) {
	o := findOptions{jobs: 16}
	var errs []error
	for _, f := range opts {
		if err := f(&o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("digest: %w", err)
	}
	return o, nil
}

// Find lists the image references in data, a YAML file of one or more documents. file is used
// in positions and errors.
func Find(data []byte, file string, opts ...Option) ([]Image, error) {
	o, err := newFindOptions(opts)
	if err != nil {
		return nil, err
	}
	return find(data, file, o)
}

func find(data []byte, file string, o findOptions) ([]Image, error) {
	f := &finder{file: file, data: data, explicit: o.explicit, release: o.release, used: map[string]bool{}}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", file, ErrInvalid, MaxFileSize)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && isTemplate(data) {
			// A Helm template, which is YAML only once rendered: its literal image lines.
			return templateLines(data, file, o)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", file, ErrInvalid, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		f.root = doc.Content[0]
		switch kind := documentKind(f.root); {
		case kind == "apiextensions.k8s.io CustomResourceDefinition":
			// A schema, whose examples and defaults are no images to run: never edited.
			continue
		case crossplanePackage[kind]:
			// A Crossplane package is an OCI image named by spec.package.
			if pkg := child(child(f.root, "spec"), "package"); pkg != nil && !f.explicitUnder("spec") {
				f.stringImage(nil, "package", pkg, "spec.package")
			}
		}
		f.walk(f.root, "")
	}
	for _, p := range slices.Sorted(maps.Keys(o.explicit)) {
		if !f.used[p] {
			f.problems = append(f.problems, problem{0, fmt.Sprintf("%s: %s: no such value for an image", file, p)})
		}
	}
	if len(f.problems) > 0 {
		slices.SortStableFunc(f.problems, func(a, b problem) int { return a.line - b.line })
		texts := make([]string, len(f.problems))
		for i, p := range f.problems {
			texts[i] = p.text
		}
		return nil, fmt.Errorf("%w", invalid(strings.Join(texts, "\n")))
	}
	return f.images, nil
}

// templateLine is a line of a template that holds a literal image reference under an image key:
// the key, its indentation or list dash, an optional quote, the reference, the same quote, and an
// optional comment. A line with a template action in its value is none.
var templateLine = regexp.MustCompile(`^(\s*(?:-\s+)?[A-Za-z_]*[iI]mage:[ \t]+)(["']?)([^"'\s{}#]+)(["']?)[ \t]*(?:#.*)?$`)

// isTemplate reports whether data is a Helm template: a line that is a template action
// ({{- if …}}, {{ include … | nindent 4 }}), which no YAML file holds; a values file with a tpl
// string in a value is YAML, and its errors are its own.
func isTemplate(data []byte) bool {
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("{{")) {
			return true
		}
	}
	return false
}

// blockStart is a line that opens a block scalar: its content, more indented, is a string.
var blockStart = regexp.MustCompile(`:[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$`)

// templateLines finds the images of a Helm template line by line: each literal reference under
// an image key, with its position. Explicit paths name no value in a template.
func templateLines(data []byte, file string, o findOptions) ([]Image, error) {
	if len(o.explicit) > 0 {
		return nil, fmt.Errorf("%s: %w: a template, not YAML: -image paths name nothing in it", file, ErrInvalid)
	}
	var out []Image
	start := 0
	block := -1 // the indentation of the key whose block scalar the lines are in, or -1
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		text := strings.TrimRight(string(line), "\r\n")
		indent := len(text) - len(strings.TrimLeft(text, " "))
		if block >= 0 && (strings.TrimSpace(text) == "" || indent > block) {
			start += len(line) // a script's or a config's text, no image of the template's
			continue
		}
		block = -1
		if blockStart.MatchString(text) {
			block = indent
		}
		m := templateLine.FindStringSubmatchIndex(text)
		if m != nil && text[m[4]:m[5]] == text[m[8]:m[9]] {
			raw := text[m[6]:m[7]]
			path := fmt.Sprintf("%s (line %d)", strings.TrimSuffix(strings.TrimLeft(text[m[2]:m[3]], " \t-"), ":"), n+1)
			path = strings.Join(strings.Fields(path), " ")
			im := Image{File: file, Line: n + 1, Column: m[6] + 1, Path: path, Shape: ShapeTemplateLine, span: [2]int{start + m[6], start + m[7]}}
			if ref, err := Parse(raw); err != nil {
				im.Ref, im.Refused = Reference{Repository: raw}, fmt.Sprintf("%q is not an image reference: %v", raw, err)
			} else {
				im.Ref = ref
				im.value = func(d Digest) string { return ref.WithDigest(d).String() }
			}
			out = append(out, im)
		}
		start += len(line)
	}
	return out, nil
}

// applyLines writes the changes of a template's image lines, each over its reference's bytes,
// and returns them, in the order given, with the text each replaced. Changes that overlap are
// an error.
func applyLines(data []byte, changes []Change) ([]byte, []Change, error) {
	out := slices.Clone(changes)
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return out[a].span[0] - out[b].span[0] })
	var b []byte
	at := 0
	for _, i := range order {
		c := &out[i]
		if c.span[0] < at {
			return nil, nil, fmt.Errorf("%s: two changes write the same value", c.Path)
		}
		b = append(append(b, data[at:c.span[0]]...), c.New...)
		c.Old, at = string(data[c.span[0]:c.span[1]]), c.span[1]
	}
	return append(b, data[at:]...), out, nil
}

// MaxFileSize bounds a file Find, Pin and Check read: values files are kilobytes, and parsing
// takes memory several times a file's size.
const MaxFileSize = 32 << 20

// ReadFile reads a file to pin, up to MaxFileSize bytes: a larger one is refused before it is
// read whole.
func ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", name, ErrInvalid, MaxFileSize)
	}
	return data, nil
}

// WriteFile replaces the file name with data, as a pinned file is written back: through a
// temporary file in its folder and a rename, keeping its mode, so that a failure (or a kill)
// leaves it as it was.
func WriteFile(name string, data []byte) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(name, data, st.Mode().Perm())
}

// ErrInvalid is wrapped by the errors of a file that cannot be read as YAML with images: its own
// problems, as opposed to a registry's answer.
var ErrInvalid = errors.New("invalid input")

// invalid is a file's problems, one per line, wrapping ErrInvalid without saying so.
type invalid string

func (e invalid) Error() string { return string(e) }
func (e invalid) Unwrap() error { return ErrInvalid }

type finder struct {
	file     string
	data     []byte // the file, for the positions of images inside block strings
	lines    []int  // where data's lines start, once needed
	inner    bool   // finding inside a block string: no deeper
	root     *yaml.Node
	explicit map[string]string
	release  map[string]bool
	used     map[string]bool
	images   []Image
	problems []problem
}

type problem struct {
	line int
	text string
}

func (f *finder) problem(n *yaml.Node, path, format string, args ...any) {
	f.problems = append(f.problems, problem{n.Line, fmt.Sprintf("%s:%d: %s: %s", f.file, n.Line, path, fmt.Sprintf(format, args...))})
}

func (f *finder) add(n *yaml.Node, path string, shape Shape, ref Reference, value func(Digest) string) {
	f.images = append(f.images, Image{File: f.file, Line: n.Line, Column: n.Column, Path: path, Shape: shape, Ref: ref, node: n, value: value})
}

// addDigest records a value that holds only the digest of ref, empty until pinned.
func (f *finder) addDigest(n *yaml.Node, path string, shape Shape, ref Reference) {
	if d := scalar(n); d != "" {
		var err error
		if ref.Digest, err = ParseDigest(d); err != nil {
			f.refuse(n, path, shape, ref, err.Error())
			return
		}
	}
	f.add(n, path, shape, ref, func(d Digest) string { return string(d) })
}

// addSha records a sha value: the digest's hex without "sha256:", empty until pinned.
func (f *finder) addSha(n *yaml.Node, path string, ref Reference) {
	if hex := scalar(n); hex != "" {
		var err error
		if ref.Digest, err = ParseDigest("sha256:" + hex); err != nil {
			f.refuse(n, path, ShapeMap, ref, err.Error())
			return
		}
	}
	f.add(n, path, ShapeMap, ref, func(d Digest) string { return strings.TrimPrefix(string(d), "sha256:") })
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (f *finder) walk(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Style&yaml.LiteralStyle != 0 {
			f.embedded(n, path)
			return
		}
		// A list item or a document of one string: an image only when the release names it.
		f.releaseImage(n, path)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			if ref, ok := f.explicit[p]; ok {
				f.used[p] = true
				f.explicitImage("", c, p, ref)
				continue
			}
			f.walk(c, p)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, f.keyName(k))
			f.releaseImage(k, p) // a mapping key that is one of the release's images: ko pins those too
			if ref, ok := f.explicit[p]; ok {
				f.used[p] = true
				f.explicitImage(k.Value, v, p, ref)
				continue
			}
			// A value the caller names inside wins over detection of the map around it.
			if isImageKey(k.Value) && !f.explicitUnder(p) && f.image(n, k.Value, v, p) {
				continue
			}
			if isImagesKey(k.Value) && v.Kind == yaml.SequenceNode {
				f.imageList(v, p)
				continue
			}
			f.walk(v, p)
		}
	}
}

// embedded records the images of YAML held in the literal block string n: the block's text
// parsed as a document of a mapping or a list (a string of prose parses as neither), and found
// by the same rules, not deeper. Each is placed at its bytes in the file, a line of the block
// per line of its document; one that cannot be placed there exactly is refused, not guessed.
func (f *finder) embedded(n *yaml.Node, path string) {
	if f.inner || !strings.Contains(n.Value, ":") {
		return
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(n.Value), &doc) != nil || len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode && root.Kind != yaml.SequenceNode {
		return
	}
	sub := &finder{file: f.file, inner: true, release: f.release, used: map[string]bool{}, root: root}
	sub.walk(root, "")
	if len(sub.images) == 0 {
		return
	}
	if f.lines == nil {
		f.lines = yamledit.LineStarts(f.data)
	}
	indent, err := f.blockIndent(n)
	for _, im := range sub.images {
		at := path + "|" + im.Path
		line := n.Line + im.Line // the block's text starts on the line after its indicator
		if im.Refused != "" {
			f.refuse(n, at, ShapeEmbedded, im.Ref, im.Refused)
			continue
		}
		// A plain reference, or one in quotes with nothing escaped: its bytes are its value.
		quote := ""
		switch im.node.Style {
		case yaml.DoubleQuotedStyle:
			quote = `"`
		case yaml.SingleQuotedStyle:
			quote = "'"
		}
		start, ok := -1, err == nil && line <= len(f.lines) && (quote != "" || im.node.Style == 0)
		if ok {
			// The block's text is the document's, each line indented by indent spaces.
			start = yamledit.Offset(f.data, f.lines, line, indent+im.node.Column)
			ok = bytes.HasPrefix(f.data[start:], []byte(quote+im.node.Value+quote))
			start += len(quote)
		}
		if !ok {
			why := "its text in the block is not where the block's document puts it"
			if err != nil {
				why = err.Error()
			}
			f.refuse(n, at, ShapeEmbedded, im.Ref, "cannot pin it inside the block string: "+why)
			continue
		}
		f.images = append(f.images, Image{File: f.file, Line: line, Column: indent + im.node.Column, Path: at, Shape: ShapeEmbedded,
			Ref: im.Ref, value: im.value, span: [2]int{start, start + len(im.node.Value)}})
	}
}

// blockIndent is the indentation of the literal block n's text: that of its first line that
// is not blank. A block with an indentation indicator (|2) is refused.
func (f *finder) blockIndent(n *yaml.Node) (int, error) {
	if n.Line < 1 || n.Line > len(f.lines) {
		return 0, errors.New("the block has no position")
	}
	end := len(f.data)
	if n.Line < len(f.lines) {
		end = f.lines[n.Line]
	}
	header := string(f.data[f.lines[n.Line-1]:end])
	if i := strings.LastIndex(header, "|"); i >= 0 && strings.ContainsAny(strings.SplitN(header[i:], "#", 2)[0], "123456789") {
		return 0, errors.New("the block has an indentation indicator")
	}
	for l := n.Line; l < len(f.lines); l++ {
		lineEnd := len(f.data)
		if l+1 < len(f.lines) {
			lineEnd = f.lines[l+1]
		}
		text := strings.TrimRight(string(f.data[f.lines[l]:lineEnd]), "\r\n")
		if strings.TrimSpace(text) != "" {
			return len(text) - len(strings.TrimLeft(text, " ")), nil
		}
	}
	return 0, errors.New("the block has no text")
}

// keyName is a mapping key as paths name it: a key that is one of the release's images is
// named without its digest, so that its path, and the paths under it, are the same pinned.
func (f *finder) keyName(k *yaml.Node) string {
	if f.release == nil || k.Kind != yaml.ScalarNode {
		return k.Value
	}
	if ref, ok := f.isRelease(k); ok {
		ref.Digest = ""
		return ref.String()
	}
	return k.Value
}

// isRelease reports whether n is a string that is exactly one of the release's images, its
// registry written.
func (f *finder) isRelease(n *yaml.Node) (Reference, bool) {
	if f.release == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return Reference{}, false
	}
	ref, err := Parse(n.Value)
	if err != nil || !hasHost(ref.Repository) || !f.release[ref.Key()] {
		return Reference{}, false
	}
	return ref, true
}

// releaseImage records n when it is one of the release's images, reporting whether it was.
func (f *finder) releaseImage(n *yaml.Node, path string) bool {
	ref, ok := f.isRelease(n)
	if !ok || slices.ContainsFunc(f.images, func(im Image) bool { return im.node == n }) {
		return false // not one, or found already (a Crossplane package)
	}
	if path == "" {
		path = "."
	}
	f.add(n, path, ShapeRelease, ref, func(d Digest) string { return ref.WithDigest(d).String() })
	return true
}

// imageList records the images of a list under an images key (kbld's spec[].images: a list of
// references): each string written with a tag, a digest or a registry is one; anything else in
// the list is read as usual.
func (f *finder) imageList(v *yaml.Node, path string) {
	for i, c := range v.Content {
		p := path + "[" + strconv.Itoa(i) + "]"
		if ref, ok := f.explicit[p]; ok {
			f.used[p] = true
			f.explicitImage("", c, p, ref)
			continue
		}
		if c.Kind == yaml.ScalarNode && c.Tag == "!!str" && !strings.Contains(c.Value, "{{") {
			if ref, err := Parse(c.Value); err == nil && (ref.Tag != "" || ref.Digest != "" || hasHost(ref.Repository)) {
				f.add(c, p, ShapeString, ref, func(d Digest) string { return ref.WithDigest(d).String() })
				continue
			}
		}
		f.walk(c, p)
	}
}

// explicitUnder reports whether the caller names a value inside path.
func (f *finder) explicitUnder(path string) bool {
	for p := range f.explicit {
		if strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

// isImageKey tells the keys that hold images: image, and names ending in a word image
// (sidecarImage, inline_image, Knative's queue-sidecar-image). A name that ends in the letters
// alone (kbld's nestedimage) is no image key: kbld leaves it unless configured.
func isImageKey(k string) bool {
	return strings.EqualFold(k, "image") || strings.HasSuffix(k, "Image") ||
		strings.HasSuffix(k, "_image") || strings.HasSuffix(k, "-image")
}

// isImagesKey tells the keys that hold lists of images: images, and names ending in a word
// images.
func isImagesKey(k string) bool {
	return strings.EqualFold(k, "images") || strings.HasSuffix(k, "Images") ||
		strings.HasSuffix(k, "_images") || strings.HasSuffix(k, "-images")
}

// image records the image under key in the mapping parent, reporting whether v was one.
func (f *finder) image(parent *yaml.Node, key string, v *yaml.Node, path string) bool {
	switch v.Kind {
	case yaml.ScalarNode:
		return f.stringImage(parent, key, v, path)
	case yaml.MappingNode:
		names, digests := child(v, "name"), child(v, "digest")
		if names != nil && names.Kind == yaml.MappingNode {
			f.names(v, names, digests, path)
			return true
		}
		return f.imageMap(v, path)
	}
	return false
}

// stringImage records the image a string under key in the mapping parent (nil for none) holds,
// reporting whether it was one.
func (f *finder) stringImage(parent *yaml.Node, key string, v *yaml.Node, path string) bool {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || v.Value == "" || strings.Contains(v.Value, "{{") {
		return false
	}
	if key == "image" && parent != nil && !strings.ContainsAny(v.Value, "/:@") {
		if hub, tag, ok := f.hubTag(parent); ok {
			ref, err := Parse(hub + "/" + v.Value + ":" + tag)
			if err != nil {
				f.refuse(v, path, ShapeHub, Reference{Repository: hub + "/" + v.Value}, err.Error())
				return true
			}
			f.add(v, path, ShapeHub, ref, func(d Digest) string { return ref.WithDigest(d).String() })
			return true
		}
		if f.composed(parent) {
			// Istio's image: pilot beside an empty hub and tag, or under
			// _internal_defaults_do_not_set with its own global: a name the templates put
			// between a hub and a tag, not docker.io/library/pilot.
			f.refuse(v, path, ShapeHub, Reference{Repository: v.Value},
				"a name the chart puts between a hub and a tag, which this file does not hold: the image to pin is not in this file (pin the chart with -chart)")
			return true
		}
	}
	ref, err := Parse(v.Value)
	if err != nil && strings.ContainsAny(v.Value, " \t") && !containerImage.MatchString(path) {
		return false // words, not an image after all: a description
	}
	if err != nil {
		// Under an image key, one word that is not a reference is reported, not skipped (a
		// check that passes over it would call the file pinned), and the file's other images
		// are still pinned.
		f.refuse(v, path, ShapeString, Reference{Repository: v.Value}, fmt.Sprintf("%q is not an image reference: %v", v.Value, err))
		return true
	}
	f.add(v, path, ShapeString, ref, func(d Digest) string { return ref.WithDigest(d).String() })
	return true
}

// containerImage matches the path of a Kubernetes container's image (a pod spec's containers,
// init or ephemeral containers): whatever it holds is meant as an image, words included
// (skaffold's TestGetImages has "image: not valid"), so a value that is none is reported.
var containerImage = regexp.MustCompile(`(^|\.)(containers|initContainers|ephemeralContainers)\[[0-9]+\]\.image$`)

// refuse records an image of shape the file alone cannot pin, and why: Plan returns its change
// with Err, and the file's other images are still pinned.
func (f *finder) refuse(n *yaml.Node, path string, shape Shape, ref Reference, why string) {
	f.images = append(f.images, Image{File: f.file, Line: n.Line, Column: n.Column, Path: path, Shape: shape, Ref: ref, Refused: why})
}

// hasHost reports whether a repository names its registry: a first part with a dot or a port,
// or localhost (quay.io/prometheus/node-exporter).
func hasHost(repo string) bool {
	host, _, ok := strings.Cut(repo, "/")
	return ok && (strings.ContainsAny(host, ".:") || host == "localhost")
}

// elsewhere records a {image, tag, digest} map whose registry the chart takes from elsewhere
// (ingress-nginx's controller.image, its registry in global.image.registry): pinned, it is
// left as it is, since its tag cannot be checked without the registry; else refused, since the
// image to pin is not in the file.
func (f *finder) elsewhere(v *yaml.Node, path, name string) bool {
	if d := child(v, "digest"); d != nil && scalar(d) != "" {
		digest, err := ParseDigest(scalar(d))
		if err != nil {
			f.refuse(d, path+".digest", ShapeMap, Reference{Repository: name}, err.Error())
			return true
		}
		f.add(d, path+".digest", ShapeMap, Reference{Repository: name, Digest: digest}, func(d Digest) string { return string(d) })
		return true
	}
	f.refuse(v, path, ShapeMap, Reference{Repository: name},
		"its registry is not in this map: the chart takes it from elsewhere (global.image.registry, as a rule), so the image to pin is not in this file (pin the chart with -chart)")
	return true
}

// composed reports whether an image name beside parent's keys is one a chart composes from a
// hub (or registry) and a tag: parent holds one of those keys, or the file has a hub at its top,
// under global, or under a top-level key's global.
func (f *finder) composed(parent *yaml.Node) bool {
	for _, k := range []string{"hub", "registry", "tag", "variant"} {
		if child(parent, k) != nil {
			return true
		}
	}
	if child(f.root, "hub") != nil || child(child(f.root, "global"), "hub") != nil {
		return true
	}
	if f.root.Kind == yaml.MappingNode {
		for i := 1; i < len(f.root.Content); i += 2 {
			if child(child(f.root.Content[i], "global"), "hub") != nil {
				return true
			}
		}
	}
	return false
}

// documentKind is a Kubernetes document's API group and kind, "group Kind", or "" for a
// document that is none.
func documentKind(root *yaml.Node) string {
	api, kind := scalar(child(root, "apiVersion")), scalar(child(root, "kind"))
	if api == "" || kind == "" {
		return ""
	}
	group, _, ok := strings.Cut(api, "/")
	if !ok {
		group = ""
	}
	return group + " " + kind
}

// crossplanePackage are the Crossplane kinds whose spec.package is an OCI image.
var crossplanePackage = map[string]bool{
	"pkg.crossplane.io Provider": true, "pkg.crossplane.io Function": true, "pkg.crossplane.io Configuration": true,
}

// imageMap records {registry, repository|name, tag, digest}.
func (f *finder) imageMap(v *yaml.Node, path string) bool {
	repo := scalar(child(v, "repository"))
	if repo == "" {
		repo = scalar(child(v, "name"))
	}
	if repo == "" && (child(v, "registry") != nil || child(v, "tag") != nil || child(v, "digest") != nil) {
		// ingress-nginx's {registry, image, tag, digest}: image is the repository, not a
		// reference of its own.
		if im := child(v, "image"); im != nil && im.Kind == yaml.ScalarNode {
			repo = scalar(im)
			if repo != "" && scalar(child(v, "registry")) == "" && !hasHost(repo) {
				return f.elsewhere(v, path, repo)
			}
		}
	}
	if repo == "" {
		// A Kubernetes image volume's {reference, pullPolicy}: the reference is an image.
		if r := child(v, "reference"); r != nil && r.Kind == yaml.ScalarNode {
			return f.stringImage(v, "reference", r, path+".reference")
		}
	}
	if repo == "" || strings.Contains(repo, "{{") {
		return false
	}
	if reg := scalar(child(v, "registry")); reg != "" {
		repo = reg + "/" + repo
	}
	tagKey := "tag"
	tagNode, digestNode := child(v, "tag"), child(v, "digest")
	if tagNode == nil {
		// {registry, repository, version}: the tag goes by version there (renovate reads and
		// pins it so).
		if vn := child(v, "version"); vn != nil && vn.Kind == yaml.ScalarNode && scalar(vn) != "" {
			tagKey, tagNode = "version", vn
		}
	}
	tag := scalar(tagNode)
	written := repo
	if tag != "" {
		written += ":" + tag
	}
	ref, err := Parse(written)
	if err != nil {
		f.refuse(v, path, ShapeMap, Reference{Repository: written}, err.Error())
		return true
	}
	hasDigest := digestNode != nil && digestNode.Kind == yaml.ScalarNode
	// A sha key holds the digest's bare hex (kube-prometheus-stack, grafana): the chart's slot
	// for it, where the tag would also be read as a version label.
	shaNode := child(v, "sha")
	hasSha := !hasDigest && shaNode != nil && shaNode.Kind == yaml.ScalarNode
	switch {
	case (tagNode == nil || tagNode.Kind != yaml.ScalarNode) && !hasDigest && !hasSha:
		// Refused for this image alone: the others of the file are still found and pinned.
		f.images = append(f.images, Image{File: f.file, Line: v.Line, Column: v.Column, Path: path, Shape: ShapeMap, Ref: ref,
			Refused: "it has neither a tag nor a digest value to pin: its chart fills the tag (pin the chart with -chart)"})
	case tag == "" && scalar(digestNode) == "" && scalar(shaNode) == "":
		// Refused for this image alone: the tag the chart renders (its appVersion, as a rule) is
		// not in this file, and pinning latest's digest, or "@sha256:…" as the tag, would render
		// another image or an invalid reference.
		f.images = append(f.images, Image{File: f.file, Line: v.Line, Column: v.Column, Path: path, Shape: ShapeMap, Ref: ref,
			Refused: "its tag is empty: its chart fills it (as a rule from appVersion), so the image to pin is not in this file (pin the chart with -chart)"})
	case hasDigest:
		f.addDigest(digestNode, path+".digest", ShapeMap, ref)
	case hasSha:
		f.addSha(shaNode, path+".sha", ref)
	default:
		f.add(tagNode, path+"."+tagKey, ShapeMap, ref, func(d Digest) string { return ref.Tag + "@" + string(d) })
	}
	return true
}

// names records OSM's image.name.<x> and image.digest.<x>, one image per name.
func (f *finder) names(v, names, digests *yaml.Node, path string) {
	reg, tag := scalar(child(v, "registry")), scalar(child(v, "tag"))
	for i := 0; i+1 < len(names.Content); i += 2 {
		x, nameNode := names.Content[i].Value, names.Content[i+1]
		repo := scalar(nameNode)
		if reg != "" {
			repo = reg + "/" + repo
		}
		written := repo
		if tag != "" {
			written += ":" + tag
		}
		ref, err := Parse(written)
		if err != nil {
			f.refuse(nameNode, path+".name."+x, ShapeNames, Reference{Repository: written}, err.Error())
			continue
		}
		dn := child(digests, x)
		if dn == nil || dn.Kind != yaml.ScalarNode {
			f.refuse(nameNode, path+".name."+x, ShapeNames, ref, fmt.Sprintf("no digest.%s value to pin it", x))
			continue
		}
		f.addDigest(dn, path+".digest."+x, ShapeNames, ref)
	}
}

// hubTag finds the hub and tag an Istio-style image name is completed with: beside it, at the
// top level, or under global.
func (f *finder) hubTag(parent *yaml.Node) (string, string, bool) {
	for _, m := range []*yaml.Node{parent, f.root, child(f.root, "global")} {
		hub, tag := scalar(child(m, "hub")), scalar(child(m, "tag"))
		if hub != "" && tag != "" && !strings.Contains(hub+tag, "{{") {
			return hub, tag, true
		}
	}
	return "", "", false
}

// explicitImage records a value the caller named: written according to its key.
func (f *finder) explicitImage(key string, v *yaml.Node, path, image string) {
	ref, err := Parse(image)
	if err != nil {
		f.problem(v, path, "%v", err)
		return
	}
	if v.Kind != yaml.ScalarNode {
		f.problem(v, path, "want a string value for image %s", ref)
		return
	}
	switch key {
	case "digest":
		f.addDigest(v, path, ShapeExplicit, ref)
	case "tag":
		tag, pinned, _ := strings.Cut(scalar(v), "@")
		if ref.Tag == "" {
			ref.Tag = tag
		}
		if pinned != "" {
			if ref.Digest, err = ParseDigest(pinned); err != nil {
				f.problem(v, path, "%v", err)
				return
			}
		}
		f.add(v, path, ShapeExplicit, ref, func(d Digest) string { return tag + "@" + string(d) })
	default:
		if written, err := Parse(scalar(v)); err == nil && written.Pinned() {
			ref.Digest = written.Digest
		}
		f.add(v, path, ShapeExplicit, ref, func(d Digest) string { return ref.WithDigest(d).String() })
	}
}

// child is the value of key in the mapping m, or nil.
var child = yamledit.Child

// scalar is a string value, or "" for anything else (including null).
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}
