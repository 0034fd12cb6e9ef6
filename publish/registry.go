package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
)

// RegistryOption configures the Images and Charts targets.
type RegistryOption func(*registryOptions) error

type registryOptions struct {
	tags     []string
	mutable  []string
	force    bool
	keychain authn.Keychain
	rt       http.RoundTripper
	jobs     int
	backoff  remote.Backoff
	progress *Progress
}

// WithTags adds tags to push besides the release version, e.g. "latest".
func WithTags(tags ...string) RegistryOption {
	return func(o *registryOptions) error {
		for _, t := range tags {
			if _, err := name.NewTag("example.invalid/x:" + t); err != nil {
				return fmt.Errorf("tag %q: %w", t, err)
			}
		}
		o.tags = append(o.tags, tags...)
		return nil
	}
}

// WithMutableTags declares the tags (path.Match patterns) that may be moved to new content.
// The default is "latest" and "latest-*"; the release version is never mutable unless forced.
func WithMutableTags(patterns ...string) RegistryOption {
	return func(o *registryOptions) error {
		o.mutable = patterns
		return nil
	}
}

// WithForce moves every tag of this target, release tags included. Use it to repair, never by
// default.
func WithForce() RegistryOption {
	return func(o *registryOptions) error { o.force = true; return nil }
}

// WithKeychain sets the registry credentials. The default is anonymous.
func WithKeychain(k authn.Keychain) RegistryOption {
	return func(o *registryOptions) error { o.keychain = k; return nil }
}

// WithTransport sets the HTTP transport under retries and authentication. The default is
// remote.DefaultTransport.
func WithTransport(rt http.RoundTripper) RegistryOption {
	return func(o *registryOptions) error { o.rt = rt; return nil }
}

// WithJobs sets how many blobs are sent at once. The default is 4.
func WithJobs(n int) RegistryOption {
	return func(o *registryOptions) error {
		if n < 1 {
			return fmt.Errorf("jobs: %d < 1", n)
		}
		o.jobs = n
		return nil
	}
}

// WithRetry sets the backoff for transient failures (5xx, 429, dropped connections). The
// default tries 8 times, from 250ms doubling up to about 30s in all.
func WithRetry(b remote.Backoff) RegistryOption {
	return func(o *registryOptions) error {
		if b.Steps < 1 {
			return errors.New("retry: steps < 1")
		}
		o.backoff = b
		return nil
	}
}

// WithRegistryProgress reports the bytes of each push to p.
func WithRegistryProgress(p *Progress) RegistryOption {
	return func(o *registryOptions) error { o.progress = p; return nil }
}

func newRegistryOptions(opts []RegistryOption) (*registryOptions, error) {
	o := &registryOptions{
		mutable:  []string{"latest", "latest-*"},
		keychain: authn.NewMultiKeychain(),
		rt:       remote.DefaultTransport,
		jobs:     4,
		backoff:  remote.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 8},
	}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// remote returns the go-containerregistry options; more are appended by the caller.
func (o *registryOptions) remote(ctx context.Context, more ...remote.Option) []remote.Option {
	return append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithTransport(&retryTransport{inner: o.rt, backoff: o.backoff}),
		remote.WithJobs(o.jobs),
		remote.WithRetryBackoff(o.backoff),
	}, more...)
}

func (o *registryOptions) mayMove(tag string) bool {
	return o.force || mutable(o.mutable, tag)
}

// tagAction compares the digest at ref with want.
func (o *registryOptions) tagAction(ctx context.Context, p *remote.Puller, a Action, tag name.Tag, want v1.Hash) (Action, error) {
	desc, err := p.Head(ctx, tag)
	switch {
	case isNotFound(err):
		a.Op = Push
	case err != nil:
		return a, fmt.Errorf("%s: %w", tag, err)
	case desc.Digest == want:
		a.Op = Skip
	case o.mayMove(tag.TagStr()):
		a.Op = Push
		a.Detail = fmt.Sprintf("moves %s from %s", tag.TagStr(), shortDigest(desc.Digest.String()))
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
	o   *registryOptions
}

// Images returns the target that pushes the release's images to hub (e.g. "ghcr.io/org"), each
// as <hub>/<name>, tagged with the release version and the tags of WithTags. Multi-arch indexes
// are pushed intact, with the digests they were built with. Each blob is sent once: images
// that share it mount it from the first repository that received it. A tag is written only
// after everything it points to is present.
func Images(hub string, opts ...RegistryOption) (Target, error) {
	if _, err := name.NewRepository(hub + "/x"); err != nil {
		return nil, fmt.Errorf("images: hub %q: %w", hub, err)
	}
	o, err := newRegistryOptions(opts)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	return &images{hub: strings.TrimSuffix(hub, "/"), o: o}, nil
}

func (t *images) Name() string { return "images" }

func (t *images) tags(r *Release) []string {
	tags := []string{r.Version}
	for _, tag := range t.o.tags {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags
}

func (t *images) repo(img Image) (name.Repository, error) {
	return name.NewRepository(t.hub + "/" + img.Name)
}

func (t *images) Plan(ctx context.Context, r *Release) ([]Action, error) {
	type job struct {
		tag    name.Tag
		digest v1.Hash
	}
	var jobs []job
	for _, img := range r.Images {
		repo, err := t.repo(img)
		if err != nil {
			return nil, err
		}
		for _, tag := range t.tags(r) {
			jobs = append(jobs, job{repo.Tag(tag), img.Digest})
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
			a := Action{Target: t.Name(), Kind: "image", Object: j.tag.String(), Digest: j.digest.String()}
			a, err := t.o.tagAction(ctx, puller, a, j.tag, j.digest)
			actions[i] = a
			return err
		})
	}
	return actions, g.Wait()
}

func (t *images) Apply(ctx context.Context, r *Release, push []Action) error {
	byRef := map[string]Image{}
	for _, img := range r.Images {
		repo, err := t.repo(img)
		if err != nil {
			return err
		}
		byRef[repo.String()] = img
	}
	// The repositories that need content, each with its image and the tags to write.
	type target struct {
		repo name.Repository
		img  Image
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
			ch, done := t.o.progress.track(tg.repo.String())
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
			ref := tg.repo.Digest(tg.img.Digest.String())
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
