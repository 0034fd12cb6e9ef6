package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/fserr"
	"github.com/releasekit/releasekit/manifest"
)

// The files every release directory holds besides its outputs.
const (
	// ManifestFile is the resolved manifest, with the release time and every artifact's digest.
	ManifestFile = "manifest.yaml"
	// SumsFile lists the SHA-256 of every other file of the release, in sha256sum's format.
	SumsFile = "SHA256SUMS"
	// LockFile records the digests of the third-party images the build pinned, so that the
	// release is checked, and rebuilt, without asking a registry. Present when there are some.
	LockFile = "images.lock.yaml"
	// ImagesDir is the OCI image layout holding every image of the release.
	ImagesDir = "docker"
)

// Dir is a built release directory, opened for reading. Checks and publish targets receive
// the same value; it reads each part (the layout, the charts, the lock) once, when first asked.
type Dir struct {
	root string
	// Manifest is the resolved manifest of the release, with its artifacts.
	Manifest *manifest.Manifest
	// Time is the release time the manifest records: the timestamp of every output.
	Time time.Time

	sums   cached[[]Sum]
	layout cached[*Layout]
	charts cached[[]Chart]
	lock   cached[*digest.Lock]
}

// cached is a part of a directory read at most once.
type cached[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (c *cached[T]) get(read func() (T, error)) (T, error) {
	c.once.Do(func() { c.v, c.err = read() })
	return c.v, c.err
}

// ErrNoManifest is wrapped by Open's error when the directory has no manifest.
var ErrNoManifest = errors.New("the release directory must hold its resolved manifest")

// Open reads the release directory dir: its manifest, which must record the release time.
// Everything else is read when asked for.
func Open(dir string) (*Dir, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("release directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("release directory %s: not a directory", dir)
	}
	d := &Dir{root: dir}
	data, err := d.ReadFile(ManifestFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: missing: %w", ManifestFile, ErrNoManifest)
	}
	if err != nil {
		return nil, err
	}
	if d.Manifest, err = manifest.Parse(bytes.NewReader(data), ManifestFile); err != nil {
		return nil, err
	}
	if d.Manifest.ReleaseTime == "" {
		return nil, fmt.Errorf("%s: no releaseTime: not the manifest of a built release", ManifestFile)
	}
	// Parse checked the format.
	d.Time, _ = time.Parse(time.RFC3339, d.Manifest.ReleaseTime)
	d.Time = d.Time.UTC()
	return d, nil
}

// Root is the directory's path on this host.
func (d *Dir) Root() string { return d.root }

// Path is the host path of rel, a slash-separated path in the release directory, for tools that
// need a file name. rel must be a clean relative path; reading through [Dir.Open] also refuses a
// symbolic link that leads out of the directory.
func (d *Dir) Path(rel string) (string, error) {
	if err := archive.CheckName(rel); err != nil {
		return "", fmt.Errorf("release file %q: %w", rel, err)
	}
	return filepath.Join(d.root, filepath.FromSlash(rel)), nil
}

// Open opens rel, a slash-separated path in the release directory, for reading. Only a regular
// file inside the directory opens: a path that leads out of it, a symbolic link (even to a file
// inside) or a special file is an error, so that nothing but the release's own files is ever
// read, checked or published.
func (d *Dir) Open(rel string) (*os.File, error) {
	if err := archive.CheckName(rel); err != nil {
		return nil, fmt.Errorf("release file %q: %w", rel, err)
	}
	name := filepath.FromSlash(rel)
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, fmt.Errorf("release directory: %w", fserr.Unwrap(err))
	}
	defer root.Close()
	st, err := root.Lstat(name)
	if err != nil {
		return nil, fmt.Errorf("release file %s: %w", rel, fserr.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("release file %s: %w", rel, errNotRegular(st.Mode()))
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("release file %s: %w", rel, fserr.Unwrap(err))
	}
	// The file opened is the one looked at, not one swapped in meanwhile.
	if opened, err := f.Stat(); err != nil || !os.SameFile(st, opened) {
		f.Close()
		return nil, fmt.Errorf("release file %s: changed while it was opened", rel)
	}
	return f, nil
}

// ErrNotRegular is wrapped by the error of opening a release file that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

func errNotRegular(m fs.FileMode) error {
	if m&fs.ModeSymlink != 0 {
		return fmt.Errorf("%w: a symbolic link", ErrNotRegular)
	}
	return fmt.Errorf("%w (%s)", ErrNotRegular, m.Type())
}

// ReadLimit bounds what ReadFile reads into memory: the manifest, SHA256SUMS, the lock, charts,
// dashboards. Archives, packages and images are read as streams, through Open.
const ReadLimit = 64 << 20

// ReadFile reads rel, a slash-separated path in the release directory, up to ReadLimit bytes.
func (d *Dir) ReadFile(rel string) ([]byte, error) {
	f, err := d.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := archive.ReadAll(f, ReadLimit)
	if err != nil {
		return nil, fmt.Errorf("release file %s: %w", rel, err)
	}
	return data, nil
}

// Sums are the lines of SumsFile, in file order.
func (d *Dir) Sums() ([]Sum, error) {
	return d.sums.get(func() ([]Sum, error) {
		data, err := d.ReadFile(SumsFile)
		if err != nil {
			return nil, err
		}
		return ParseSums(bytes.NewReader(data))
	})
}

// Sum is the SHA-256 SumsFile records for rel.
func (d *Dir) Sum(rel string) (string, error) {
	sums, err := d.Sums()
	if err != nil {
		return "", err
	}
	for _, s := range sums {
		if s.Path == rel {
			return s.SHA256, nil
		}
	}
	return "", fmt.Errorf("%s is not listed in %s", rel, SumsFile)
}

// Artifacts are the manifest's recorded artifacts of kind o, in manifest order.
func (d *Dir) Artifacts(o manifest.Output) []manifest.Artifact {
	var out []manifest.Artifact
	for _, a := range d.Manifest.Artifacts {
		if a.Kind == o {
			out = append(out, a)
		}
	}
	return out
}

// File is one file of a release.
type File struct {
	// Path is slash-separated and relative to the release directory.
	Path string
	// SHA256 is the hex digest SumsFile records (computed for SumsFile itself).
	SHA256 string
	// Size is the file's size in bytes.
	Size int64
}

// Files are the files SumsFile lists and SumsFile itself, each once, sorted by path, with their
// sizes.
func (d *Dir) Files() ([]File, error) {
	sums, err := d.Sums()
	if err != nil {
		return nil, err
	}
	var out []File
	for _, s := range sums {
		if s.Path != SumsFile {
			out = append(out, File{Path: s.Path, SHA256: s.SHA256})
		}
	}
	data, err := d.ReadFile(SumsFile)
	if err != nil {
		return nil, err
	}
	out = append(out, File{Path: SumsFile, SHA256: sha(data)})
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i := range out {
		f, err := d.Open(out[i].Path)
		if err != nil {
			return nil, err
		}
		st, err := f.Stat()
		f.Close()
		if err != nil {
			return nil, err
		}
		out[i].Size = st.Size()
	}
	return out, nil
}

// Subset is the files keep accepts, with SumsFile among them rewritten to list exactly those,
// so that sha256sum -c passes where a target puts them (a bucket folder, a release's assets).
// It returns the rewritten SumsFile's bytes too.
func (d *Dir) Subset(keep func(rel string) bool) ([]File, []byte, error) {
	files, err := d.Files()
	if err != nil {
		return nil, nil, err
	}
	sums, err := d.Sums()
	if err != nil {
		return nil, nil, err
	}
	var listed []Sum
	for _, s := range sums {
		if s.Path != SumsFile && keep(s.Path) {
			listed = append(listed, s)
		}
	}
	list := FormatSums(listed)
	var out []File
	for _, f := range files {
		switch {
		case f.Path == SumsFile:
			f.SHA256, f.Size = sha(list), int64(len(list))
			out = append(out, f)
		case keep(f.Path):
			out = append(out, f)
		}
	}
	return out, list, nil
}

// InLayout reports whether rel is one of the files of the OCI layout (index.json, oci-layout,
// a blob), which publish sends as images, not as files. Docker tarballs beside them are not.
func InLayout(rel string) bool {
	rest, ok := strings.CutPrefix(rel, ImagesDir+"/")
	return ok && (rest == "index.json" || rest == "oci-layout" || strings.HasPrefix(rest, "blobs/"))
}

// Lock is the lock of third-party image digests the build pinned; empty when the release has
// no LockFile.
func (d *Dir) Lock() (*digest.Lock, error) {
	return d.lock.get(func() (*digest.Lock, error) {
		data, err := d.ReadFile(LockFile)
		if errors.Is(err, fs.ErrNotExist) {
			return digest.NewLock(), nil
		}
		if err != nil {
			return nil, err
		}
		return digest.ReadLock(data, LockFile)
	})
}

// Resolve implements [digest.Resolver]: the images of the release's layout, then its lock.
func (d *Dir) Resolve(ctx context.Context, ref digest.Reference) (digest.Digest, error) {
	var chain digest.Chain
	if l, err := d.Layout(); err == nil {
		chain = append(chain, l)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	lock, err := d.Lock()
	if err != nil {
		return "", err
	}
	return append(chain, lock).Resolve(ctx, ref)
}
