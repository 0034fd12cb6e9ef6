package publish

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/internal/checksum"
	"github.com/releasekit/releasekit/manifest"
)

// Release is a built release directory, read back for publishing: the contract between the
// machine that builds and the one that publishes.
type Release struct {
	// Dir is the release directory.
	Dir string
	// Manifest is the resolved manifest the release was built from, with its artifacts.
	Manifest *manifest.Manifest
	// Version is the release version.
	Version string
	// Time is the release's timestamp: the newest commit time of its dependencies.
	Time time.Time
	// Files are the outputs listed in SHA256SUMS (the image layout excepted), SHA256SUMS itself
	// and the manifest, each once, sorted by path.
	Files []File
	// Images are the images of the release's OCI layout, sorted by name.
	Images []Image
	// Charts are the packaged Helm charts, sorted by path.
	Charts []Chart
}

// File is one output file of a release.
type File struct {
	// Path is slash-separated and relative to the release directory.
	Path string
	// SHA256 is the hex digest recorded in SHA256SUMS.
	SHA256 string
	// Size is the file's size in bytes.
	Size int64
}

// Image is one image (or multi-arch index) of the release's OCI layout.
type Image struct {
	// Name is the image's name under the release's docker hub, e.g. "pilot" or "tools/proxy".
	Name string
	// Ref is the reference it was built as, e.g. "docker.io/istio/pilot:1.2.3".
	Ref string
	// Digest is its manifest digest.
	Digest v1.Hash
	// Index is set for a multi-arch image; Image otherwise.
	Index v1.ImageIndex
	Image v1.Image
}

// Chart is one packaged Helm chart of a release.
type Chart struct {
	// Path is the .tgz, relative to the release directory.
	Path string
	// Name and Version come from the packaged Chart.yaml.
	Name, Version string
	// SHA256 is the hex digest of the .tgz.
	SHA256 string
	// Metadata is the packaged Chart.yaml, as parsed YAML.
	Metadata map[string]any
}

// Open reads a release directory: its manifest, SHA256SUMS, image layout and charts. Targets
// check each file against SHA256SUMS as they send it, so a damaged file is never published.
func Open(dir string) (*Release, error) {
	m, err := manifest.Load(filepath.Join(dir, artifacts.ManifestFile))
	if err != nil {
		return nil, err
	}
	r := &Release{Dir: dir, Manifest: m, Version: m.Version}
	for _, name := range m.DependencyNames() {
		d := m.Dependencies[name]
		if d.Resolved == nil || d.Resolved.CommitTime == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, d.Resolved.CommitTime)
		if err != nil {
			return nil, fmt.Errorf("%s: dependencies.%s.resolved.commitTime: %w", artifacts.ManifestFile, name, err)
		}
		if t.After(r.Time) {
			r.Time = t.UTC()
		}
	}
	if r.Time.IsZero() {
		return nil, fmt.Errorf("%s: no dependency records its commit time: is this a resolved manifest?", filepath.Join(dir, artifacts.ManifestFile))
	}
	if err := r.readFiles(); err != nil {
		return nil, err
	}
	if err := r.readImages(); err != nil {
		return nil, err
	}
	if err := r.readCharts(); err != nil {
		return nil, err
	}
	return r, nil
}

// readFiles reads SHA256SUMS; the layout's own files are published as images, not files.
func (r *Release) readFiles() error {
	sumsPath := filepath.Join(r.Dir, artifacts.SumsFile)
	f, err := os.Open(sumsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	sums, err := artifacts.ParseSums(f)
	if err != nil {
		return err
	}
	for _, s := range sums {
		if !inLayout(s.Path) {
			r.Files = append(r.Files, File{Path: s.Path, SHA256: s.SHA256})
		}
	}
	for _, p := range []string{artifacts.SumsFile, artifacts.ManifestFile} {
		if slices.ContainsFunc(r.Files, func(f File) bool { return f.Path == p }) {
			continue
		}
		sum, err := checksum.File(filepath.Join(r.Dir, p))
		if err != nil {
			return err
		}
		r.Files = append(r.Files, File{Path: p, SHA256: sum})
	}
	slices.SortFunc(r.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := range r.Files {
		fi, err := os.Stat(r.path(r.Files[i].Path))
		if err != nil {
			return err
		}
		r.Files[i].Size = fi.Size()
	}
	return nil
}

// inLayout reports whether p is one of the OCI layout's files (docker tarballs are not).
func inLayout(p string) bool {
	rest, ok := strings.CutPrefix(p, artifacts.ImagesDir+"/")
	return ok && (rest == "index.json" || rest == "oci-layout" || strings.HasPrefix(rest, "blobs/"))
}

func (r *Release) path(p string) string { return filepath.Join(r.Dir, filepath.FromSlash(p)) }

// readFile reads the release file p and checks it has the SHA-256 the release records.
func (r *Release) readFile(p, sha string) ([]byte, error) {
	data, err := os.ReadFile(r.path(p))
	if err != nil {
		return nil, err
	}
	if got := checksum.Bytes(data); got != sha {
		return nil, fmt.Errorf("%s: sha256 %s, the release records %s", p, got, sha)
	}
	return data, nil
}

func (r *Release) readImages() error {
	dir := filepath.Join(r.Dir, artifacts.ImagesDir)
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		return fmt.Errorf("image layout %s: %w", dir, err)
	}
	root, err := p.ImageIndex()
	if err != nil {
		return fmt.Errorf("image layout %s: %w", dir, err)
	}
	im, err := root.IndexManifest()
	if err != nil {
		return fmt.Errorf("image layout %s: %w", dir, err)
	}
	for _, d := range im.Manifests {
		ref := d.Annotations["org.opencontainers.image.ref.name"]
		if ref == "" {
			continue
		}
		img := Image{Name: imageName(r.Manifest.Docker, ref), Ref: ref, Digest: d.Digest}
		switch {
		case d.MediaType.IsIndex():
			img.Index, err = root.ImageIndex(d.Digest)
		case d.MediaType.IsImage():
			img.Image, err = root.Image(d.Digest)
		default:
			err = fmt.Errorf("unsupported media type %s", d.MediaType)
		}
		if err != nil {
			return fmt.Errorf("image layout %s: %s: %w", dir, ref, err)
		}
		r.Images = append(r.Images, img)
	}
	slices.SortFunc(r.Images, func(a, b Image) int { return strings.Compare(a.Name, b.Name) })
	return nil
}

// imageName is ref's repository without the hub it was built under (or its last element when
// it was built elsewhere), and without tag or digest.
func imageName(hub, ref string) string {
	repo := ref
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	if rest, ok := strings.CutPrefix(repo, strings.TrimSuffix(hub, "/")+"/"); ok && hub != "" {
		return rest
	}
	return path.Base(repo)
}

func (r *Release) readCharts() error {
	for _, a := range r.Manifest.Artifacts {
		if a.Kind != manifest.OutputHelm {
			continue
		}
		meta, err := chartMetadata(r.path(a.Path))
		if err != nil {
			return fmt.Errorf("chart %s: %w", a.Path, err)
		}
		name, _ := meta["name"].(string)
		version, _ := meta["version"].(string)
		if name == "" || version == "" {
			return fmt.Errorf("chart %s: Chart.yaml has no name or version", a.Path)
		}
		r.Charts = append(r.Charts, Chart{Path: a.Path, Name: name, Version: version, SHA256: a.SHA256, Metadata: meta})
	}
	slices.SortFunc(r.Charts, func(a, b Chart) int { return strings.Compare(a.Path, b.Path) })
	return nil
}

// chartMetadata reads <chart>/Chart.yaml from a packaged chart.
func chartMetadata(file string) (map[string]any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("no Chart.yaml")
		}
		if err != nil {
			return nil, err
		}
		if dir, base := path.Split(h.Name); base != "Chart.yaml" || strings.Count(dir, "/") != 1 {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, 1<<20))
		if err != nil {
			return nil, err
		}
		var meta map[string]any
		if err := yaml.Unmarshal(data, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", h.Name, err)
		}
		return meta, nil
	}
}
