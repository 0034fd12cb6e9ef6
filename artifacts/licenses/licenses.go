package licenses

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	golicenses "github.com/google/go-licenses/v2/licenses"

	"github.com/releasekit/releasekit/artifacts"
)

// Scanner finds licenses with go-licenses' classifier. The zero value is not usable; use New.
type Scanner struct {
	once       sync.Once
	classifier golicenses.Classifier
	err        error
}

// New returns a Scanner. Its license database is loaded on first use.
func New() *Scanner { return &Scanner{} }

// listed is what go list says of a package.
type listed struct {
	ImportPath string
	Dir        string
	Standard   bool
	Module     *module
}

type module struct {
	Path    string
	Version string
	Dir     string
	Main    bool
	Replace *module
}

// Scan returns the license of every module pkgs link, the main module included, sorted by
// module path. A module without a license file is listed with type unknown.
func (s *Scanner) Scan(ctx context.Context, dir string, env []string, pkgs ...string) ([]artifacts.License, error) {
	s.once.Do(func() { s.classifier, s.err = golicenses.NewClassifier() })
	if s.err != nil {
		return nil, fmt.Errorf("license classifier: %w", s.err)
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-deps", "-json=ImportPath,Dir,Standard,Module"}, pkgs...)...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	// A module's license is the first license file found from one of its packages upwards.
	type found struct {
		mod  *module
		pkgs []string // package folders
	}
	modules := map[string]*found{}
	dec := json.NewDecoder(&stdout)
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list: %w", err)
		}
		if p.Standard || p.Module == nil {
			continue
		}
		m := p.Module
		if m.Replace != nil {
			m = &module{Path: p.Module.Path, Version: m.Replace.Version, Dir: m.Replace.Dir, Main: p.Module.Main}
		}
		f, ok := modules[m.Path]
		if !ok {
			f = &found{mod: m}
			modules[m.Path] = f
		}
		if f.mod.Dir == "" {
			// A vendored module has no folder of its own in go list's answer: it is the
			// vendor/<module path> folder its packages are under.
			vendored := string(filepath.Separator) + filepath.Join("vendor", filepath.FromSlash(m.Path))
			if i := strings.Index(p.Dir, vendored+string(filepath.Separator)); i >= 0 || strings.HasSuffix(p.Dir, vendored) {
				if i < 0 {
					i = len(p.Dir) - len(vendored)
				}
				cp := *f.mod
				cp.Dir = p.Dir[:i+len(vendored)]
				f.mod = &cp
			}
		}
		f.pkgs = append(f.pkgs, p.Dir)
	}
	var out []artifacts.License
	for _, path := range slices.Sorted(maps.Keys(modules)) {
		f := modules[path]
		l := artifacts.License{Module: path, Version: f.mod.Version, Type: "unknown"}
		slices.Sort(f.pkgs)
		if err := s.identify(&l, f.mod.Dir, f.pkgs); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// byRestriction orders license types from the least restrictive to the most.
var byRestriction = []golicenses.Type{golicenses.Unencumbered, golicenses.Permissive, golicenses.Notice,
	golicenses.Reciprocal, golicenses.ByExceptionOnly, golicenses.Restricted, golicenses.Forbidden}

// identify fills in the first license file found above the module's packages.
func (s *Scanner) identify(l *artifacts.License, moduleDir string, pkgDirs []string) error {
	if moduleDir == "" {
		return nil
	}
	for _, dir := range append([]string{moduleDir}, pkgDirs...) {
		candidates, err := golicenses.FindCandidates(dir, moduleDir)
		if err != nil {
			return fmt.Errorf("licenses of %s: %w", l.Module, err)
		}
		for _, c := range candidates {
			found, err := s.classifier.Identify(c)
			if err != nil {
				return fmt.Errorf("licenses of %s: %w", l.Module, err)
			}
			if len(found) == 0 {
				continue
			}
			// A file with several licenses is as restricted as the most restrictive one.
			rank := -1
			for _, f := range found {
				l.Names = append(l.Names, f.Name)
				if r := slices.Index(byRestriction, f.Type); r > rank {
					rank = r
				}
			}
			if rank >= 0 {
				l.Type = string(byRestriction[rank])
			}
			l.File = filepath.Clean(c)
			return nil
		}
	}
	return nil
}
