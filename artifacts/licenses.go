package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/manifest"
)

// LicenseScanner finds the licenses of the modules that Go packages link, offline. Package
// artifacts/licenses implements it with go-licenses.
type LicenseScanner interface {
	// Scan lists the modules linked by pkgs (import paths or ./ patterns) built in dir with env.
	Scan(ctx context.Context, dir string, env []string, pkgs ...string) ([]License, error)
}

// License is the license of one module, as a license bundle records it ([release.License]).
type License = release.License

type licenseJob struct {
	dep       string
	rel       string
	pkgs      []string
	platforms []string
}

// planLicenses queues licenses/<dependency>.tar.gz for every dependency with binaries, or those listed.
func (b *builder) planLicenses() {
	l := b.m.Build.Licenses
	if l == nil || !b.m.Wants(manifest.OutputLicenses) {
		return
	}
	deps := b.m.LicenseDependencies()
	if b.o.licenses == nil {
		b.problem(l.Pos.Errorf("", "no license scanner (use artifacts.WithLicenseScanner)"))
		return
	}
	for _, dep := range deps {
		j := &licenseJob{dep: dep, rel: release.LicensesPath(dep)}
		for _, x := range b.binaries {
			if x.spec.Dependency != dep {
				continue
			}
			if !slices.Contains(j.pkgs, x.spec.Package) {
				j.pkgs = append(j.pkgs, x.spec.Package)
			}
			if !slices.Contains(j.platforms, x.platform) {
				j.platforms = append(j.platforms, x.platform)
			}
		}
		if len(j.pkgs) == 0 {
			j.pkgs, j.platforms = []string{"./..."}, []string{"linux/amd64"}
		}
		slices.Sort(j.pkgs)
		slices.Sort(j.platforms)
		b.licenseJobs = append(b.licenseJobs, j)
		b.count++
	}
	b.steps = append(b.steps, b.buildLicenses)
}

func (b *builder) buildLicenses(ctx context.Context) error {
	forbid := b.m.Build.Licenses.Forbid
	for _, j := range b.licenseJobs {
		s, err := b.source(j.dep)
		if err != nil {
			return err
		}
		_, id, err := s.tree(ctx)
		if err != nil {
			return err
		}
		k := key("licenses", id, b.o.time.String(), fmt.Sprintf("%T", b.o.licenses), strings.Join(j.pkgs, ","),
			strings.Join(j.platforms, ","), strings.Join(forbid, ","))
		err = b.produce(ctx, j.rel, manifest.OutputLicenses, k, func(w io.Writer) error {
			found, err := b.scan(ctx, s.Dir, j)
			if err != nil {
				return err
			}
			var banned []string
			for _, l := range found {
				if slices.Contains(forbid, l.Type) {
					banned = append(banned, fmt.Sprintf("%s (%s, %s)", l.Module, strings.Join(l.Names, ", "), l.Type))
				}
			}
			if len(banned) > 0 {
				return fmt.Errorf("forbidden licenses in %s: %s", j.dep, strings.Join(banned, "; "))
			}
			return writeLicenses(w, j.dep, found, b.o.time)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scan merges the modules linked on every platform of the dependency's binaries.
func (b *builder) scan(ctx context.Context, dir string, j *licenseJob) ([]License, error) {
	byModule := map[string]License{}
	for _, pl := range j.platforms {
		goos, goarch, variant, _ := manifest.ParsePlatform(pl)
		env := append(b.goEnv(dir, goos, goarch, variant, ""), "GOPROXY=off")
		found, err := b.o.licenses.Scan(ctx, dir, env, j.pkgs...)
		if err != nil {
			return nil, fmt.Errorf("licenses of %s for %s: %w", j.dep, pl, err)
		}
		for _, l := range found {
			byModule[l.Module] = l
		}
	}
	out := make([]License, 0, len(byModule))
	for _, m := range slices.Sorted(maps.Keys(byModule)) {
		out = append(out, byModule[m])
	}
	return out, nil
}

// writeLicenses writes the bundle: every license text under <dep>/<module>/, and licenses.json.
func writeLicenses(w io.Writer, dep string, found []License, mtime time.Time) error {
	var entries []archive.Entry
	for i, l := range found {
		if l.File != "" {
			found[i].Path = path.Join(dep, l.Module, path.Base(strings.ReplaceAll(l.File, `\`, "/")))
			entries = append(entries, archive.Entry{Name: found[i].Path, Src: l.File})
		}
	}
	summary, err := json.MarshalIndent(found, "", "  ")
	if err != nil {
		return err
	}
	entries = append(entries, archive.Entry{Name: path.Join(dep, "licenses.json"), Data: append(bytes.TrimSpace(summary), '\n')})
	return archive.Write(w, archive.TarGz, entries, mtime)
}
