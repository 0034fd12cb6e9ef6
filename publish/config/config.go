package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	gh "github.com/google/go-github/v92/github"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/github"
	"github.com/releasekit/releasekit/publish/sign"
)

// Config declares where a release is published. Its zero value publishes nowhere; each field
// set adds targets. [Config.Targets] makes them, in the order publishing needs.
type Config struct {
	// ImageHubs get the release's images, each tagged with the version and Tags.
	ImageHubs []string
	Tags      []string
	// ChartHubs get the release's charts, as OCI artifacts ("oci://" is added when missing).
	ChartHubs []string
	// Buckets get the release's files; ChartRepos a chart repository each.
	Buckets    []Bucket
	ChartRepos []ChartRepo
	// GitTags tags each dependency's repository at the commit the release records.
	GitTags bool
	// GitHub, when set, makes a GitHub release (and tags the dependencies, for an org).
	GitHub *GitHub
	// Grafana, when set, uploads the dashboards to grafana.com as new revisions.
	Grafana *Grafana

	// Signer signs every image and chart pushed to the hubs; its targets follow the pushes.
	Signer signature.SignerVerifier
	// Keychain finds registry credentials; default authn.DefaultKeychain.
	Keychain authn.Keychain
	// Jobs bounds concurrent registry pushes; 0 is the publisher's default.
	Jobs int
	// Force overwrites what exists with other content (never a moved release tag).
	Force bool
	// Progress, when set, is where image pushes report their progress.
	Progress io.Writer
	// RegistryOptions are given to the image and chart targets after the ones above (a
	// transport, retries, mutable tags).
	RegistryOptions []publish.RegistryOption
}

// Bucket is a bucket target: URL (gs://, s3://, file://, mem://), the Prefix of the release's
// folder in it, and Aliases, objects naming the version (Istio's).
type Bucket struct {
	URL, Prefix string
	Aliases     []string
}

// ChartRepo is a chart repository kept in the bucket at URL under Prefix and served from
// PublicURL.
type ChartRepo struct {
	URL, Prefix, PublicURL string
}

// GitHub is a GitHub release target.
type GitHub struct {
	// Repository is owner/repo; or an owner alone, as Istio's --github ORG: every
	// dependency's repository tagged in it, then a draft pre-release in ORG/istio.
	Repository string
	// Token authenticates; required.
	Token string
	// Client options, such as the URLs of a GitHub Enterprise server or a test's.
	ClientOptions []gh.ClientOptionsFunc
	// Draft, Prerelease, ChecksumsName and Notes shape the release (see publish/github).
	Draft, Prerelease bool
	ChecksumsName     string
	Notes             string
}

// Grafana is the grafana.com target: Token authenticates, API is its URL (default
// https://grafana.com); the dashboards' ids come from the manifest's dashboards map.
type Grafana struct {
	Token, API string
	Client     *http.Client
}

// ErrNoTarget is returned by Targets for a configuration that names no target.
var ErrNoTarget = errors.New("no target")

// Targets makes the configured targets for rel: image pushes, each followed by its signatures,
// then charts and theirs, buckets, chart repositories, git tags, GitHub and grafana.com. The
// returned func closes the buckets opened; call it when publishing is done, also after an
// error. An error says which part of the configuration is wrong.
func (c Config) Targets(ctx context.Context, rel *release.Dir) ([]publish.Target, func(), error) {
	var targets []publish.Target
	var closers []func()
	closeAll := func() {
		for _, f := range closers {
			f()
		}
	}
	// add(what)(target, err) keeps the target, or names what failed.
	add := func(what string) func(publish.Target, error) error {
		return func(t publish.Target, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			targets = append(targets, t)
			return nil
		}
	}
	keychain := c.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	reg := []publish.RegistryOption{publish.WithKeychain(keychain)}
	if c.Jobs > 0 {
		reg = append(reg, publish.WithJobs(c.Jobs))
	}
	if c.Force {
		reg = append(reg, publish.WithForce())
	}
	reg = append(reg, c.RegistryOptions...)
	imageOpts := []publish.ImagesOption{publish.WithTags(c.Tags...)}
	if c.Progress != nil {
		imageOpts = append(imageOpts, publish.WithProgress(c.Progress))
	}
	var chartOpts []publish.ChartsOption
	for _, o := range reg {
		imageOpts, chartOpts = append(imageOpts, o), append(chartOpts, o)
	}
	if c.Signer != nil && len(c.ImageHubs)+len(c.ChartHubs) == 0 {
		return nil, closeAll, errors.New("signing signs images and charts in registries: give an image or chart hub")
	}
	err := func() error {
		for _, hub := range c.ImageHubs {
			if err := add("images " + hub)(publish.Images(hub, imageOpts...)); err != nil {
				return err
			}
			if c.Signer != nil {
				if err := add("signatures " + hub)(sign.Images(hub, c.Signer, sign.WithKeychain(keychain))); err != nil {
					return err
				}
			}
		}
		for _, hub := range c.ChartHubs {
			if !strings.Contains(hub, "://") {
				hub = "oci://" + hub
			}
			if err := add("charts " + hub)(publish.Charts(hub, chartOpts...)); err != nil {
				return err
			}
			if c.Signer != nil {
				if err := add("signatures " + hub)(sign.Charts(hub, c.Signer, sign.WithKeychain(keychain))); err != nil {
					return err
				}
			}
		}
		for _, b := range c.Buckets {
			bucket, err := blob.Open(ctx, b.URL)
			if err != nil {
				return err // it names the bucket, credentials left out
			}
			closers = append(closers, func() { bucket.Close() })
			opts := []publish.FilesOption{publish.WithAliases(b.Aliases...)}
			if c.Force {
				opts = append(opts, publish.WithForce())
			}
			if err := add("bucket " + strings.TrimSuffix(bucket.URL(""), "/"))(publish.Files(bucket, b.Prefix, opts...)); err != nil {
				return err
			}
		}
		for _, r := range c.ChartRepos {
			bucket, err := blob.Open(ctx, r.URL)
			if err != nil {
				return err
			}
			closers = append(closers, func() { bucket.Close() })
			if err := add("chart repository " + strings.TrimSuffix(bucket.URL(""), "/"))(publish.ChartRepo(bucket, r.Prefix, r.PublicURL)); err != nil {
				return err
			}
		}
		if c.GitTags {
			if err := add("git tags")(publish.GitTags()); err != nil {
				return err
			}
		}
		if g := c.GitHub; g != nil {
			if err := githubTargets(g, add); err != nil {
				return err
			}
		}
		if g := c.Grafana; g != nil {
			if g.Token == "" {
				return errors.New("grafana.com: no token")
			}
			if len(rel.Manifest.Dashboards) == 0 {
				return errors.New("grafana.com: the manifest's dashboards map gives no grafana.com ids")
			}
			api, client := g.API, g.Client
			if api == "" {
				api = "https://grafana.com"
			}
			if client == nil {
				client = http.DefaultClient
			}
			targets = append(targets, publish.Grafana(client, api, rel.Manifest.Dashboards, g.Token))
		}
		return nil
	}()
	if err != nil {
		return nil, closeAll, err
	}
	if len(targets) == 0 {
		return nil, closeAll, ErrNoTarget
	}
	return targets, closeAll, nil
}

// githubTargets adds the GitHub targets of g.
func githubTargets(g *GitHub, add func(string) func(publish.Target, error) error) error {
	if g.Token == "" {
		return errors.New("github: no token")
	}
	client, err := gh.NewClient(append([]gh.ClientOptionsFunc{gh.WithAuthToken(g.Token)}, g.ClientOptions...)...)
	if err != nil {
		return fmt.Errorf("github: %w", err)
	}
	repo := g.Repository
	var opts []github.Option
	if !strings.Contains(repo, "/") {
		if err := add("github tags " + repo)(github.Tags(client, repo)); err != nil {
			return err
		}
		repo = repo + "/istio"
		opts = append(opts, github.WithDraft(), github.WithPrerelease())
	}
	if g.Draft {
		opts = append(opts, github.WithDraft())
	}
	if g.Prerelease {
		opts = append(opts, github.WithPrerelease())
	}
	if g.ChecksumsName != "" {
		opts = append(opts, github.WithChecksumsName(g.ChecksumsName))
	}
	if g.Notes != "" {
		opts = append(opts, github.WithNotes(g.Notes))
	}
	return add("github " + repo)(github.New(client, repo, opts...))
}
