package artifacts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

// ErrNoTime is returned when the sources carry no commit time and none was given: a release is
// never stamped with the wall clock or the zero time.
var ErrNoTime = errors.New("no release time: the sources have no commit time and WithTime was not used")

// ErrInUse is wrapped by Build's error when another build writes to the release directory.
var ErrInUse = atomicfile.ErrLocked

// Set is what a build produced.
type Set struct {
	// Dir is the release directory.
	Dir string
	// Time is the timestamp of every output.
	Time time.Time
	// Manifest is the resolved manifest with its artifacts recorded, as written to release.ManifestFile.
	Manifest *manifest.Manifest
	// Artifacts are the outputs, sorted by path.
	Artifacts []Artifact
	// Images are the images in the release.ImagesDir layout, in manifest order.
	Images []Image
}

// Image is one image index the build assembled.
type Image struct {
	// Ref is the reference it is tagged with, e.g. registry.example/app:1.0.0.
	Ref    string
	Digest digest.Digest
	Reused bool
}

// Artifact is one output file.
type Artifact struct {
	// Path is relative to the release directory, with forward slashes.
	Path   string
	Kind   manifest.Output
	Size   int64
	SHA256 string
	// Reused is set when the file was already there, built from the same inputs.
	Reused bool
}

// Build makes every output res's manifest asks for under out, then writes a .sha256 file beside
// each, the resolved manifest with every artifact's digest, and SHA256SUMS. Each file appears
// complete or not at all, and outputs whose inputs are unchanged since the last build are kept.
// One build at a time writes to out (another fails with an error wrapping ErrInUse, naming the
// process), and a build first removes the temporary files a killed one left.
// Problems in the build spec that need the sources to see (a package that does not exist, a glob
// that matches nothing) are all reported, with their positions, before anything is built.
func Build(ctx context.Context, res *resolve.Result, out string, opts ...Option) (*Set, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if o.time.IsZero() {
		o.time = res.Time().UTC()
	}
	if o.time.IsZero() {
		return nil, ErrNoTime
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	if o.work == "" {
		o.work = filepath.Join(filepath.Dir(out), "work")
	}
	b := &builder{o: o, m: res.Manifest.Clone(), out: out, sources: map[string]*source{}, env: o.env,
		versions: &goVersions{m: map[string]*goVersionResult{}}, lock: digest.NewLock()}
	if b.env == nil {
		b.env = os.Environ()
	}
	for _, s := range res.Sources {
		b.sources[s.Name] = &source{Source: s}
	}
	resolved, err := res.Manifest.Marshal()
	if err != nil {
		return nil, err
	}
	if err := b.plan(ctx, resolved); err != nil {
		return nil, err
	}
	for _, dir := range []string{out, o.work} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	// One build per release directory at a time; the lock is beside it, not in it.
	unlock, err := atomicfile.Lock(filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".lock"))
	if err != nil {
		return nil, fmt.Errorf("release directory %s: %w", out, err)
	}
	defer unlock()
	// What a build cut short (killed) left behind.
	if err := os.RemoveAll(filepath.Join(out, "."+release.ImagesDir+".tmp")); err != nil {
		return nil, err
	}
	for _, dir := range []string{out, o.work} {
		if _, err := atomicfile.Clean(dir); err != nil {
			return nil, err
		}
	}
	stages, _ := filepath.Glob(filepath.Join(o.work, "stage-*"))
	for _, dir := range stages {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	}
	b.progress = newProgress(o.progress, b.count)
	defer b.progress.done()
	for _, step := range b.steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return b.finish()
}

// builder holds one build.
type builder struct {
	o        options
	m        *manifest.Manifest
	out      string
	env      []string
	sources  map[string]*source
	steps    []func(context.Context) error
	count    int // artifacts planned, for progress
	progress *progress
	problems []*manifest.Error

	binaries    []*binary
	archives    []*archiveJob
	packages    []*packageJob
	commands    []*commandJob
	licenseJobs []*licenseJob
	dashboards  []*dashboardJob
	scans       []*scanJob
	packing     []func(context.Context) error // archives and packages, run by pack
	images      []*imageJob
	// windowsFiles are the files copied out of Windows images, by image digest and path: read
	// once, however many images and entries take them.
	windowsFiles map[string]map[string][]byte
	versions     *goVersions
	charts       []*chartJob
	// assembles is set when this build assembles the images (markNeeded).
	assembles bool

	mu        sync.Mutex
	artifacts []Artifact
	built     []Image
	// layoutFiles are files of the release.ImagesDir layout: listed in release.SumsFile, without .sha256 files.
	layoutFiles []release.Sum
	// lock records the third-party image digests charts were pinned to.
	lock *digest.Lock
}

// source is a dependency's tree and what was learned about it.
type source struct {
	resolve.Source
	once  sync.Once
	files []string // tracked paths, slash-separated, sorted
	id    string   // identifies the content: the commit, or a hash of the files when dirty
	err   error
}

// tree lists the files of s once: what git tracks, plus new files when the tree is dirty.
func (s *source) tree(ctx context.Context) ([]string, string, error) {
	s.once.Do(func() { s.files, s.id, s.err = listTree(ctx, s.Source) })
	return s.files, s.id, s.err
}

func (b *builder) source(dep string) (*source, error) {
	s, ok := b.sources[dep]
	if !ok {
		return nil, fmt.Errorf("dependency %q has no resolved source", dep)
	}
	return s, nil
}

func (b *builder) data(name, dep, goos, goarch string) manifest.TemplateData {
	return b.m.TemplateData(name, dep, goos, goarch)
}

// record adds a finished output.
func (b *builder) record(a Artifact) {
	b.mu.Lock()
	b.artifacts = append(b.artifacts, a)
	b.mu.Unlock()
}

// finish records the build in the release directory: the .sha256 files, the lock, the manifest
// with the release time and artifacts, and SHA256SUMS.
func (b *builder) finish() (*Set, error) {
	if err := b.writeProvenance(); err != nil {
		return nil, err
	}
	slices.SortFunc(b.artifacts, func(x, y Artifact) int { return strings.Compare(x.Path, y.Path) })
	rec := release.Record{Manifest: b.m, Time: b.o.time, Layout: b.layoutFiles, Lock: b.lock}
	for _, a := range b.artifacts {
		rec.Files = append(rec.Files, manifest.Artifact{Path: a.Path, Kind: a.Kind, SHA256: a.SHA256})
	}
	for _, im := range b.built {
		rec.Images = append(rec.Images, manifest.Artifact{Image: im.Ref, Kind: manifest.OutputDocker, Digest: string(im.Digest)})
	}
	m, err := release.Write(b.out, rec)
	if err != nil {
		return nil, err
	}
	return &Set{Dir: b.out, Time: b.o.time, Manifest: m, Artifacts: b.artifacts, Images: b.built}, nil
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// key hashes the inputs of an artifact: any change to one gives another key.
func key(parts ...string) string {
	h := sha256.New()
	io.WriteString(h, "releasekit artifacts 1\x00")
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}
