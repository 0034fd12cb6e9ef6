// Command publish publishes a built release directory: images and charts to OCI registries,
// files and a chart repository to buckets, git tags, and a GitHub release. It validates the
// release first (every check must pass, unless -skip-validation), prints the plan, and acts only
// when -dry-run=false. -docker-hub and -helm-hub may be given more than once, to publish to
// several registries in one plan.
//
//	go run ./examples/publish -release /tmp/release -docker-hub ghcr.io/org -docker-hub docker.io/org \
//	    -tags latest -bucket gs://releases/org -helm-hub oci://ghcr.io/org/charts -dry-run=false
//
// Credentials come from the environment, never from flags: registry logins from the docker
// config (as docker and crane read it), GITHUB_TOKEN or GH_TOKEN (or -github-token-file) for
// GitHub, cloud credentials as each bucket's SDK finds them.
//
// Exit status 2 means bad flags, 1 that planning or publishing failed (including a refused tag).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	gh "github.com/google/go-github/v92/github"
	"github.com/sigstore/sigstore/pkg/signature"
	_ "gocloud.dev/blob/gcsblob" // gs:// buckets
	_ "gocloud.dev/blob/s3blob"  // s3:// buckets

	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish"
	pubconfig "github.com/releasekit/releasekit/publish/config"
	"github.com/releasekit/releasekit/publish/sign"
	"github.com/releasekit/releasekit/validate"
)

type config struct {
	release, tags, bucket, prefix, aliases    string
	helmBucket, helmURL, github, tokenFile    string
	githubAPI, checksumsName, signKey         string
	notesFile, notesGit, notesDependency      string
	report, list                              string
	dockerHubs, helmHubs                      hubs
	gitTags, dryRun, force, draft, prerelease bool
	skipValidation                            bool
	jobs                                      int
}

// hubs is a flag given once per registry.
type hubs []string

func (h *hubs) String() string { return strings.Join(*h, ",") }

func (h *hubs) Set(s string) error {
	if s == "" {
		return errors.New("empty hub")
	}
	*h = append(*h, s)
	return nil
}

func main() {
	var c config
	flag.StringVar(&c.release, "release", "", "release directory (required)")
	flag.Var(&c.dockerHubs, "docker-hub", "push images to this registry prefix, e.g. ghcr.io/org (repeatable)")
	flag.StringVar(&c.signKey, "sign-key", "", "sign the pushed images and charts with this cosign key (cosign.key; its password in $COSIGN_PASSWORD) and attach the provenance and SBOMs")
	flag.StringVar(&c.tags, "tags", "", "comma-separated tags to push besides the version, e.g. latest")
	flag.StringVar(&c.bucket, "bucket", "", "copy files to this bucket URL (file://, mem://, gs://, s3://)")
	flag.StringVar(&c.prefix, "bucket-prefix", "", "folder in -bucket; files go under <prefix>/<version>/")
	flag.StringVar(&c.aliases, "aliases", "", "comma-separated alias objects in -bucket naming the version, e.g. latest.txt")
	flag.Var(&c.helmHubs, "helm-hub", "push charts to this OCI registry prefix, e.g. oci://ghcr.io/org/charts (repeatable)")
	flag.StringVar(&c.helmBucket, "helm-bucket", "", "publish charts to a chart repository in this bucket URL")
	flag.StringVar(&c.helmURL, "helm-url", "", "the chart repository's public URL (required with -helm-bucket)")
	flag.StringVar(&c.github, "github", "", "create a GitHub release in owner/name")
	flag.StringVar(&c.githubAPI, "github-api", "", "GitHub Enterprise's API URL, e.g. https://github.example.com/api/v3/ (default api.github.com)")
	flag.StringVar(&c.tokenFile, "github-token-file", "", "file holding the GitHub token (default $GITHUB_TOKEN or $GH_TOKEN)")
	flag.StringVar(&c.checksumsName, "github-checksums", "", "name the GitHub release's checksums asset, a template of .Name (the repository), .Version and .Tag, e.g. {{.Name}}_{{.Version}}_checksums.txt (default SHA256SUMS)")
	flag.StringVar(&c.notesFile, "notes-file", "", "the GitHub release's notes, from this file")
	flag.StringVar(&c.notesGit, "notes-git", "", "write the GitHub release's notes from this git repository: the commits since the previous release tag, grouped by conventional-commit type")
	flag.StringVar(&c.notesDependency, "notes-dependency", "", "the dependency whose commits -notes-git lists (default: the only one, or the one whose URL is -github's)")
	flag.BoolVar(&c.draft, "draft", false, "create the GitHub release as a draft")
	flag.BoolVar(&c.prerelease, "prerelease", false, "mark the GitHub release as a pre-release")
	flag.BoolVar(&c.gitTags, "git-tags", false, "push annotated tags to each dependency's git remote")
	flag.BoolVar(&c.force, "force", false, "move release tags and overwrite objects that exist with other content")
	flag.BoolVar(&c.dryRun, "dry-run", true, "print the plan and change nothing")
	flag.BoolVar(&c.skipValidation, "skip-validation", false, "publish without validating the release first")
	flag.StringVar(&c.report, "report", "", "write the digests report (JSON) here")
	flag.StringVar(&c.list, "list", "", "write the digests list (ref@digest lines) here")
	flag.IntVar(&c.jobs, "jobs", 4, "blobs sent at once")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, c, os.Getenv, os.Stdout, os.Stderr))
}

// usageError is bad input: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, c config, getenv func(string) string, stdout, stderr io.Writer) int {
	err := publishRelease(ctx, c, getenv, stdout, stderr)
	var ue usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "publish:", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "publish:", err)
		return 1
	}
	return 0
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func publishRelease(ctx context.Context, c config, getenv func(string) string, stdout, stderr io.Writer) error {
	if c.release == "" {
		return usageError{errors.New("-release is required")}
	}
	if c.helmBucket != "" && c.helmURL == "" {
		return usageError{errors.New("-helm-bucket needs -helm-url")}
	}
	rel, err := release.Open(c.release)
	if err != nil {
		return usageError{err} // no release there: bad input
	}
	signer, err := signer(c.signKey, getenv)
	if err != nil {
		return usageError{err}
	}
	if signer != nil && len(c.dockerHubs)+len(c.helmHubs) == 0 {
		return usageError{errors.New("-sign-key signs images and charts in registries: give -docker-hub or -helm-hub")}
	}
	cfg := pubconfig.Config{ImageHubs: c.dockerHubs, Tags: split(c.tags), ChartHubs: c.helmHubs, GitTags: c.gitTags,
		Signer: signer, Jobs: c.jobs, Force: c.force, Progress: stderr}
	if c.bucket != "" {
		cfg.Buckets = []pubconfig.Bucket{{URL: c.bucket, Prefix: c.prefix, Aliases: split(c.aliases)}}
	}
	if c.helmBucket != "" {
		cfg.ChartRepos = []pubconfig.ChartRepo{{URL: c.helmBucket, PublicURL: c.helmURL}}
	}
	if c.github != "" {
		if cfg.GitHub, err = githubConfig(ctx, c, getenv, rel); err != nil {
			return err
		}
	}
	targets, closeTargets, err := cfg.Targets(ctx, rel)
	defer closeTargets()
	if errors.Is(err, pubconfig.ErrNoTarget) {
		return usageError{errors.New("no target: give -docker-hub, -helm-hub, -bucket, -helm-bucket, -git-tags or -github")}
	}
	if err != nil {
		return usageError{err}
	}
	if !c.skipValidation {
		rep, err := validate.Release(ctx, c.release, validate.WithChartRenderer(chart.New()))
		if err != nil {
			return err
		}
		if !rep.Passed() {
			rep.WriteTo(stderr)
			return errors.New("the release fails validation: nothing published (-skip-validation publishes anyway)")
		}
		fmt.Fprintln(stderr, rep.Summary())
	}
	report, err := publish.Publish(ctx, rel, targets, stdout, c.dryRun)
	if c.dryRun && (err == nil || errors.Is(err, publish.ErrExists)) {
		fmt.Fprintln(stdout, "dry run: nothing written (publish with -dry-run=false)")
		return err
	}
	if err != nil {
		return err
	}
	if err := report.WriteList(stdout); err != nil {
		return err
	}
	if c.report != "" {
		data, err := report.JSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.report, data, 0o644); err != nil {
			return err
		}
	}
	if c.list != "" {
		var b strings.Builder
		report.WriteList(&b)
		if err := os.WriteFile(c.list, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// githubConfig is the GitHub release of -github: its token, API and notes.
func githubConfig(ctx context.Context, c config, getenv func(string) string, rel *release.Dir) (*pubconfig.GitHub, error) {
	token, err := githubToken(c.tokenFile, getenv)
	if err != nil {
		return nil, usageError{err}
	}
	g := &pubconfig.GitHub{Repository: c.github, Token: token, Draft: c.draft, Prerelease: c.prerelease, ChecksumsName: c.checksumsName}
	if c.githubAPI != "" {
		base := strings.TrimSuffix(c.githubAPI, "/") + "/"
		upload := strings.TrimSuffix(strings.TrimSuffix(base, "/api/v3/"), "/") + "/api/uploads/"
		g.ClientOptions = []gh.ClientOptionsFunc{gh.WithURLs(&base, &upload)}
	}
	if g.Notes, err = releaseNotes(ctx, c, rel); err != nil {
		return nil, err
	}
	return g, nil
}

// signer loads the cosign key in file, with the password in COSIGN_PASSWORD as cosign reads it;
// nil when no file is given.
func signer(file string, getenv func(string) string) (signature.SignerVerifier, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return sign.LoadKey(data, []byte(getenv("COSIGN_PASSWORD")))
}

// githubToken reads the token from the file, else GITHUB_TOKEN, else GH_TOKEN.
func githubToken(file string, getenv func(string) string) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(data)), nil
	}
	for _, k := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if v := getenv(k); v != "" {
			return v, nil
		}
	}
	return "", errors.New("-github needs a token: set GITHUB_TOKEN or GH_TOKEN, or give -github-token-file")
}
