package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// and mem:// need no SDK
	_ "gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/internal/checksum"
	"github.com/releasekit/releasekit/publish"
)

// Store is what a storage service adds for conditional writes, through gocloud's As escape
// hatches: the generation of an object from its attributes, and a precondition on a write.
type Store struct {
	// Generation returns the store's version token of an object, given Attributes.As.
	Generation func(as func(any) bool) (string, bool)
	// Condition makes a write succeed only if the object is still at generation, given the
	// writer's As (from WriterOptions.BeforeWrite). It reports whether it could.
	Condition func(as func(any) bool, generation string) bool
}

var (
	storesMu sync.Mutex
	stores   = map[string]Store{}
)

// Register adds the conditional write of the store behind URL scheme (e.g. "gs").
func Register(scheme string, s Store) {
	storesMu.Lock()
	defer storesMu.Unlock()
	stores[scheme] = s
}

// Bucket is a gocloud.dev/blob bucket as a publish.Bucket.
type Bucket struct {
	b      *blob.Bucket
	base   string
	scheme string
	// mu serialises conditional writes within the process, for stores without their own, and
	// lock (a file:// bucket's lock file) across processes.
	mu   sync.Mutex
	lock string
}

// contentGenerationLimit is the largest object whose generation is its content's SHA-256, in
// stores that have no generations of their own (file://, mem://): their modification times are
// too coarse to tell two quick writes apart.
const contentGenerationLimit = 16 << 20

// Open opens the bucket at urlstr (e.g. "file:///srv/releases", "gs://bucket", "mem://").
// The URL's driver must be registered by a blank import; file:// and mem:// always are. A
// file:// folder is created when missing.
func Open(ctx context.Context, urlstr string) (*Bucket, error) {
	open := urlstr
	if u, err := url.Parse(urlstr); err == nil && u.Scheme == "file" && u.Query().Get("create_dir") == "" {
		q := u.Query()
		q.Set("create_dir", "true")
		u.RawQuery = q.Encode()
		open = u.String()
	}
	b, err := blob.OpenBucket(ctx, open)
	if err != nil {
		msg := err.Error()
		for _, u := range []string{open, urlstr} { // the driver quotes the URL, which may hold keys
			msg = strings.ReplaceAll(msg, u, redact(urlstr))
		}
		if msg != err.Error() {
			return nil, fmt.Errorf("open bucket %s: %s", redact(urlstr), msg)
		}
		return nil, fmt.Errorf("open bucket %s: %w", redact(urlstr), err)
	}
	bucket := New(b, urlstr)
	if u, err := url.Parse(urlstr); err == nil && u.Scheme == "file" {
		// Writers in other processes take the same lock. fileblob keeps its own metadata in
		// .attrs files, which it never lists as objects; so is this one.
		bucket.lock = filepath.Join(filepath.FromSlash(u.Path), ".releasekit-lock.attrs")
	}
	return bucket, nil
}

// New wraps an open bucket; urlstr names it in reports.
func New(b *blob.Bucket, urlstr string) *Bucket {
	base := redact(urlstr)
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	scheme, _, _ := strings.Cut(base, "://")
	return &Bucket{b: b, base: strings.TrimSuffix(base, "/"), scheme: scheme}
}

// redact drops user information and the query (which can carry keys) from a bucket URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "bucket"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// Close closes the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

// URL names key for people.
func (b *Bucket) URL(key string) string { return b.base + "/" + key }

func (b *Bucket) wrap(op, key string, err error) error {
	switch gcerrors.Code(err) {
	case gcerrors.NotFound:
		return fmt.Errorf("%s %s: %w", op, b.URL(key), publish.ErrNotExist)
	case gcerrors.FailedPrecondition:
		return fmt.Errorf("%s %s: %w", op, b.URL(key), publish.ErrConflict)
	}
	return fmt.Errorf("%s %s: %w", op, b.URL(key), err)
}

func (b *Bucket) store() (Store, bool) {
	storesMu.Lock()
	defer storesMu.Unlock()
	s, ok := stores[b.scheme]
	return s, ok
}

// settled runs read, again while it fails with EOF in a file:// bucket: fileblob rewrites an
// object's .attrs file in place, so a reader in another process can catch it half written; it
// is whole a moment later.
func (b *Bucket) settled(ctx context.Context, read func() error) error {
	err := read()
	for i := 0; b.lock != "" && i < 100 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)); i++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		err = read()
	}
	return err
}

// Stat returns the object's size, recorded SHA-256 and generation.
func (b *Bucket) Stat(ctx context.Context, key string) (publish.Object, error) {
	var a *blob.Attributes
	err := b.settled(ctx, func() (err error) { a, err = b.b.Attributes(ctx, key); return err })
	if err != nil {
		return publish.Object{}, b.wrap("stat", key, err)
	}
	o := publish.Object{Size: a.Size, SHA256: a.Metadata["sha256"], Generation: a.ETag}
	if s, ok := b.store(); ok && s.Generation != nil {
		if g, ok := s.Generation(a.As); ok {
			o.Generation = g
		}
	}
	if _, ok := b.store(); !ok && a.Size <= contentGenerationLimit {
		var data []byte
		err := b.settled(ctx, func() (err error) { data, err = b.b.ReadAll(ctx, key); return err })
		if err != nil {
			return publish.Object{}, b.wrap("stat", key, err)
		}
		o.Generation = "sha256:" + checksum.Bytes(data)
	} else if o.Generation == "" {
		o.Generation = fmt.Sprintf("%d-%d", a.ModTime.UnixNano(), a.Size)
	}
	return o, nil
}

// Read returns the object and its generation (as it was before the bytes were read, so a
// write conditional on it fails if the object changed in between).
func (b *Bucket) Read(ctx context.Context, key string) ([]byte, publish.Object, error) {
	o, err := b.Stat(ctx, key)
	if err != nil {
		return nil, o, err
	}
	var data []byte
	err = b.settled(ctx, func() (err error) { data, err = b.b.ReadAll(ctx, key); return err })
	if err != nil {
		return nil, o, b.wrap("read", key, err)
	}
	if strings.HasPrefix(o.Generation, "sha256:") {
		// The generation of what was read, had it changed since the Stat.
		o.Generation, o.Size = "sha256:"+checksum.Bytes(data), int64(len(data))
	}
	return data, o, nil
}

// Write stores r at key. A write that fails leaves the previous object, if any, as it was.
func (b *Bucket) Write(ctx context.Context, key string, r io.Reader, w publish.WriteOptions) error {
	opts := &blob.WriterOptions{ContentType: w.ContentType}
	if w.SHA256 != "" {
		opts.Metadata = map[string]string{"sha256": w.SHA256}
	}
	if c := w.Condition; c != nil {
		s, ok := b.store()
		switch {
		case ok && c.Generation == "":
			opts.IfNotExist = true
		case ok && s.Condition != nil:
			opts.BeforeWrite = func(as func(any) bool) error {
				if !s.Condition(as, c.Generation) {
					return fmt.Errorf("write %s: the store did not take the precondition", b.URL(key))
				}
				return nil
			}
		default:
			// No conditional write in the store: check and write under a lock, the process's
			// and, for a file:// bucket, the folder's, which other processes take too.
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.lock != "" {
				unlock, err := atomicfile.Lock(b.lock)
				for i := 0; errors.Is(err, atomicfile.ErrLocked) && i < 600; i++ {
					select {
					case <-ctx.Done():
						return ctx.Err()
					case <-time.After(50 * time.Millisecond):
					}
					unlock, err = atomicfile.Lock(b.lock)
				}
				if err != nil {
					return fmt.Errorf("write %s: %w", b.URL(key), err)
				}
				defer unlock()
			}
			o, err := b.Stat(ctx, key)
			if err != nil && !errors.Is(err, publish.ErrNotExist) {
				return err
			}
			if o.Generation != c.Generation {
				return fmt.Errorf("write %s: %w", b.URL(key), publish.ErrConflict)
			}
		}
	}
	// Read all of r first: a reader that fails (a checksum mismatch) must not leave an object.
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return fmt.Errorf("write %s: %w", b.URL(key), err)
	}
	if err := b.b.WriteAll(ctx, key, buf.Bytes(), opts); err != nil {
		return b.wrap("write", key, err)
	}
	return nil
}

var _ publish.Bucket = (*Bucket)(nil)
