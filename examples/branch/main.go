// Command branch runs one step of a branch plan over a release's repositories: a dry run by
// default, which clones, applies the step's actions and prints per repository what it would
// push and open, with the diff. -plan is a plan file or the name of a plan in branch/plans:
// istio (Istio's five steps), csi (Kubernetes-CSI's maintenance branches).
//
//	go run ./examples/branch -plan istio -manifest manifest.yaml -version 1.30 -step 4
//	go run ./examples/branch -plan csi -version 2.19 -step 1 -dry-run=false
//
// A real run (-dry-run=false) pushes branches and work branches with git's own credentials or,
// when GITHUB_TOKEN (or GH_TOKEN) is set, with that token for github.com remotes, and then
// opens the pull requests on GitHub; without a token it opens none and says so. Run actions see
// only PATH, HOME, TMPDIR and the go command's variables (GOPATH, GOCACHE, GOPROXY, …) of this
// environment, never a token.
//
// Exit status 1 means a repository failed (every repository is still reported), 2 bad input.
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

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/branch/github"
	"github.com/releasekit/releasekit/branch/plans"
	"github.com/releasekit/releasekit/manifest"
)

type config struct {
	plan, manifest, version, work string
	step                          int
	dryRun                        bool
	githubOrg, prOrg, githubAPI   string
}

func main() {
	var c config
	flag.StringVar(&c.plan, "plan", "", "the branch plan: a file, or a plan's name ("+strings.Join(plans.Names(), ", ")+") (required)")
	flag.StringVar(&c.manifest, "manifest", "", "a manifest whose dependencies are the repositories (default: the plan's)")
	flag.StringVar(&c.version, "version", "", "the version being branched, e.g. 1.30 (required)")
	flag.IntVar(&c.step, "step", 0, "the step to run (required)")
	flag.BoolVar(&c.dryRun, "dry-run", true, "clone and apply, but push and open nothing")
	flag.StringVar(&c.githubOrg, "github-org", "", "open pull requests in this organization's repositories (default: the owners in the git URLs)")
	flag.StringVar(&c.prOrg, "pr-org", "", "push work branches to this organization's forks and open pull requests from there")
	flag.StringVar(&c.githubAPI, "github-api", "", "GitHub API URL (default: api.github.com)")
	flag.StringVar(&c.work, "work", "", "working folder, kept between runs (default: the manifest's directory, else a temporary one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, c, os.Getenv, os.Stdout, os.Stderr))
}

// passed are the variables of this environment that run actions see.
var passed = []string{"PATH", "HOME", "TMPDIR", "GOPATH", "GOCACHE", "GOMODCACHE", "GOPROXY", "GONOPROXY", "GOPRIVATE",
	"GONOSUMDB", "GOSUMDB", "GOFLAGS", "GOTOOLCHAIN", "GOINSECURE"}

func run(ctx context.Context, c config, getenv func(string) string, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "branch:", err)
		return code
	}
	if c.plan == "" || c.version == "" || c.step < 1 {
		return fail(2, errors.New("-plan, -version and -step are required"))
	}
	load := branch.Load
	if plans.IsName(c.plan) {
		load = plans.Load
	}
	plan, err := load(c.plan)
	if err != nil {
		return fail(2, err)
	}
	var m *manifest.Manifest
	if c.manifest != "" {
		if m, err = manifest.Load(c.manifest); err != nil {
			return fail(2, err)
		}
	}
	var env []string
	for _, k := range passed {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	opts := []branch.Option{branch.WithDryRun(c.dryRun), branch.WithEnv(env)}
	if c.work == "" && (m == nil || m.Directory == "") {
		tmp, err := os.MkdirTemp("", "branch-")
		if err != nil {
			return fail(1, err)
		}
		defer os.RemoveAll(tmp)
		c.work = tmp
	}
	if c.work != "" {
		opts = append(opts, branch.WithWorkDir(c.work))
	}
	token := getenv("GITHUB_TOKEN")
	if token == "" {
		token = getenv("GH_TOKEN")
	}
	if !c.dryRun && token == "" && c.prOrg != "" {
		return fail(2, errors.New("-pr-org needs a GitHub token: set GITHUB_TOKEN or GH_TOKEN"))
	}
	if !c.dryRun && token != "" {
		more, err := githubOptions(c, token)
		if err != nil {
			return fail(2, err)
		}
		opts = append(opts, more...)
	}
	report, err := branch.Run(ctx, plan, m, c.version, c.step, opts...)
	if report != nil {
		if werr := report.Write(stdout); werr != nil {
			return fail(1, werr)
		}
	}
	var problem *manifest.Error
	switch {
	case err == nil:
		return 0
	case report == nil && (errors.As(err, &problem) || errors.Is(err, branch.ErrNoStep) || errors.Is(err, branch.ErrInput)):
		return fail(2, err)
	default:
		return fail(1, err)
	}
}

// githubOptions pushes to github.com with the token and opens pull requests there.
func githubOptions(c config, token string) ([]branch.Option, error) {
	clientOpts := []gh.ClientOptionsFunc{gh.WithAuthToken(token)}
	if c.githubAPI != "" {
		base := strings.TrimSuffix(c.githubAPI, "/") + "/"
		upload := strings.TrimSuffix(strings.TrimSuffix(base, "/api/v3/"), "/") + "/api/uploads/"
		clientOpts = append(clientOpts, gh.WithURLs(&base, &upload))
	}
	client, err := gh.NewClient(clientOpts...)
	if err != nil {
		return nil, err
	}
	prs, err := github.New(client, c.githubOrg)
	if err != nil {
		return nil, err
	}
	opts := []branch.Option{branch.WithPullRequests(prs), branch.WithPushURL(github.PushURL(token))}
	if c.prOrg != "" {
		opts = append(opts, branch.WithFork(c.prOrg, github.ForkURL(c.prOrg, token)))
	}
	return opts, nil
}
