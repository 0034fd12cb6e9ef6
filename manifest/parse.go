package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/internal/atomicfile"
)

// maxSize bounds what Parse reads, so a wrong path cannot make it read a disk image.
const maxSize = 8 << 20

// Option changes how a manifest is read; an invalid value makes Parse fail.
type Option func(*options) error

type options struct {
	requireSemver bool
	unknownFields bool
}

// WithSemver requires version to be a semantic version (MAJOR.MINOR.PATCH[-PRERELEASE], an
// optional v prefix). Default: off, since daily builds use versions such as 1.9-alpha.abc123;
// a manifest that tags Go module versions (goversionenabled) always requires it.
func WithSemver() Option { return func(o *options) error { o.requireSemver = true; return nil } }

// WithUnknownFields lets DecodeYAML pass over fields out does not declare, for files that carry
// more than is read of them (a Kubernetes resource's metadata). Default: an unknown field is a
// problem.
func WithUnknownFields() Option { return func(o *options) error { o.unknownFields = true; return nil } }

func newOptions(opts []Option) (options, error) {
	var o options
	var errs []error
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("manifest: %w", err)
	}
	return o, nil
}

// Parse reads a manifest from r. filename is used in error messages only. Every problem in the
// file is reported: the error joins one [*Error] per problem, sorted by position.
func Parse(r io.Reader, filename string, opts ...Option) (*Manifest, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	data, p, err := read(r, filename)
	if err != nil {
		return nil, err
	}
	m := &Manifest{}
	d := parseDocument(data, p, m, false)
	if d.root {
		(&validator{p: p, d: d, m: m, opts: o, decodeErrs: len(p.errs)}).manifest()
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return m, nil
}

// read reads at most maxSize bytes of r, and starts the problems of file filename.
func read(r io.Reader, filename string) ([]byte, *problems, error) {
	p := &problems{file: filename}
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", filename, err)
	}
	if len(data) > maxSize {
		p.add(1, 1, "", "larger than %d bytes", maxSize)
		return nil, nil, p.err()
	}
	return data, p, nil
}

// Load reads the manifest file at path.
func Load(path string, opts ...Option) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	defer f.Close()
	return Parse(f, path, opts...)
}

// ParseSpec reads a build spec file found in dependency dep of m. Its entries default to dep and
// may refer to m's dependencies and to binaries of m and of the spec.
func ParseSpec(r io.Reader, filename string, m *Manifest, dep string) (*Build, error) {
	data, p, err := read(r, filename)
	if err != nil {
		return nil, err
	}
	b := &Build{}
	d := parseDocument(data, p, b, false)
	if d.root {
		var spec Build
		spec.Merge(*b, dep)
		*b = spec
		combined := *m
		combined.Build = Build{}
		v := &validator{p: p, d: d, m: &combined, others: &m.Build, decodeErrs: len(p.errs)}
		v.build(b, "")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return b, nil
}

// Marshal writes m as YAML. The same manifest always gives the same bytes: fields in declaration
// order, maps sorted by key.
func (m *Manifest) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// Validate checks a manifest built in code as Parse checks a file, and fills defaults the same way
// (an empty dependency in the build spec becomes the only dependency). Problems carry the field
// path but no position.
func (m *Manifest) Validate(opts ...Option) error {
	o, err := newOptions(opts)
	if err != nil {
		return err
	}
	p := &problems{file: "manifest"}
	(&validator{p: p, d: &decoder{p: p, values: map[string]*yaml.Node{}}, m: m, opts: o}).manifest()
	return p.err()
}

// WriteFile writes m to path atomically: the file appears complete or not at all.
func (m *Manifest) WriteFile(path string) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}

// DecodeYAML reads one YAML document of data into out, a pointer to a struct, by its yaml tags
// as Parse reads a manifest: unknown fields and wrong types are problems, and every problem is
// reported at once, each an [*Error] at file:line:col. Other release files (an image lock, a
// Release resource) are read with it, so that their errors point where a manifest's do.
func DecodeYAML(data []byte, file string, out any, opts ...Option) error {
	o, err := newOptions(opts)
	if err != nil {
		return err
	}
	if len(data) > maxSize {
		return fmt.Errorf("%s: larger than %d bytes", file, maxSize)
	}
	p := &problems{file: file}
	parseDocument(data, p, out, o.unknownFields)
	return p.err()
}
