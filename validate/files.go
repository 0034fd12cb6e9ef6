package validate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/checksum"
	"github.com/releasekit/releasekit/internal/gitx"
)

// Manifest checks the resolved manifest: present, loads, every dependency at a full commit SHA
// (never a branch alone), built from committed sources, and every recorded artifact present.
type Manifest struct{}

// Name is "manifest".
func (Manifest) Name() string { return "manifest" }

// Check implements [Checker].
func (Manifest) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	var errs []error
	problem := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(release.ManifestFile+": "+format, args...))
	}
	if len(m.Dependencies) == 0 {
		problem("no dependencies: a release records what it was built from")
	}
	for _, name := range m.DependencyNames() {
		dep := m.Dependencies[name]
		switch {
		case dep == nil:
			problem("dependencies.%s: empty", name)
		case dep.Sha == "" && dep.Branch != "":
			problem("dependencies.%s: branch %q without a sha: a release records commits, not branches", name, dep.Branch)
		case !gitx.IsFullSHA(dep.Sha):
			problem("dependencies.%s: sha %q is not a full commit SHA", name, dep.Sha)
		case dep.Resolved == nil:
			problem("dependencies.%s: not resolved (no resolved: record)", name)
		case dep.Resolved.Dirty:
			problem("dependencies.%s: built from uncommitted changes at %s", name, dep.Sha)
		}
	}
	for _, a := range m.Artifacts {
		if a.Path == "" {
			continue // an image: the images check looks for it in the layout
		}
		f, err := d.Open(a.Path)
		if err != nil {
			problem("artifact %s: %v", a.Path, missing(err))
			continue
		}
		f.Close()
	}
	return errors.Join(errs...)
}

// missing shortens a stat error to "missing" when the file is not there.
func missing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("missing")
	}
	return err
}

// Checksums checks SHA256SUMS and every .sha256 file against the files, and that every file of
// the release and every artifact of the manifest is listed.
type Checksums struct{}

// Name is "checksums".
func (Checksums) Name() string { return "checksums" }

// Check implements [Checker].
func (Checksums) Check(ctx context.Context, d *release.Dir) error {
	actual, err := hashTree(ctx, d.Root())
	if err != nil {
		return err
	}
	var errs []error
	problem := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	sums, err := d.Sums()
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: missing", release.SumsFile)
	}
	if err != nil {
		return err
	}
	listed := map[string]string{}
	for _, s := range sums {
		listed[s.Path] = s.SHA256
	}
	for _, p := range slices.Sorted(maps.Keys(listed)) {
		got, ok := actual[p]
		switch {
		case !ok:
			problem("%s lists %s, which is missing", release.SumsFile, p)
		case got != listed[p]:
			problem("%s: sha256 %s, %s has %s", p, got, release.SumsFile, listed[p])
		}
	}
	for _, p := range slices.Sorted(maps.Keys(actual)) {
		if _, ok := listed[p]; !ok && p != release.SumsFile {
			problem("%s is not listed in %s", p, release.SumsFile)
		}
		if !strings.HasSuffix(p, ".sha256") {
			continue
		}
		file := strings.TrimSuffix(p, ".sha256")
		text, err := d.ReadFile(p)
		if err != nil {
			return err
		}
		sum, name, ok := strings.Cut(strings.TrimSpace(string(text)), "  ")
		switch {
		case !ok || name != path.Base(file):
			problem("%s: want %q", p, "<sha256>  "+path.Base(file))
		case actual[file] == "":
			problem("%s: %s is missing", p, file)
		case sum != actual[file]:
			problem("%s: %s has sha256 %s, not %s", p, file, actual[file], sum)
		}
	}
	for _, a := range d.Manifest.Artifacts {
		if a.SHA256 == "" {
			continue
		}
		if listed[a.Path] == "" {
			problem("artifact %s is not listed in %s", a.Path, release.SumsFile)
		} else if a.SHA256 != listed[a.Path] {
			problem("artifact %s: the manifest records sha256 %s, %s has %s", a.Path, a.SHA256, release.SumsFile, listed[a.Path])
		}
	}
	return errors.Join(errs...)
}

// hashTree returns the SHA-256 of every regular file under dir by slash-separated path. A
// symbolic link or other special file is an error: a release holds files only.
func hashTree(ctx context.Context, dir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case e.IsDir():
			return nil
		case !e.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file (%s)", rel, e.Type())
		}
		sum, err := checksum.File(p)
		if err != nil {
			return err
		}
		out[rel] = sum
		return nil
	})
	return out, err
}
