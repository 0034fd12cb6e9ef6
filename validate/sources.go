package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// Sources checks sources.tar.gz: safe entries, the resolved manifest it was made from recording
// every dependency at the release manifest's SHA, and a folder with each dependency's tree and
// nothing else.
type Sources struct{}

// Name is "sources".
func (Sources) Name() string { return "sources" }

// Check implements [Checker].
func (Sources) Check(_ context.Context, d *release.Dir) error {
	m := d.Manifest
	if !m.Wants(manifest.OutputSources) || len(m.Dependencies) == 0 {
		return skip("the manifest asks for no sources")
	}
	rel := release.SourcesFile
	var errs []error
	problem := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(rel+": "+format, args...))
	}
	if !paths(d.Artifacts(manifest.OutputSources))[rel] {
		problem("not recorded in the manifest")
	}
	files := map[string]int{}
	var inner []byte
	err := walk(d, rel, archive.TarGz, func(e archive.Entry, r io.Reader) error {
		if err := archive.Check(e); err != nil {
			problem("%v", err)
			return nil
		}
		if e.Name == release.ManifestFile {
			var err error
			inner, err = archive.ReadAll(r, 16<<20)
			return err
		}
		top, _, _ := strings.Cut(e.Name, "/")
		if _, ok := m.Dependencies[top]; !ok {
			problem("%s is not in a dependency's folder", e.Name)
		} else if !e.Mode.IsDir() {
			files[top]++
		}
		return nil
	})
	if err != nil {
		problem("%v", missing(err))
		return errors.Join(errs...)
	}
	if inner == nil {
		problem("no %s: the sources must say what they are", release.ManifestFile)
		return errors.Join(errs...)
	}
	sm, err := manifest.Parse(bytes.NewReader(inner), rel+"/"+release.ManifestFile)
	if err != nil {
		problem("%v", err)
		return errors.Join(errs...)
	}
	for _, name := range m.DependencyNames() {
		want := m.Dependencies[name].Sha
		switch got := sm.Dependencies[name]; {
		case got == nil:
			problem("%s: dependency %s is missing", release.ManifestFile, name)
		case want != "" && got.Sha != want: // no sha is the manifest check's to report
			problem("%s: dependency %s at %s, the release is at %s", release.ManifestFile, name, got.Sha, want)
		}
		if files[name] == 0 {
			problem("no files of dependency %s", name)
		}
	}
	return errors.Join(errs...)
}
