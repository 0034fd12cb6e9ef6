package artifacts

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/artifacts/provenance"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/sbom"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/internal/gitx"
	"github.com/releasekit/releasekit/manifest"
)

// planSBOMs queues the bills of materials, unless the manifest skips them. They describe what
// the other steps made, so they come last.
func (b *builder) planSBOMs() {
	if b.m.SkipGenerateBillOfMaterials {
		return
	}
	b.count += len(release.SBOMPaths(b.m))
	b.steps = append(b.steps, b.writeSBOMs)
}

// info describes a compiled binary from its build information, once.
func (b *builder) info(x *binary) (sbom.Binary, error) {
	if x.info != nil {
		return *x.info, nil
	}
	bi, err := buildinfo.ReadFile(x.path)
	if err != nil {
		return sbom.Binary{}, fmt.Errorf("binary %s for %s: build information: %w", x.spec.Name, x.platform, err)
	}
	sum, err := fileSHA256(x.path)
	if err != nil {
		return sbom.Binary{}, err
	}
	info := sbom.FromBuildInfo(x.fileName(), x.platform, sum, bi)
	x.info = &info
	return info, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (b *builder) writeSBOMs(ctx context.Context) error {
	write := func(rel string, doc func() (*sbom.Document, error)) error {
		d, err := doc()
		if err != nil {
			return err
		}
		data, err := sbom.Marshal(d)
		if err != nil {
			return err
		}
		// A bill of materials follows what it describes, which the caller checked was built.
		return b.produceOutput(ctx, rel, manifest.OutputSBOM, key("sbom", sha(data)), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	for _, x := range b.binaries {
		if !x.needed {
			continue
		}
		err := write(release.BinarySBOMPath(x.spec.Name, x.platform), func() (*sbom.Document, error) {
			info, err := b.info(x)
			return sbom.ForBinary(info, b.o.time), err
		})
		if err != nil {
			return err
		}
	}
	for _, j := range b.images {
		if !b.assembles || !b.o.sel.picksKind(manifest.OutputDocker) {
			break
		}
		if err := write(release.ImageSBOMPath(j.name), func() (*sbom.Document, error) { return b.imageSBOM(j) }); err != nil {
			return err
		}
	}
	if slices.Contains(release.SBOMPaths(b.m), release.SourcesSBOM) && b.o.sel.picks(manifest.OutputSources, release.SourcesFile, "") {
		var sources []sbom.Source
		for _, name := range b.m.DependencyNames() {
			d := b.m.Dependencies[name]
			sources = append(sources, sbom.Source{Name: name, URL: gitx.RedactURL(d.Git), SHA: d.Sha})
		}
		return write(release.SourcesSBOM, func() (*sbom.Document, error) { return sbom.ForSources("release", b.m.Version, sources, b.o.time), nil })
	}
	return nil
}

// imageSBOM describes an image: its base, its binaries for every platform and its files.
func (b *builder) imageSBOM(j *imageJob) (*sbom.Document, error) {
	im := sbom.Image{Ref: j.ref, Digest: string(j.digest), Base: b.baseName(j)}
	if w := j.spec.Windows; w != nil {
		for _, ref := range w.Bases {
			im.Bases = append(im.Bases, b.refName(ref))
		}
	}
	for _, pl := range slices.Concat(j.platforms, j.windows) {
		for _, name := range j.spec.Binaries {
			x, ok := b.binary(name, pl)
			if !ok {
				continue
			}
			info, err := b.info(x)
			if err != nil {
				return nil, err
			}
			im.Binaries = append(im.Binaries, info)
		}
	}
	for _, e := range j.files {
		var sum string
		switch {
		case e.Data != nil:
			sum = sha(e.Data)
		case e.Src != "" && e.Mode.IsRegular():
			var err error
			if sum, err = fileSHA256(e.Src); err != nil {
				return nil, err
			}
		default:
			continue
		}
		im.Files = append(im.Files, sbom.File{Path: e.Name, SHA256: sum})
	}
	return sbom.ForImage(im, b.o.time), nil
}

// baseName is an image's base by digest as a release may name it: a registry reference, or for
// an OCI layout its folder's name (a host path must not reach an output); "" for scratch.
func (b *builder) baseName(j *imageJob) string {
	if j.base == "scratch" {
		return ""
	}
	return b.refName(j.base)
}

// writeProvenance writes the release's provenance, when the caller names a builder: every
// output so far and every image as subjects; the sources, base images, toolchains and modules
// as resolved dependencies; the resolved manifest as the external parameters.
func (b *builder) writeProvenance() error {
	if b.o.builder == "" || b.o.sel != nil {
		return nil // a shard's provenance is written by Merge
	}
	var subjects []provenance.Subject
	for _, a := range b.artifacts {
		subjects = append(subjects, provenance.Subject{Name: a.Path, Digest: map[string]string{"sha256": a.SHA256}})
	}
	for _, im := range b.built {
		alg, hexDigest, _ := strings.Cut(string(im.Digest), ":")
		subjects = append(subjects, provenance.Subject{Name: im.Ref, Digest: map[string]string{alg: hexDigest}})
	}
	deps, err := b.resolvedDependencies()
	if err != nil {
		return err
	}
	text, err := b.m.Marshal()
	if err != nil {
		return err
	}
	var m map[string]any
	if err := yaml.Unmarshal(text, &m); err != nil {
		return err
	}
	data, err := provenance.Marshal(provenance.Build{BuilderID: b.o.builder, Subjects: subjects, Dependencies: deps,
		Parameters: map[string]any{"manifest": m, "releaseTime": b.o.time.UTC().Format(time.RFC3339)}})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(b.out, release.ProvenanceFile), data, 0o644); err != nil {
		return err
	}
	b.record(Artifact{Path: release.ProvenanceFile, Kind: manifest.OutputProvenance, Size: int64(len(data)), SHA256: sha(data)})
	return nil
}

// resolvedDependencies lists what the build took in: each source at its commit, each base image
// by digest, each Go toolchain, and each module compiled in, sorted within each kind.
func (b *builder) resolvedDependencies() ([]provenance.Dependency, error) {
	var deps []provenance.Dependency
	for _, name := range b.m.DependencyNames() {
		d := b.m.Dependencies[name]
		dep := provenance.Dependency{Name: name, Digest: map[string]string{"gitCommit": d.Sha}}
		if d.Git != "" {
			dep.URI = "git+" + gitx.RedactURL(d.Git)
		}
		deps = append(deps, dep)
	}
	bases := map[string]bool{}
	for _, j := range b.images {
		names := []string{b.baseName(j)}
		if w := j.spec.Windows; w != nil {
			for _, ref := range slices.Concat(w.Bases, copySources(w)) {
				names = append(names, b.refName(ref))
			}
		}
		for _, base := range names {
			if base == "" || bases[base] {
				continue
			}
			bases[base] = true
			repo, dig, _ := strings.Cut(base, "@")
			alg, hexDigest, _ := strings.Cut(dig, ":")
			deps = append(deps, provenance.Dependency{Name: repo, URI: base, Digest: map[string]string{alg: hexDigest}})
		}
	}
	toolchains := map[string]bool{}
	modules := map[string]sbom.Module{}
	for _, x := range b.binaries {
		info, err := b.info(x)
		if err != nil {
			return nil, err
		}
		toolchains[info.GoVersion] = true
		for _, m := range info.Deps {
			modules[m.Path+"@"+m.Version] = m
		}
	}
	for _, v := range slices.Sorted(maps.Keys(toolchains)) {
		deps = append(deps, provenance.Dependency{Name: "go", URI: "pkg:golang/stdlib@" + v})
	}
	for _, k := range slices.Sorted(maps.Keys(modules)) {
		m := modules[k]
		dep := provenance.Dependency{Name: m.Path, URI: "pkg:golang/" + m.Path + "@" + m.Version}
		if h, ok := sbom.H1SHA256(m.Sum); ok {
			dep.Digest = map[string]string{"dirHash": h}
		}
		deps = append(deps, dep)
	}
	return deps, nil
}
