package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/releasekit/releasekit/publish"
)

// Record is what is known of one image of a repository.
type Record struct {
	Digest string `json:"digest"`
	// Tags are the tags it was used under.
	Tags []string `json:"tags,omitempty"`
	// LastUsed is the newest use recorded.
	LastUsed time.Time `json:"lastUsed,omitzero"`
	// Keep, when set, says why the image is kept for good (a release branch uses it).
	Keep string `json:"keep,omitempty"`
	// Obsolete is when it was made obsolete; zero when it is not.
	Obsolete time.Time `json:"obsolete,omitzero"`
	// Pruned is when it was deleted.
	Pruned time.Time `json:"pruned,omitzero"`
}

// Table is the records of one repository, sorted by digest.
type Table struct {
	Repo   string   `json:"repo"`
	Images []Record `json:"images"`
}

// Get returns the record of digest d, or nil.
func (t *Table) Get(d string) *Record {
	for i := range t.Images {
		if t.Images[i].Digest == d {
			return &t.Images[i]
		}
	}
	return nil
}

// record returns the record of d, adding it when there is none.
func (t *Table) record(d string) *Record {
	if r := t.Get(d); r != nil {
		return r
	}
	t.Images = append(t.Images, Record{Digest: d})
	slices.SortFunc(t.Images, func(a, b Record) int { return strings.Compare(a.Digest, b.Digest) })
	return t.Get(d)
}

// Store keeps usage tables in a bucket, under prefix, one object per repository.
type Store struct {
	bucket publish.Bucket
	prefix string
}

// NewStore returns the store of tables under prefix in b.
func NewStore(b publish.Bucket, prefix string) (*Store, error) {
	if b == nil {
		return nil, errors.New("lifecycle: nil bucket")
	}
	return &Store{bucket: b, prefix: strings.Trim(prefix, "/")}, nil
}

func (s *Store) key(repo string) string {
	return strings.TrimPrefix(s.prefix+"/"+repo+".json", "/")
}

// maxTable bounds a table read back.
const maxTable = 64 << 20

// Table reads repo's table; an empty one when there is none.
func (s *Store) Table(ctx context.Context, repo string) (*Table, error) {
	t, _, err := s.read(ctx, repo)
	return t, err
}

func (s *Store) read(ctx context.Context, repo string) (*Table, *publish.Condition, error) {
	data, obj, err := s.bucket.Read(ctx, s.key(repo))
	if errors.Is(err, publish.ErrNotExist) {
		return &Table{Repo: repo}, &publish.Condition{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if len(data) > maxTable {
		return nil, nil, fmt.Errorf("%s: larger than %d bytes", s.bucket.URL(s.key(repo)), maxTable)
	}
	t := &Table{}
	if err := json.Unmarshal(data, t); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.bucket.URL(s.key(repo)), err)
	}
	if t.Repo != repo {
		return nil, nil, fmt.Errorf("%s: the table of %q, not %q", s.bucket.URL(s.key(repo)), t.Repo, repo)
	}
	return t, &publish.Condition{Generation: obj.Generation}, nil
}

// update applies change to repo's table and writes it only if nobody wrote it meanwhile,
// reading and trying again when somebody did.
func (s *Store) update(ctx context.Context, repo string, change func(*Table) error) error {
	for range 20 {
		t, cond, err := s.read(ctx, repo)
		if err != nil {
			return err
		}
		if err := change(t); err != nil {
			return err
		}
		data, err := json.MarshalIndent(t, "", "  ")
		if err != nil {
			return err
		}
		err = s.bucket.Write(ctx, s.key(repo), bytes.NewReader(append(data, '\n')), publish.WriteOptions{ContentType: "application/json", Condition: cond})
		if !errors.Is(err, publish.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("%s: too many concurrent writers", s.bucket.URL(s.key(repo)))
}

// Image is one image of a registry by its tag and digest.
type Image struct {
	// Repo is the repository, e.g. quay.io/libpod/fedora; Tag may be empty.
	Repo, Tag, Digest string
}

func (im Image) check() error {
	if im.Repo == "" || !strings.HasPrefix(im.Digest, "sha256:") || len(im.Digest) != len("sha256:")+64 {
		return fmt.Errorf("lifecycle: image %s:%s@%s: want a repository and a sha256 digest", im.Repo, im.Tag, im.Digest)
	}
	return nil
}

// Touch records a use of im at when (a CI run that pulled it).
func (s *Store) Touch(ctx context.Context, im Image, when time.Time) error {
	if err := im.check(); err != nil {
		return err
	}
	return s.update(ctx, im.Repo, func(t *Table) error {
		r := t.record(im.Digest)
		if when.After(r.LastUsed) {
			r.LastUsed = when.UTC()
		}
		if im.Tag != "" && !slices.Contains(r.Tags, im.Tag) {
			r.Tags = append(r.Tags, im.Tag)
			slices.Sort(r.Tags)
		}
		return nil
	})
}

// Keep marks im as kept for good, saying why (e.g. "release-1.30 uses it").
func (s *Store) Keep(ctx context.Context, im Image, why string) error {
	if err := im.check(); err != nil {
		return err
	}
	if why == "" {
		return errors.New("lifecycle: keep needs a reason")
	}
	return s.update(ctx, im.Repo, func(t *Table) error {
		t.record(im.Digest).Keep = why
		return nil
	})
}
