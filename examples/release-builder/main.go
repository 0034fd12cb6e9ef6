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
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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

func branchCmd(_ context.Context, args []string, _, stderr io.Writer) error {
	fs := flag.NewFlagSet("branch", flag.ContinueOnError)
	fs.String("manifest", "", "release manifest")
	fs.String("step", "", "the branch cutting step to run")
	fs.Bool("dryrun", true, "change nothing")
	fs.String("githubtoken", "", "file holding the GitHub token")
	if err := flags(fs, args, stderr); err != nil {
		return err
	}
	return usageError{errors.New("releasekit does not cut release branches yet")}
}
