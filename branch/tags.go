package branch

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// maxTagCandidates bounds how many matching tags newestTag reads the images of.
const maxTagCandidates = 64

// newestTag picks the tag of t.Image, among those t.Match matches whole, whose image was
// created last.
func (r *repoRun) newestTag(ctx context.Context, t *NewestTag) (string, error) {
	image, err := expand(t.Image, r.data)
	if err != nil {
		return "", err
	}
	match, err := expand(t.Match, r.data)
	if err != nil {
		return "", err
	}
	re, err := regexp.Compile("^(?:" + match + ")$")
	if err != nil {
		return "", fmt.Errorf("newestTag: match %q: %w", match, err)
	}
	repo, err := name.NewRepository(image)
	if err != nil {
		return "", fmt.Errorf("newestTag: %w", err)
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.o.remote...)
	tags, err := remote.List(repo, opts...)
	if err != nil {
		return "", fmt.Errorf("newestTag: list the tags of %s: %w", image, err)
	}
	var candidates []string
	for _, tag := range tags {
		if re.MatchString(tag) {
			candidates = append(candidates, tag)
		}
	}
	slices.Sort(candidates)
	switch {
	case len(candidates) == 0:
		return "", fmt.Errorf("newestTag: no tag of %s matches %q (of %d tags)", image, match, len(tags))
	case len(candidates) > maxTagCandidates:
		return "", fmt.Errorf("newestTag: %d tags of %s match %q, more than %d: narrow the match", len(candidates), image, match, maxTagCandidates)
	}
	var best []string
	var newest time.Time
	for _, tag := range candidates {
		created, err := createdAt(repo.Tag(tag), opts)
		if err != nil {
			return "", fmt.Errorf("newestTag: %s:%s: %w", image, tag, err)
		}
		switch {
		case len(best) == 0 || created.After(newest):
			best, newest = []string{tag}, created
		case created.Equal(newest):
			best = append(best, tag)
		}
	}
	if len(best) > 1 {
		return "", fmt.Errorf("newestTag: cannot tell the newest tag of %s: %s were created at the same time (%s)", image, strings.Join(best, ", "), newest.UTC().Format(time.RFC3339))
	}
	r.say("picked tag %s of %s, the newest of %s matching %q (created %s)", best[0], image, plural(len(candidates), "tag", "tags"), match, newest.UTC().Format(time.RFC3339))
	return best[0], nil
}

// createdAt is when the image of ref was created; for an index, its first image's.
func createdAt(ref name.Reference, opts []remote.Option) (time.Time, error) {
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return time.Time{}, err
	}
	var img v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return time.Time{}, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return time.Time{}, err
		}
		if len(im.Manifests) == 0 {
			return time.Time{}, fmt.Errorf("an index of no images")
		}
		if img, err = idx.Image(im.Manifests[0].Digest); err != nil {
			return time.Time{}, err
		}
	} else if img, err = desc.Image(); err != nil {
		return time.Time{}, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return time.Time{}, err
	}
	return cfg.Created.Time, nil
}
