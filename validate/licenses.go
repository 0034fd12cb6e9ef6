package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// Licenses checks the license bundles: one per dependency with Go binaries (or as
// licenses.dependencies lists), each listing, in licenses.json, every module the archived
// binaries of that dependency link (from their build information), with its license text in the
// bundle and a license type that is not forbidden.
type Licenses struct {
	// Forbid lists the license types that fail; nil means "unknown" and the manifest's
	// licenses.forbid.
	Forbid []string
}

// Name is "licenses".
func (Licenses) Name() string { return "licenses" }

// Check implements [Checker].
func (l Licenses) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if m.Build.Licenses == nil || !m.Wants(manifest.OutputLicenses) {
		return skip("the manifest asks for no license bundles")
	}
	forbid := l.Forbid
	if forbid == nil {
		forbid = append([]string{"unknown"}, m.Build.Licenses.Forbid...)
	}
	recorded := paths(d.Artifacts(manifest.OutputLicenses))
	var errs []error
	for _, dep := range m.LicenseDependencies() {
		rel := release.LicensesPath(dep)
		if !recorded[rel] {
			errs = append(errs, fmt.Errorf("%s: the license bundle of %s is not recorded in the manifest", rel, dep))
		}
		found, texts, err := readBundle(d, rel, dep)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, missing(err)))
			continue
		}
		listed := map[string]bool{}
		for _, x := range found {
			listed[x.Module] = true
			switch {
			case slices.Contains(forbid, x.Type):
				errs = append(errs, fmt.Errorf("%s: %s has license %s of type %s, which is forbidden", rel, x.Module, strings.Join(x.Names, ", "), x.Type))
			case x.Path == "":
				errs = append(errs, fmt.Errorf("%s: %s has no license text", rel, x.Module))
			case !texts[x.Path]:
				errs = append(errs, fmt.Errorf("%s: %s: %s is not in the bundle", rel, x.Module, x.Path))
			}
		}
		for _, mod := range linkedModules(d, dep) {
			if !listed[mod] {
				errs = append(errs, fmt.Errorf("%s: module %s is linked into %s's binaries but has no license entry", rel, mod, dep))
			}
		}
	}
	return errors.Join(errs...)
}

// readBundle reads a license bundle's licenses.json and the set of its files.
func readBundle(d *release.Dir, rel, dep string) ([]release.License, map[string]bool, error) {
	var summary []byte
	texts := map[string]bool{}
	err := walk(d, rel, archive.TarGz, func(e archive.Entry, r io.Reader) error {
		if err := archive.Check(e); err != nil {
			return err
		}
		if !e.Mode.IsRegular() {
			return nil
		}
		texts[e.Name] = true
		if e.Name == path.Join(dep, "licenses.json") {
			var err error
			summary, err = archive.ReadAll(r, 64<<20)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if summary == nil {
		return nil, nil, fmt.Errorf("no %s/licenses.json", dep)
	}
	var found []release.License
	if err := json.Unmarshal(summary, &found); err != nil {
		return nil, nil, fmt.Errorf("%s/licenses.json: %w", dep, err)
	}
	return found, texts, nil
}

// linkedModules lists the modules the archived binaries of dep link, from their build
// information: the main module and every dependency, sorted.
func linkedModules(d *release.Dir, dep string) []string {
	var mods []string
	for _, c := range binaryCopies(d.Manifest) {
		if c.spec.Dependency != dep || c.format == "deb" {
			continue
		}
		info, err := c.buildInfo(d)
		if err != nil {
			continue // the archives and binaries checks report it
		}
		if info.Main.Path != "" {
			mods = append(mods, info.Main.Path)
		}
		for _, x := range info.Deps {
			mods = append(mods, x.Path)
		}
	}
	slices.Sort(mods)
	return slices.Compact(mods)
}
