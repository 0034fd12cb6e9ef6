// Command release-builder is a drop-in for Istio's release-builder command line: the same
// subcommands and flag names, each flag mapped to a releasekit call, so that Istio's
// release/build.sh runs unchanged.
//
//	release-builder build --manifest manifest.yaml
//	release-builder validate --release /tmp/istio-release/out
//	release-builder publish --release /tmp/istio-release/out --dockerhub docker.io/istio --dockertags 1.24.0 --gcsbucket istio-release/releases
//
// A flag Istio has that releasekit cannot honour is an error naming it, never ignored. Bucket
// flags take Istio's "bucket/path" (gs:// or s3://), or a bucket URL. Exit status 2 is bad usage
// or input, 1 a failure.
package main

import (
	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/branch"
	bgithub "github.com/releasekit/releasekit/branch/github"
	"github.com/releasekit/releasekit/branch/plans"
	"github.com/releasekit/releasekit/manifest"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// usageError is bad usage or input: exit status 2.
type usageError struct{ error }

// unsupported is the error for an Istio flag releasekit cannot honour.
func unsupported(flag, why string) error {
	return usageError{fmt.Errorf("--%s is not supported: %s", flag, why)}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"build": build, "validate": validateCmd, "publish": publishCmd, "branch": branchCmd,
	}
	if len(args) == 0 || commands[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: release-builder build|validate|publish|branch [flags]")
		return 2
	}
	err := commands[args[0]](ctx, args[1:], stdout, stderr)
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "release-builder %s: %v\n", args[0], err)
		return 2
	case errors.Is(err, errFailed):
		return 1 // the report says why
	case err != nil:
		fmt.Fprintf(stderr, "release-builder %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// errFailed is a failure whose report was printed.
var errFailed = errors.New("failed")

// flags parses a subcommand's flags; arguments other than flags are bad usage.
func flags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q (flags only)", fs.Args())}
	}
	return nil
}

// readToken reads a token file, as Istio's --githubtoken and --grafanatoken name one.
func readToken(flagName, file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", usageError{fmt.Errorf("--%s: %w", flagName, err)}
	}
	tok := string(trimSpace(data))
	if tok == "" {
		return "", usageError{fmt.Errorf("--%s %s: empty", flagName, file)}
	}
	return tok, nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// branchCmd is Istio's "branch --manifest M --step N [--dryrun]": the step of Istio's branch
// plan (branch/plans/istio.yaml), or of another plan (--plan, a file or a plan's name), over
// the manifest's dependencies, for its version.
func branchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("branch", flag.ContinueOnError)
	manifestFile := fs.String("manifest", "", "release manifest: its version is the one branched, its dependencies the repositories")
	step := fs.Int("step", 0, "the branch cutting step to run")
	dryrun := fs.Bool("dryrun", true, "change nothing: print what would be pushed and opened, with the diffs")
	tokenFile := fs.String("githubtoken", "", "file holding the GitHub token (default $GITHUB_TOKEN): push to github.com and open pull requests")
	planFile := fs.String("plan", "istio", "the branch plan: a file, or a plan's name ("+strings.Join(plans.Names(), ", ")+")")
	prRepoOrg := fs.String("prRepoOrg", "", "open the pull requests in this organization's repositories, from the branches pushed to the manifest's")
	if err := flags(fs, args, stderr); err != nil {
		return err
	}
	if *manifestFile == "" || *step < 1 {
		return usageError{errors.New("--manifest and --step are required")}
	}
	load := branch.Load
	if plans.IsName(*planFile) {
		load = plans.Load
	}
	plan, err := load(*planFile)
	if err != nil {
		return usageError{err}
	}
	m, err := manifest.Load(*manifestFile)
	if err != nil {
		return usageError{err}
	}
	opts := []branch.Option{branch.WithDryRun(*dryrun), branch.WithEnv(passEnv("PATH", "HOME", "TMPDIR", "GOPATH", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN"))}
	if m.Directory == "" {
		tmp, err := os.MkdirTemp("", "branch-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		opts = append(opts, branch.WithWorkDir(tmp))
	}
	token := os.Getenv("GITHUB_TOKEN")
	if *tokenFile != "" {
		if token, err = readToken("githubtoken", *tokenFile); err != nil {
			return err
		}
	}
	if !*dryrun && token != "" {
		client, err := gh.NewClient(gh.WithAuthToken(token))
		if err != nil {
			return err
		}
		prs, err := bgithub.New(client, *prRepoOrg)
		if err != nil {
			return usageError{fmt.Errorf("--prRepoOrg: %w", err)}
		}
		prs.HeadFromURL = *prRepoOrg != ""
		opts = append(opts, branch.WithPullRequests(prs), branch.WithPushURL(bgithub.PushURL(token)))
	}
	report, err := branch.Run(ctx, plan, m, m.Version, *step, opts...)
	if report != nil {
		if werr := report.Write(stdout); werr != nil {
			return werr
		}
	}
	var problem *manifest.Error
	if err != nil && report == nil && (errors.As(err, &problem) || errors.Is(err, branch.ErrNoStep) || errors.Is(err, branch.ErrInput)) {
		return usageError{err}
	}
	return err
}

// passEnv is the named variables of this environment that are set, as KEY=value.
func passEnv(keys ...string) []string {
	var env []string
	for _, k := range keys {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
