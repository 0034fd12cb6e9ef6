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
		mod *module
		// local: replaced by a folder of the checkout (replace x => ./client).
		local bool
		pkgs  []string // package folders
	}
	modules := map[string]*found{}
	mainDir := ""
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
		if m.Main {
			mainDir = m.Dir
		}
		local := false
		if m.Replace != nil {
			local = m.Replace.Version == ""
			m = &module{Path: p.Module.Path, Version: m.Replace.Version, Dir: m.Replace.Dir, Main: p.Module.Main}
		}
		f, ok := modules[m.Path]
		if !ok {
			f = &found{mod: m, local: local}
			modules[m.Path] = f
		}
		pkgDir := p.Dir
		// A vendored module has no folder of its own in go list's answer: it is the
		// vendor/<module path> folder its packages are under. One replaced by a folder of
		// the checkout is that folder, where its packages' sources are too.
		vendored := string(filepath.Separator) + filepath.Join("vendor", filepath.FromSlash(m.Path))
		if i := strings.Index(p.Dir, vendored+string(filepath.Separator)); i >= 0 || strings.HasSuffix(p.Dir, vendored) {
			if i < 0 {
				i = len(p.Dir) - len(vendored)
			}
			root := p.Dir[:i+len(vendored)]
			switch {
			case local && f.mod.Dir != "":
				pkgDir = filepath.Join(f.mod.Dir, strings.TrimPrefix(p.Dir, root))
			case f.mod.Dir == "":
				cp := *f.mod
				cp.Dir = root
				f.mod = &cp
			}
		}
		f.pkgs = append(f.pkgs, pkgDir)
	}
	var out []artifacts.License
	for _, path := range slices.Sorted(maps.Keys(modules)) {
		f := modules[path]
		l := artifacts.License{Module: path, Version: f.mod.Version, Type: "unknown"}
		slices.Sort(f.pkgs)
		// A folder of the checkout is under the main module's license files too.
		root := f.mod.Dir
		if f.local && f.mod.Dir != "" {
			if rel, err := filepath.Rel(mainDir, f.mod.Dir); mainDir == "" || err != nil || !filepath.IsLocal(rel) {
				return nil, fmt.Errorf("licenses of %s: it is replaced by %s, a folder outside the main module", path, f.mod.Dir)
			}
			root = mainDir
		}
		if err := s.identify(&l, f.mod.Dir, root, f.pkgs); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// byRestriction orders license types from the least restrictive to the most.
var byRestriction = []golicenses.Type{golicenses.Unencumbered, golicenses.Permissive, golicenses.Notice,
	golicenses.Reciprocal, golicenses.ByExceptionOnly, golicenses.Restricted, golicenses.Forbidden}

// identify fills in the first license file found from the module's folder or its packages
// upwards, up to root (the module's folder, or the main module's for a folder of it).
func (s *Scanner) identify(l *artifacts.License, moduleDir, root string, pkgDirs []string) error {
	if moduleDir == "" {
		return nil
	}
	for _, dir := range append([]string{moduleDir}, pkgDirs...) {
		candidates, err := golicenses.FindCandidates(dir, root)
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
