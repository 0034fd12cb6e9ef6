package manifest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Error is one problem in a manifest, at a position.
type Error struct {
	File   string
	Line   int
	Column int
	// Path is the dotted path of the field, e.g. dependencies.api.auto; empty for syntax errors.
	Path string
	Msg  string
}

func (e *Error) Error() string {
	pos := fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	if e.Line == 0 {
		pos = e.File // a manifest built in code has no positions
	}
	if e.Path == "" {
		return pos + ": " + e.Msg
	}
	return pos + ": " + e.Path + ": " + e.Msg
}

// problems gathers the errors of one file.
type problems struct {
	file string
	errs []*Error
}

func (p *problems) add(line, col int, path, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Column: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns every problem sorted by position, joined, or nil.
func (p *problems) err() error { return Join(p.errs...) }

// Join returns the problems sorted by file and position, without duplicates, joined with
// [errors.Join]; nil if there are none.
func Join(problems ...*Error) error {
	if len(problems) == 0 {
		return nil
	}
	sorted := slices.Clone(problems)
	slices.SortStableFunc(sorted, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Path, b.Path), cmp.Compare(a.Msg, b.Msg))
	})
	sorted = slices.CompactFunc(sorted, func(a, b *Error) bool { return *a == *b })
	errs := make([]error, len(sorted))
	for i, e := range sorted {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Problems returns every [*Error] in err, in order.
func Problems(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *Error:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// Pos is where a build entry was declared, so that problems found later (a package that does not
// exist, a glob that matches nothing) can point at it. Entries built in code have none.
type Pos struct {
	File   string
	Line   int
	Column int
	// Path is the entry's path in its file, e.g. build.binaries[0].
	Path string
}

// Errorf returns a problem with field (empty for the entry itself) of the entry at p.
func (p Pos) Errorf(field, format string, args ...any) *Error {
	path := p.Path
	if field != "" {
		path = join(path, field)
	}
	return &Error{File: p.File, Line: p.Line, Column: p.Column, Path: path, Msg: fmt.Sprintf(format, args...)}
}
