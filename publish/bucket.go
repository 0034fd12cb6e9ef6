package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"

	"github.com/releasekit/releasekit/internal/checksum"
)

// Bucket is blob storage as the files and chart-repository targets use it. publish/blob adapts
// any gocloud.dev/blob URL (file://, mem://, gs://, s3://) to it.
type Bucket interface {
	// Stat returns what is stored at key, or an error wrapping ErrNotExist.
	Stat(ctx context.Context, key string) (Object, error)
	// Read returns the object's bytes and its current generation.
	Read(ctx context.Context, key string) ([]byte, Object, error)
	// Write stores r at key. With a Condition it writes only if the object is still as Stat saw
	// it, and fails with an error wrapping ErrConflict otherwise.
	Write(ctx context.Context, key string, r io.Reader, w WriteOptions) error
	// URL names key for people and reports, e.g. "gs://bucket/key".
	URL(key string) string
}

// Object describes a stored object.
type Object struct {
	Size int64
	// SHA256 is the hex digest recorded with the object when it was written, if any.
	SHA256 string
	// Generation identifies this version of the object for a conditional write: the GCS
	// generation, the S3 ETag, or what the store offers.
	Generation string
}

// WriteOptions are the options of one Bucket.Write.
type WriteOptions struct {
	ContentType string
	// SHA256 is recorded with the object, so a later Stat can compare without reading it.
	SHA256 string
	// Condition, when set, makes the write conditional.
	Condition *Condition
}

// Condition is a precondition of a write: the object must not exist (Generation "") or must
// still be at Generation.
type Condition struct {
	Generation string
}

var (
	// ErrNotExist is wrapped by Bucket errors for a missing object.
	ErrNotExist = errors.New("object does not exist")
	// ErrConflict is wrapped by Bucket errors when a conditional write lost a race.
	ErrConflict = errors.New("object changed since it was read")
)

// files publishes a release's files to blob storage.
type files struct {
	bucket  Bucket
	prefix  string
	aliases []string
	force   bool
}

// Files returns the target that copies every file of the release to
// <prefix>/<version>/<path> in bucket. An object that exists with other content is refused.
func Files(bucket Bucket, prefix string, opts ...FilesOption) (Target, error) {
	if bucket == nil {
		return nil, errors.New("files: nil bucket")
	}
	o, err := newTargetOptions("files", opts, FilesOption.files)
	if err != nil {
		return nil, err
	}
	return &files{bucket: bucket, prefix: strings.Trim(prefix, "/"), aliases: o.aliases, force: o.force}, nil
}

func (t *files) Name() string { return "files" }

func (t *files) key(parts ...string) string {
	return strings.TrimPrefix(path.Join(append([]string{t.prefix}, parts...)...), "/")
}

// published are the files the Files target sends: every file of the release but those of the
// OCI layout, which go to registries as images, with a SHA256SUMS that lists exactly those, so
// that sha256sum -c passes in the published folder. It returns that SHA256SUMS too.
func published(d *release.Dir) ([]release.File, []byte, error) {
	return d.Subset(func(rel string) bool { return !release.InLayout(rel) })
}

func (t *files) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	files, _, err := published(d)
	if err != nil {
		return nil, err
	}
	var actions []Action
	for _, f := range files {
		key := t.key(d.Manifest.Version, f.Path)
		a := Action{Kind: KindFile, Object: t.bucket.URL(key), Digest: f.SHA256, Source: f.Path}
		var err error
		if a.Op, a.Detail, err = objectOp(ctx, t.bucket, key, f.SHA256, t.force); err != nil {
			return nil, err
		}
		actions = append(actions, a)
	}
	for _, alias := range t.aliases {
		key := t.key(alias)
		a := Action{Kind: KindAlias, Object: t.bucket.URL(key), Digest: d.Manifest.Version}
		data, _, err := t.bucket.Read(ctx, key)
		switch {
		case errors.Is(err, ErrNotExist):
			a.Op = Push
		case err != nil:
			return nil, err
		case strings.TrimSpace(string(data)) == d.Manifest.Version:
			a.Op = Skip
		default:
			a.Op = Push
			a.Detail = fmt.Sprintf("moves from %.40q", strings.TrimSpace(string(data)))
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// objectOp compares the object at key with the SHA-256 it should have: push when it is
// missing (or differs and force is set), skip when identical, refuse otherwise.
func objectOp(ctx context.Context, b Bucket, key, want string, force bool) (Op, string, error) {
	got, err := objectSHA256(ctx, b, key)
	switch {
	case errors.Is(err, ErrNotExist):
		return Push, "", nil
	case err != nil:
		return Push, "", err
	case got == want:
		return Skip, "", nil
	case force:
		return Force, "overwrites sha256 " + got[:12], nil
	}
	return Refuse, fmt.Sprintf("has sha256 %s, release has %s", got, want), nil
}

// objectSHA256 is the SHA-256 of an object: recorded with it, or computed by reading it.
func objectSHA256(ctx context.Context, b Bucket, key string) (string, error) {
	o, err := b.Stat(ctx, key)
	if err != nil {
		return "", err
	}
	if o.SHA256 != "" {
		return o.SHA256, nil
	}
	data, _, err := b.Read(ctx, key)
	if err != nil {
		return "", err
	}
	return checksum.Bytes(data), nil
}

func (t *files) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	_, sums, err := published(d)
	if err != nil {
		return err
	}
	for _, a := range push {
		if a.Kind == KindAlias {
			continue
		}
		if err := t.upload(ctx, d, a, sums); err != nil {
			return err
		}
	}
	// Aliases last: they name a version only once all of it is there.
	for _, a := range push {
		if a.Kind != KindAlias {
			continue
		}
		key := ""
		for _, alias := range t.aliases {
			if t.bucket.URL(t.key(alias)) == a.Object {
				key = t.key(alias)
			}
		}
		if err := t.bucket.Write(ctx, key, strings.NewReader(d.Manifest.Version+"\n"), WriteOptions{ContentType: "text/plain"}); err != nil {
			return fmt.Errorf("write %s: %w", a.Object, err)
		}
	}
	return nil
}

// upload sends one file, checking it against SHA256SUMS as it goes: a write whose bytes do
// not match fails before the object is committed.
func (t *files) upload(ctx context.Context, d *release.Dir, a Action, sums []byte) error {
	var r io.Reader = bytes.NewReader(sums)
	if a.Source != release.SumsFile {
		f, err := d.Open(a.Source)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	key := t.key(d.Manifest.Version, a.Source)
	cond := &Condition{}
	if a.Op == Force {
		cond = nil
	}
	err := t.bucket.Write(ctx, key, &verifyingReader{r: r, h: sha256.New(), want: a.Digest, name: a.Source},
		WriteOptions{ContentType: contentType(a.Source), SHA256: a.Digest, Condition: cond})
	if errors.Is(err, ErrConflict) {
		// Written meanwhile, by an earlier attempt or another publisher: right if identical.
		if got, serr := objectSHA256(ctx, t.bucket, key); serr == nil && got == a.Digest {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", a.Object, err)
	}
	return nil
}

// verifyingReader fails the read that reaches EOF when the bytes do not have the digest.
type verifyingReader struct {
	r    io.Reader
	h    hash.Hash
	want string
	name string
}

func (v *verifyingReader) Read(b []byte) (int, error) {
	n, err := v.r.Read(b)
	v.h.Write(b[:n])
	if err == io.EOF {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("%s: sha256 %s, SHA256SUMS records %s", v.name, got, v.want)
		}
	}
	return n, err
}

func contentType(p string) string {
	switch {
	case strings.HasSuffix(p, ".tar.gz"), strings.HasSuffix(p, ".tgz"):
		return "application/gzip"
	case strings.HasSuffix(p, ".zip"):
		return "application/zip"
	case strings.HasSuffix(p, ".json"):
		return "application/json"
	case strings.HasSuffix(p, ".yaml"):
		return "application/yaml"
	case strings.HasSuffix(p, ".deb"):
		return "application/vnd.debian.binary-package"
	case strings.HasSuffix(p, ".sha256"), strings.HasSuffix(p, "SHA256SUMS"):
		return "text/plain"
	}
	return "application/octet-stream"
}
