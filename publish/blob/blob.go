package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// and mem:// need no SDK
	_ "gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

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
	// mu serialises conditional writes within the process, for stores without their own.
	mu sync.Mutex
}

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
	return New(b, urlstr), nil
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

// Stat returns the object's size, recorded SHA-256 and generation.
func (b *Bucket) Stat(ctx context.Context, key string) (publish.Object, error) {
	a, err := b.b.Attributes(ctx, key)
	if err != nil {
		return publish.Object{}, b.wrap("stat", key, err)
	}
	o := publish.Object{Size: a.Size, SHA256: a.Metadata["sha256"], Generation: a.ETag}
	if s, ok := b.store(); ok && s.Generation != nil {
		if g, ok := s.Generation(a.As); ok {
			o.Generation = g
		}
	}
	if o.Generation == "" {
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
	data, err := b.b.ReadAll(ctx, key)
	if err != nil {
		return nil, o, b.wrap("read", key, err)
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
		if c.Generation == "" {
			opts.IfNotExist = true
		} else {
			s, ok := b.store()
			if ok && s.Condition != nil {
				opts.BeforeWrite = func(as func(any) bool) error {
					if !s.Condition(as, c.Generation) {
						return fmt.Errorf("write %s: the store did not take the precondition", b.URL(key))
					}
					return nil
				}
			} else {
				// No conditional write in the store: check and write under the process lock.
				b.mu.Lock()
				defer b.mu.Unlock()
				o, err := b.Stat(ctx, key)
				if err != nil && !errors.Is(err, publish.ErrNotExist) {
					return err
				}
				if o.Generation != c.Generation {
					return fmt.Errorf("write %s: %w", b.URL(key), publish.ErrConflict)
				}
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
