package validate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// Archives checks every archive the manifest asks for: named as its spec says for each
// platform, recorded in the manifest, every entry under the top folder, no absolute or ".."
// names or links that leave the archive, and the binaries (executable) and listed files present.
type Archives struct{}

// Name is "archives".
func (Archives) Name() string { return "archives" }

// Check implements [Checker].
func (Archives) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if !m.Wants(manifest.OutputArchive) || len(m.Build.Archives) == 0 {
		return skip("the manifest asks for no archives")
	}
	recorded := paths(d.Artifacts(manifest.OutputArchive))
	var errs []error
	for i := range m.Build.Archives {
		spec := &m.Build.Archives[i]
		for _, pl := range m.ArchivePlatforms(spec) {
			rel, format, top, err := release.ArchivePath(m, spec, pl)
			if err != nil {
				errs = append(errs, fmt.Errorf("archive %s for %s: %w", spec.Name, pl, err))
				continue
			}
			if !recorded[rel] {
				errs = append(errs, fmt.Errorf("%s: archive %s for %s is not recorded in the manifest", rel, spec.Name, pl))
			}
			entries, err := listEntries(d, rel, archive.Format(format))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", rel, missing(err)))
				continue
			}
			errs = append(errs, checkArchive(m, spec, pl, rel, top, entries)...)
		}
	}
	return errors.Join(errs...)
}

// checkArchive checks the entries of one archive.
func checkArchive(m *manifest.Manifest, spec *manifest.Archive, pl, rel, top string, entries []archive.Entry) []error {
	var errs []error
	byName := map[string]archive.Entry{}
	for _, e := range entries {
		if err := archive.Check(e); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rel, err))
			continue
		}
		if top != "" && e.Name != top && !strings.HasPrefix(e.Name, top+"/") {
			errs = append(errs, fmt.Errorf("%s: %s is outside the top folder %s", rel, e.Name, top))
		}
		if _, dup := byName[e.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: %s appears twice", rel, e.Name))
		}
		byName[e.Name] = e
	}
	goos, _, _, _ := manifest.ParsePlatform(pl)
	for _, bin := range spec.Binaries {
		name := path.Join(top, spec.BinDir, release.BinaryFile(bin, goos))
		e, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: binary %s is missing", rel, name))
		case !e.Mode.IsRegular() || e.Mode&0o111 == 0:
			errs = append(errs, fmt.Errorf("%s: binary %s is not an executable file (%s)", rel, name, e.Mode))
		}
	}
	for _, f := range spec.Files {
		for _, inc := range f.Include {
			if strings.ContainsAny(inc, "*?[") {
				continue // a glob: what it matched is in the sources, not the manifest
			}
			name := path.Join(top, f.Dest, inc)
			if _, ok := byName[name]; !ok {
				errs = append(errs, fmt.Errorf("%s: %s is missing", rel, name))
			}
		}
	}
	return errs
}

// listEntries lists an archive's entries, unchecked, so that every bad one can be reported.
func listEntries(d *release.Dir, rel string, format archive.Format) ([]archive.Entry, error) {
	var out []archive.Entry
	err := walk(d, rel, format, func(e archive.Entry, _ io.Reader) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// copyEntry copies the content of the entry name of an archive to w.
func copyEntry(d *release.Dir, rel string, format archive.Format, name string, w io.Writer) error {
	found := false
	err := walk(d, rel, format, func(e archive.Entry, r io.Reader) error {
		if e.Name != name || found {
			return nil
		}
		found = true
		_, err := io.Copy(w, r)
		return err
	})
	if err == nil && !found {
		err = fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return err
}

// paths is the set of the artifacts' paths.
func paths(as []manifest.Artifact) map[string]bool {
	out := map[string]bool{}
	for _, a := range as {
		out[a.Path] = true
	}
	return out
}
