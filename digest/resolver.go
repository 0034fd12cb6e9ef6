package digest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
)

// ErrNotFound is returned by a Resolver that does not know a reference, so that a Chain can
// ask the next one.
var ErrNotFound = errors.New("image not found")

// Resolver finds the digest a reference's tag points to.
type Resolver interface {
	Resolve(ctx context.Context, ref Reference) (Digest, error)
}

// Chain asks each resolver in turn, moving on only when one answers ErrNotFound.
type Chain []Resolver

// Resolve implements Resolver.
func (c Chain) Resolve(ctx context.Context, ref Reference) (Digest, error) {
	for _, r := range c {
		d, err := r.Resolve(ctx, ref)
		if !errors.Is(err, ErrNotFound) {
			return d, err
		}
	}
	return "", fmt.Errorf("resolve %s: %w", ref, ErrNotFound)
}

// Registry resolves references by asking their registries: a HEAD request, then a GET when
// the registry does not answer HEAD. Answers are kept, so each tag is asked once.
type Registry struct {
	opts  []remote.Option
	mu    sync.Mutex
	cache map[string]*answer
}

type answer struct {
	once sync.Once
	d    Digest
	err  error
}

// RegistryOption configures a Registry; an invalid value makes NewRegistry fail.
type RegistryOption func(*Registry) error

// WithKeychain sets the credentials. Default: anonymous access.
func WithKeychain(k authn.Keychain) RegistryOption {
	return func(r *Registry) error {
		if k == nil {
			return errors.New("WithKeychain: nil keychain")
		}
		r.opts = append(r.opts, remote.WithAuthFromKeychain(k))
		return nil
	}
}

// WithTransport sets the HTTP transport. Default: remote.DefaultTransport.
func WithTransport(t http.RoundTripper) RegistryOption {
	return func(r *Registry) error {
		if t == nil {
			return errors.New("WithTransport: nil transport")
		}
		r.opts = append(r.opts, remote.WithTransport(t))
		return nil
	}
}

// NewRegistry returns a Resolver over registries.
func NewRegistry(opts ...RegistryOption) (*Registry, error) {
	r := &Registry{cache: map[string]*answer{}}
	var errs []error
	for _, o := range opts {
		if err := o(r); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return r, nil
}

// Resolve implements Resolver.
func (r *Registry) Resolve(ctx context.Context, ref Reference) (Digest, error) {
	k := ref.Key()
	r.mu.Lock()
	a, ok := r.cache[k]
	if !ok {
		a = &answer{}
		r.cache[k] = a
	}
	r.mu.Unlock()
	a.once.Do(func() { a.d, a.err = r.ask(ctx, ref) })
	return a.d, a.err
}

func (r *Registry) ask(ctx context.Context, ref Reference) (Digest, error) {
	tag, err := ref.tag()
	if err != nil {
		return "", err
	}
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.opts...)
	desc, err := remote.Head(tag, opts...)
	if err != nil {
		// Some registries refuse HEAD; GET tells what is wrong when it fails too.
		var got *remote.Descriptor
		if got, err = remote.Get(tag, opts...); err == nil {
			desc = &got.Descriptor
		}
	}
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			return "", fmt.Errorf("resolve %s: %w", ref, ErrNotFound)
		}
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	return ParseDigest(desc.Digest.String())
}

// ResolveAll resolves every reference once, jobs at a time, and returns the digests by Key.
// Every failure is reported.
func ResolveAll(ctx context.Context, r Resolver, refs []Reference, jobs int) (map[string]Digest, error) {
	if jobs < 1 {
		jobs = 1
	}
	var unique []Reference
	seen := map[string]bool{}
	for _, ref := range refs {
		if k := ref.Key(); !seen[k] {
			seen[k] = true
			unique = append(unique, Reference{Repository: ref.Repository, Tag: ref.Tag})
		}
	}
	digests := make([]Digest, len(unique))
	errs := make([]error, len(unique))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, ref := range unique {
		g.Go(func() error {
			digests[i], errs[i] = r.Resolve(ctx, ref)
			return nil // every failure is reported, so none stops the others
		})
	}
	g.Wait()
	out := make(map[string]Digest, len(unique))
	for i, ref := range unique {
		if errs[i] == nil {
			out[ref.Key()] = digests[i]
		}
	}
	return out, errors.Join(errs...)
}
