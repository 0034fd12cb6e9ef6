package release

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
)

// Record is what a build made, for [Write] to record in the release directory.
type Record struct {
	// Manifest is the resolved manifest the release was built from. Write records Time and the
	// artifacts in a copy; the caller's value is not changed.
	Manifest *manifest.Manifest
	// Time is the release time: the timestamp of every output.
	Time time.Time
	// Files are the output files (Path, Kind, SHA256), already in the directory.
	Files []manifest.Artifact
	// Images are the images of the OCI layout (Image, Kind, Digest).
	Images []manifest.Artifact
	// Layout are the files of the OCI layout (ImagesDir), listed in SumsFile without a .sha256
	// file each.
	Layout []Sum
	// Lock holds the third-party image digests the build pinned; written as LockFile when it
	// has any.
	Lock *digest.Lock
}

// Write ends a build in dir: a .sha256 file beside each output file (sha256sum's format), the
// LockFile, the resolved manifest with the release time and every artifact, and SumsFile,
// which lists every file of the release but itself, sorted. Each file appears complete or not at
// all, and a file that already holds the same bytes is left alone. It returns the manifest as
// written.
func Write(dir string, r Record) (*manifest.Manifest, error) {
	if r.Time.IsZero() {
		return nil, errors.New("release: no release time")
	}
	files := slices.Clone(r.Files)
	slices.SortFunc(files, func(a, b manifest.Artifact) int { return strings.Compare(a.Path, b.Path) })
	for i, a := range files {
		if err := archive.CheckName(a.Path); err != nil || a.SHA256 == "" {
			return nil, fmt.Errorf("release: artifact %q: a file needs a path in the release and its sha256", a.Path)
		}
		if i > 0 && a.Path == files[i-1].Path {
			return nil, fmt.Errorf("release: two artifacts are written to %s", a.Path)
		}
	}
	m := r.Manifest.Clone()
	m.ReleaseTime = r.Time.UTC().Format(time.RFC3339)
	m.Artifacts = nil
	sums := slices.Clone(r.Layout)
	for _, a := range files {
		line := []byte(a.SHA256 + "  " + path.Base(a.Path) + "\n")
		if err := writeIfChanged(dir, a.Path+".sha256", line); err != nil {
			return nil, err
		}
		sums = append(sums, Sum{a.Path, a.SHA256}, Sum{a.Path + ".sha256", sha(line)})
		m.Artifacts = append(m.Artifacts, manifest.Artifact{Path: a.Path, Kind: a.Kind, SHA256: a.SHA256})
	}
	for _, im := range r.Images {
		m.Artifacts = append(m.Artifacts, manifest.Artifact{Image: im.Image, Kind: im.Kind, Digest: im.Digest})
	}
	lockPath := filepath.Join(dir, LockFile)
	if r.Lock != nil && r.Lock.Len() > 0 {
		data := r.Lock.Marshal()
		if err := writeIfChanged(dir, LockFile, data); err != nil {
			return nil, err
		}
		sums = append(sums, Sum{LockFile, sha(data)})
	} else if err := os.Remove(lockPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	text, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeIfChanged(dir, ManifestFile, text); err != nil {
		return nil, err
	}
	sums = append(sums, Sum{ManifestFile, sha(text)})
	slices.SortFunc(sums, func(x, y Sum) int { return strings.Compare(x.Path, y.Path) })
	if err := writeIfChanged(dir, SumsFile, FormatSums(sums)); err != nil {
		return nil, err
	}
	return m, nil
}

// writeIfChanged writes a small file of the release unless it already holds data.
func writeIfChanged(dir, rel string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if old, err := os.ReadFile(p); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, data, 0o644)
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
