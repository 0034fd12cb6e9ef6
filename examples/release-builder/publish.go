package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	gh "github.com/google/go-github/v92/github"
	_ "gocloud.dev/blob/gcsblob" // gs:// buckets
	_ "gocloud.dev/blob/s3blob"  // s3:// buckets

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	pubconfig "github.com/releasekit/releasekit/publish/config"
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
	targets, closeTargets, err := f.targets(ctx, rel)
	defer closeTargets()
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		return usageError{errors.New("no destination: give --dockerhub, --helmhub, --gcsbucket, --s3bucket, --helmbucket, --s3helmbucket, --github or --grafanatoken")}
	}
	report, err := publish.Publish(ctx, rel, targets, stdout, false)
	if err != nil {
		return err
	}
	return report.WriteList(stdout)
}

// targets maps the flags to publish targets, through one publish configuration.
func (f publishFlags) targets(ctx context.Context, rel *release.Dir) ([]publish.Target, func(), error) {
	none := func() {}
	var cfg pubconfig.Config
	if f.cosignkey != "" {
		data, err := os.ReadFile(f.cosignkey)
		if err == nil {
			cfg.Signer, err = sign.LoadKey(data, []byte(f.getenv("COSIGN_PASSWORD")))
		}
		if err != nil {
			return nil, none, usageError{fmt.Errorf("--cosignkey: %w", err)}
		}
	}
	if f.dockerhub != "" {
		cfg.ImageHubs, cfg.Tags = []string{f.dockerhub}, f.dockertags
	}
	if f.helmhub != "" {
		cfg.ChartHubs = []string{f.helmhub}
	}
	for _, b := range []struct {
		flag, value, scheme string
		aliases             []string
	}{
		{"gcsbucket", f.gcsbucket, "gs", f.gcsaliases}, {"s3bucket", f.s3bucket, "s3", f.s3aliases},
	} {
		if b.value == "" {
			if len(b.aliases) > 0 {
				return nil, none, usageError{fmt.Errorf("--%s needs --%s", strings.Replace(b.flag, "bucket", "aliases", 1), b.flag)}
			}
			continue
		}
		u, prefix := f.bucketURL(b.value, b.scheme)
		cfg.Buckets = append(cfg.Buckets, pubconfig.Bucket{URL: u, Prefix: prefix, Aliases: b.aliases})
	}
	for _, b := range []struct{ value, scheme string }{{f.helmbucket, "gs"}, {f.s3helmbucket, "s3"}} {
		if b.value != "" {
			u, prefix := f.bucketURL(b.value, b.scheme)
			cfg.ChartRepos = append(cfg.ChartRepos, pubconfig.ChartRepo{URL: u, Prefix: prefix, PublicURL: f.publicURL(b.value, b.scheme)})
		}
	}
	if f.githubRepo != "" {
		tok := f.getenv("GITHUB_TOKEN")
		if f.githubtoken != "" {
			var err error
			if tok, err = readToken("githubtoken", f.githubtoken); err != nil {
				return nil, none, err
			}
		}
		if tok == "" {
			return nil, none, usageError{errors.New("--github needs --githubtoken or $GITHUB_TOKEN")}
		}
		// Istio's --github ORG tags every dependency's repository in ORG, then makes a draft
		// pre-release in ORG/istio, as release-builder does; org/repo makes the release alone.
		cfg.GitHub = &pubconfig.GitHub{Repository: f.githubRepo, Token: tok, ClientOptions: githubAPI}
	}
	if f.grafanatoken != "" {
		tok, err := readToken("grafanatoken", f.grafanatoken)
		if err != nil {
			return nil, none, err
		}
		if len(rel.Manifest.Dashboards) == 0 {
			return nil, none, usageError{errors.New("--grafanatoken: the manifest's dashboards map gives no grafana.com ids")}
		}
		cfg.Grafana = &pubconfig.Grafana{Token: tok, API: grafanaAPI}
	}
	targets, closeAll, err := cfg.Targets(ctx, rel)
	if errors.Is(err, pubconfig.ErrNoTarget) {
		return nil, closeAll, nil
	}
	if err != nil {
		return nil, closeAll, usageError{err}
	}
	return targets, closeAll, nil
}

// bucketURL is the bucket URL and prefix of Istio's "bucket/path" with scheme (a URL is taken as
// it is, with no prefix); S3 buckets get the --s3-base-endpoint.
func (f publishFlags) bucketURL(value, scheme string) (string, string) {
	if strings.Contains(value, "://") {
		return value, ""
	}
	bucket, path, _ := strings.Cut(value, "/")
	u := scheme + "://" + bucket
	if scheme == "s3" && f.s3endpoint != "" {
		u += "?endpoint=" + url.QueryEscape(f.s3endpoint)
	}
	return u, path
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
