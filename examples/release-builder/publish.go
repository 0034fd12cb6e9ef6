package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	gh "github.com/google/go-github/v92/github"
	"github.com/sigstore/sigstore/pkg/signature"
	_ "gocloud.dev/blob/gcsblob" // gs:// buckets
	_ "gocloud.dev/blob/s3blob"  // s3:// buckets

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/github"
	"github.com/releasekit/releasekit/publish/sign"
)

type publishFlags struct {
	release, dockerhub              string
	dockertags, gcsaliases          listFlag
	s3aliases                       listFlag
	gcsbucket, s3bucket, s3endpoint string
	helmbucket, s3helmbucket        string
	helmhub, githubRepo             string
	githubtoken, grafanatoken       string
	cosignkey                       string
	getenv                          func(string) string
}

// githubAPI points the GitHub client elsewhere, and grafanaAPI grafana.com: a test's servers.
var (
	githubAPI  []gh.ClientOptionsFunc
	grafanaAPI = "https://grafana.com"
)

// listFlag is a list flag as Istio's (cobra's string slices): comma-separated, repeatable.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, split(s)...)
	return nil
}

// publishCmd is Istio's "publish --release DIR" with its destination flags.
func publishCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := publishFlags{getenv: os.Getenv}
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	fs.StringVar(&f.release, "release", "", "release directory (required)")
	fs.StringVar(&f.dockerhub, "dockerhub", "", "push images to this hub, e.g. docker.io/istio")
	fs.Var(&f.dockertags, "dockertags", "tags to push besides the version, comma-separated or repeated")
	fs.StringVar(&f.gcsbucket, "gcsbucket", "", "copy files to this GCS bucket/path")
	fs.StringVar(&f.s3bucket, "s3bucket", "", "copy files to this S3 bucket/path")
	fs.StringVar(&f.s3endpoint, "s3-base-endpoint", "", "the S3 endpoint URL of the S3 buckets")
	fs.StringVar(&f.helmbucket, "helmbucket", "", "publish charts to a chart repository in this GCS bucket/path")
	fs.StringVar(&f.s3helmbucket, "s3helmbucket", "", "publish charts to a chart repository in this S3 bucket/path")
	fs.StringVar(&f.helmhub, "helmhub", "", "push charts to this OCI registry, e.g. docker.io/istio/charts")
	fs.Var(&f.gcsaliases, "gcsaliases", "alias objects in --gcsbucket naming the version, comma-separated or repeated")
	fs.Var(&f.s3aliases, "s3aliases", "alias objects in --s3bucket naming the version, comma-separated or repeated")
	fs.StringVar(&f.githubRepo, "github", "", "an org, as Istio's: tag every dependency's repository in it and make a draft GitHub release in ORG/istio; or org/repo: the release alone")
	fs.StringVar(&f.githubtoken, "githubtoken", "", "file holding the GitHub token (default $GITHUB_TOKEN)")
	fs.StringVar(&f.grafanatoken, "grafanatoken", "", "file holding the grafana.com token: publish the dashboards")
	fs.StringVar(&f.cosignkey, "cosignkey", "", "sign images and charts with this cosign key (password in $COSIGN_PASSWORD)")
	if err := flags(fs, args, stderr); err != nil {
		return err
	}
	if f.release == "" {
		return usageError{errors.New("--release is required")}
	}
	rel, err := release.Open(f.release)
	if err != nil {
		return usageError{err}
	}
	targets, closers, err := f.targets(ctx, rel)
	for _, c := range closers {
		defer c()
	}
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageError{errors.New("no destination: give --dockerhub, --helmhub, --gcsbucket, --s3bucket, --helmbucket, --s3helmbucket, --github or --grafanatoken")}
	}
	p, err := publish.New(rel, targets)
	if err != nil {
		return err
	}
	plan, err := p.Plan(ctx)
	if err != nil {
		return err
	}
	if _, err := plan.WriteTo(stdout); err != nil {
		return err
	}
	if err := p.Apply(ctx, plan); err != nil {
		return err
	}
	return plan.Report().WriteList(stdout)
}

// targets maps the flags to publish targets.
func (f publishFlags) targets(ctx context.Context, rel *release.Dir) ([]publish.Target, []func(), error) {
	var targets []publish.Target
	var closers []func()
	add := func(t publish.Target, err error) error {
		if err != nil {
			return usageError{err}
		}
		targets = append(targets, t)
		return nil
	}
	reg := []publish.TargetOption{publish.WithKeychain(authn.DefaultKeychain)}
	var signer signature.SignerVerifier
	if f.cosignkey != "" {
		data, err := os.ReadFile(f.cosignkey)
		if err == nil {
			signer, err = sign.LoadKey(data, []byte(f.getenv("COSIGN_PASSWORD")))
		}
		if err != nil {
			return nil, closers, usageError{fmt.Errorf("--cosignkey: %w", err)}
		}
	}
	if f.dockerhub != "" {
		if err := add(publish.Images(f.dockerhub, append(reg, publish.WithTags(f.dockertags...))...)); err != nil {
			return nil, closers, err
		}
		if signer != nil {
			if err := add(sign.Images(f.dockerhub, signer, sign.WithKeychain(authn.DefaultKeychain))); err != nil {
				return nil, closers, err
			}
		}
	}
	if f.helmhub != "" {
		hub := f.helmhub
		if !strings.Contains(hub, "://") {
			hub = "oci://" + hub
		}
		if err := add(publish.Charts(hub, reg...)); err != nil {
			return nil, closers, err
		}
		if signer != nil {
			if err := add(sign.Charts(hub, signer, sign.WithKeychain(authn.DefaultKeychain))); err != nil {
				return nil, closers, err
			}
		}
	}
	for _, b := range []struct {
		flag, value, scheme string
		aliases             []string
	}{
		{"gcsbucket", f.gcsbucket, "gs", f.gcsaliases}, {"s3bucket", f.s3bucket, "s3", f.s3aliases},
	} {
		if b.value == "" {
			if len(b.aliases) > 0 {
				return nil, closers, usageError{fmt.Errorf("--%s needs --%s", strings.Replace(b.flag, "bucket", "aliases", 1), b.flag)}
			}
			continue
		}
		bucket, prefix, err := f.open(ctx, b.flag, b.value, b.scheme)
		if err != nil {
			return nil, closers, err
		}
		closers = append(closers, func() { bucket.Close() })
		if err := add(publish.Files(bucket, prefix, publish.WithAliases(b.aliases...))); err != nil {
			return nil, closers, err
		}
	}
	for _, b := range []struct{ flag, value, scheme string }{{"helmbucket", f.helmbucket, "gs"}, {"s3helmbucket", f.s3helmbucket, "s3"}} {
		if b.value == "" {
			continue
		}
		bucket, prefix, err := f.open(ctx, b.flag, b.value, b.scheme)
		if err != nil {
			return nil, closers, err
		}
		closers = append(closers, func() { bucket.Close() })
		if err := add(publish.ChartRepo(bucket, prefix, f.publicURL(b.value, b.scheme))); err != nil {
			return nil, closers, err
		}
	}
	if f.githubRepo != "" {
		tok := f.getenv("GITHUB_TOKEN")
		if f.githubtoken != "" {
			var err error
			if tok, err = readToken("githubtoken", f.githubtoken); err != nil {
				return nil, closers, err
			}
		}
		if tok == "" {
			return nil, closers, usageError{errors.New("--github needs --githubtoken or $GITHUB_TOKEN")}
		}
		client, err := gh.NewClient(append([]gh.ClientOptionsFunc{gh.WithAuthToken(tok)}, githubAPI...)...)
		if err != nil {
			return nil, closers, err
		}
		repo, opts := f.githubRepo, []github.Option(nil)
		if !strings.Contains(repo, "/") {
			// Istio's --github ORG: every dependency's repository tagged in ORG, then a draft
			// pre-release in ORG/istio, as release-builder makes it.
			if err := add(github.Tags(client, repo)); err != nil {
				return nil, closers, err
			}
			repo, opts = repo+"/istio", []github.Option{github.WithDraft(), github.WithPrerelease()}
		}
		if err := add(github.New(client, repo, opts...)); err != nil {
			return nil, closers, err
		}
	}
	if f.grafanatoken != "" {
		tok, err := readToken("grafanatoken", f.grafanatoken)
		if err != nil {
			return nil, closers, err
		}
		if len(rel.Manifest.Dashboards) == 0 {
			return nil, closers, usageError{errors.New("--grafanatoken: the manifest's dashboards map gives no grafana.com ids")}
		}
		targets = append(targets, publish.Grafana(http.DefaultClient, grafanaAPI, rel.Manifest.Dashboards, tok))
	}
	return targets, closers, nil
}

// open opens Istio's "bucket/path" with scheme (a URL is taken as it is) and returns the path
// as the prefix.
func (f publishFlags) open(ctx context.Context, flagName, value, scheme string) (*blob.Bucket, string, error) {
	u := value
	prefix := ""
	if !strings.Contains(value, "://") {
		bucket, path, _ := strings.Cut(value, "/")
		u, prefix = scheme+"://"+bucket, path
		if scheme == "s3" && f.s3endpoint != "" {
			u += "?endpoint=" + url.QueryEscape(f.s3endpoint)
		}
	}
	b, err := blob.Open(ctx, u)
	if err != nil {
		return nil, "", usageError{fmt.Errorf("--%s: %w", flagName, err)}
	}
	return b, prefix, nil
}

// publicURL is where a chart repository bucket is served: GCS's public host, or the S3 endpoint.
func (f publishFlags) publicURL(value, scheme string) string {
	if strings.Contains(value, "://") {
		return value
	}
	if scheme == "s3" && f.s3endpoint != "" {
		return strings.TrimSuffix(f.s3endpoint, "/") + "/" + value
	}
	if scheme == "s3" {
		bucket, path, _ := strings.Cut(value, "/")
		return "https://" + bucket + ".s3.amazonaws.com/" + path
	}
	return "https://storage.googleapis.com/" + value
}

func split(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
