package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
)

// remote returns the go-containerregistry options; more are appended by the caller.
func (o *targetOptions) remote(ctx context.Context, more ...remote.Option) []remote.Option {
	return append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(o.rt),
		remote.WithJobs(o.jobs),
		remote.WithRetryBackoff(o.backoff),
		remote.WithRetryPredicate(retryable),
		remote.WithRetryStatusCodes(retryStatusCodes...),
	}, more...)
}

// tagAction compares the digest at ref with want.
func (o *targetOptions) tagAction(ctx context.Context, p *remote.Puller, a Action, tag name.Tag, want v1.Hash) (Action, error) {
	desc, err := p.Head(ctx, tag)
	switch {
	case isNotFound(err):
		a.Op = Push
	case err != nil:
		return a, fmt.Errorf("%s: %w", tag, err)
	case desc.Digest == want:
		a.Op = Skip
	case mutable(o.mutable, tag.TagStr()):
		a.Op = Push
		a.Detail = fmt.Sprintf("moves %s from %s", tag.TagStr(), shortDigest(desc.Digest.String()))
	case o.force:
		a.Op = Force
		a.Detail = fmt.Sprintf("moves release tag %s from %s", tag.TagStr(), shortDigest(desc.Digest.String()))
	default:
		a.Op = Refuse
		a.Detail = fmt.Sprintf("has %s, release has %s", desc.Digest, want)
	}
	return a, nil
}

func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}

// images publishes the release's OCI layout.
type images struct {
	hub string
	o   *targetOptions
}

// Images returns the target that pushes the release's images to hub (e.g. "ghcr.io/org"), each
// as <hub>/<name>, tagged with the release version and the tags of WithTags. Multi-arch indexes
// are pushed intact, with the digests they were built with. Each blob is sent once: images
// that share it mount it from the first repository that received it. A tag is written only
// after everything it points to is present.
func Images(hub string, opts ...ImagesOption) (Target, error) {
	if err := checkHub(hub); err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	o, err := newTargetOptions("images", opts, ImagesOption.images)
	if err != nil {
		return nil, err
	}
	return &images{hub: strings.TrimSuffix(hub, "/"), o: o}, nil
}

func (t *images) Name() string { return "images" }

func (t *images) tags(d *release.Dir) []string {
	tags := []string{d.Manifest.Version}
	for _, tag := range t.o.tags {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags
}

func (t *images) repo(d *release.Dir, img release.Image) (name.Repository, error) {
	return name.NewRepository(t.hub + "/" + img.Name(d.Manifest.Docker))
}

func (t *images) Plan(ctx context.Context, d *release.Dir) ([]Action, error) {
	type job struct {
		tag    name.Tag
		digest v1.Hash
	}
	imgs, err := layoutImages(d)
	if err != nil {
		return nil, err
	}
	var jobs []job
	for _, img := range imgs {
		repo, err := t.repo(d, img)
		if err != nil {
			return nil, err
		}
		for _, tag := range t.tags(d) {
			jobs = append(jobs, job{repo.Tag(tag), img.Digest()})
		}
	}
	puller, err := remote.NewPuller(t.o.remote(ctx)...)
	if err != nil {
		return nil, err
	}
	actions := make([]Action, len(jobs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(t.o.jobs)
	for i, j := range jobs {
		g.Go(func() error {
			a := Action{Kind: KindImage, Object: j.tag.String(), Digest: j.digest.String()}
			a, err := t.o.tagAction(ctx, puller, a, j.tag, j.digest)
			actions[i] = a
			return err
		})
	}
	return actions, g.Wait()
}

func (t *images) Apply(ctx context.Context, d *release.Dir, push []Action) error {
	imgs, err := layoutImages(d)
	if err != nil {
		return err
	}
	byRef := map[string]release.Image{}
	for _, img := range imgs {
		repo, err := t.repo(d, img)
		if err != nil {
			return err
		}
		byRef[repo.String()] = img
	}
	// The repositories that need content, each with its image and the tags to write.
	type target struct {
		repo name.Repository
		img  release.Image
		tags []name.Tag
	}
	var targets []*target
	index := map[string]*target{}
	for _, a := range push {
		tag, err := name.NewTag(a.Object)
		if err != nil {
			return err
		}
		key := tag.Context().String()
		img, ok := byRef[key]
		if !ok {
			return fmt.Errorf("%s: not an image of this release", a.Object)
		}
		tg := index[key]
		if tg == nil {
			tg = &target{repo: tag.Context(), img: img}
			index[key] = tg
			targets = append(targets, tg)
		}
		tg.tags = append(tg.tags, tag)
	}

	pushers := make([]*remote.Pusher, len(targets))
	closers := make([]func(), len(targets))
	defer func() {
		for _, c := range closers {
			if c != nil {
				c()
			}
		}
	}()
	for i, tg := range targets {
		var more []remote.Option
		if t.o.progress != nil {
			ch, done := progressFor(ctx, t.o.progress).track(tg.repo.String())
			more = append(more, remote.WithProgress(ch))
			closers[i] = done
		}
		p, err := remote.NewPusher(t.o.remote(ctx, more...)...)
		if err != nil {
			return err
		}
		pushers[i] = p
	}

	// Each blob is uploaded once, to the first repository that needs it; the others mount it.
	owner := map[v1.Hash]int{}
	type upload struct {
		target int
		layer  v1.Layer
	}
	var uploads []upload
	for i, tg := range targets {
		layers, err := blobs(tg.img)
		if err != nil {
			return fmt.Errorf("%s: %w", tg.img.Ref, err)
		}
		for _, l := range layers {
			h, err := l.Digest()
			if err != nil {
				return err
			}
			if _, ok := owner[h]; !ok {
				owner[h] = i
				uploads = append(uploads, upload{i, l})
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.o.jobs)
	for _, u := range uploads {
		g.Go(func() error {
			if err := pushers[u.target].Upload(gctx, targets[u.target].repo, u.layer); err != nil {
				h, _ := u.layer.Digest()
				return fmt.Errorf("upload %s@%s: %w", targets[u.target].repo, h, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// Manifests by digest, then tags: a tag never points at missing content.
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(t.o.jobs)
	for i, tg := range targets {
		g.Go(func() error {
			m := mountable(tg.img, func(h v1.Hash) name.Repository { return targets[owner[h]].repo })
			ref := tg.repo.Digest(tg.img.Digest().String())
			if err := pushers[i].Push(gctx, ref, m); err != nil {
				return fmt.Errorf("push %s: %w", ref, err)
			}
			for _, tag := range tg.tags {
				if err := pushers[i].Push(gctx, tag, m); err != nil {
					return fmt.Errorf("tag %s: %w", tag, err)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// checkHub checks a registry prefix, host[/path]: a URL of another scheme (http://x) would be
// read as a host named after the scheme.
func checkHub(hub string) error {
	if scheme, _, ok := strings.Cut(hub, "://"); ok {
		return fmt.Errorf("hub %q: want host[/path] (oci:// for charts), not a %s:// URL", hub, scheme)
	}
	if _, err := name.NewRepository(hub+"/x", name.StrictValidation); err != nil {
		return fmt.Errorf("hub %q: %w", hub, err)
	}
	return nil
}
