package digest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
)

// LockFile is the usual name of a lock file.
const LockFile = "images.lock.yaml"

// Lock maps references (by Key) to digests. Read from a file, it resolves with no network, so
// an air-gapped rebuild pins to exactly what the first build saw.
type Lock struct {
	mu      sync.Mutex
	digests map[string]Digest
}

// NewLock returns an empty lock.
func NewLock() *Lock { return &Lock{digests: map[string]Digest{}} }

type lockFile struct {
	Images map[string]string `yaml:"images"`
}

// ReadLock reads a lock file; name is used in errors.
func ReadLock(data []byte, name string) (*Lock, error) {
	var f lockFile
	if err := manifest.DecodeYAML(data, name, &f); err != nil {
		return nil, err
	}
	l := NewLock()
	var problems []string
	for _, k := range slices.Sorted(maps.Keys(f.Images)) {
		ref, err := Parse(k)
		if err == nil && ref.Pinned() {
			err = fmt.Errorf("%s is pinned already", k)
		}
		var d Digest
		if err == nil {
			d, err = ParseDigest(f.Images[k])
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: images.%s: %v", name, k, err))
			continue
		}
		l.digests[ref.Key()] = d
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return l, nil
}

// LoadLock reads the lock file at path.
func LoadLock(path string) (*Lock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadLock(data, path)
}

// Resolve implements Resolver.
func (l *Lock) Resolve(_ context.Context, ref Reference) (Digest, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.digests[ref.Key()]; ok {
		return d, nil
	}
	return "", fmt.Errorf("resolve %s in the lock file: %w", ref, ErrNotFound)
}

// Add records that ref resolves to d.
func (l *Lock) Add(ref Reference, d Digest) {
	l.mu.Lock()
	l.digests[ref.Key()] = d
	l.mu.Unlock()
}

// Merge adds every reference of other to l.
func (l *Lock) Merge(other *Lock) {
	other.mu.Lock()
	entries := maps.Clone(other.digests)
	other.mu.Unlock()
	l.mu.Lock()
	maps.Copy(l.digests, entries)
	l.mu.Unlock()
}

// References returns every reference of the lock with its digest, sorted.
func (l *Lock) References() []Reference {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Reference, 0, len(l.digests))
	for _, k := range slices.Sorted(maps.Keys(l.digests)) {
		ref, err := Parse(k)
		if err != nil {
			continue // keys are parsed references
		}
		ref.Digest = l.digests[k]
		out = append(out, ref)
	}
	return out
}

// Len is the number of references in the lock.
func (l *Lock) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.digests)
}

// Marshal writes the lock sorted by reference, the same bytes for the same content.
func (l *Lock) Marshal() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	const header = "# Image references and the digests they resolved to.\n"
	if len(l.digests) == 0 {
		return []byte(header + "images: {}\n")
	}
	var b strings.Builder
	b.WriteString(header + "images:\n")
	for _, k := range slices.Sorted(maps.Keys(l.digests)) {
		fmt.Fprintf(&b, "  %s: %s\n", k, l.digests[k])
	}
	return []byte(b.String())
}

// Write writes the lock to path atomically.
func (l *Lock) Write(path string) error {
	return atomicfile.WriteFile(path, l.Marshal(), 0o644)
}

// Record returns a Resolver that asks r and adds every answer to l.
func Record(r Resolver, l *Lock) Resolver { return recorder{r, l} }

type recorder struct {
	r Resolver
	l *Lock
}

func (x recorder) Resolve(ctx context.Context, ref Reference) (Digest, error) {
	d, err := x.r.Resolve(ctx, ref)
	if err == nil {
		x.l.Add(ref, d)
	}
	return d, err
}
