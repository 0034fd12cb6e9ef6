package releasekit

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	gh "github.com/google/go-github/v92/github"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/publish"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/github"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
)

// TestOptionsRejected: every package takes functional With… options, and an invalid value is an
// error naming the option, returned before anything is done.
func TestOptionsRejected(t *testing.T) {
	ctx := context.Background()
	bucket, err := blob.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer bucket.Close()
	m := &manifest.Manifest{Version: "1.0.0"}
	for option, call := range map[string]func() error{
		"WithJobs resolve": func() error { _, err := resolve.Dependencies(ctx, m, resolve.WithJobs(0)); return err },
		"WithJobs artifacts": func() error {
			_, err := artifacts.Build(ctx, nil, t.TempDir(), artifacts.WithJobs(0))
			return err
		},
		"WithProvenance": func() error {
			_, err := artifacts.Build(ctx, nil, t.TempDir(), artifacts.WithProvenance("https://token:x@ci.example/job"))
			return err
		},
		"WithWorkDir":       func() error { _, err := branch.Run(ctx, nil, m, "1.0", 1, branch.WithWorkDir("")); return err },
		"WithJobs validate": func() error { _, err := validate.Release(ctx, t.TempDir(), validate.WithJobs(0)); return err },
		"WithJobs digest":   func() error { _, err := digest.Find(nil, "values.yaml", digest.WithJobs(0)); return err },
		"WithJobs publish":  func() error { _, err := publish.Images("registry.example/org", publish.WithJobs(0)); return err },
		"WithKeychain":      func() error { _, err := digest.NewRegistry(digest.WithKeychain(nil)); return err },
		"WithOnlyChecks":    func() error { _, err := validate.Defaults(validate.WithOnlyChecks()); return err },
		"WithTag": func() error {
			client, err := gh.NewClient()
			if err != nil {
				return err
			}
			_, err = github.New(client, "o/r", github.WithTag(""))
			return err
		},
		"WithEnv": func() error { _, err := publish.GitTags(publish.WithEnv("NOEQUALS")); return err },
		"WithRetry": func() error {
			_, err := publish.Charts("registry.example/charts", publish.WithRetry(remote.Backoff{Steps: 0}))
			return err
		},
	} {
		err := call()
		name, _, _ := strings.Cut(option, " ")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming %s", option, err, name)
		}
	}
	// A publish option a target does not take is not of that target's option type, so giving
	// it does not compile: WithTags is no FilesOption, WithAliases no ImagesOption, WithForce
	// nothing ChartRepo takes.
	for name, wrong := range map[string]bool{
		"WithTags as a FilesOption":      is[publish.FilesOption](publish.WithTags("latest")),
		"WithAliases as an ImagesOption": is[publish.ImagesOption](publish.WithAliases("latest.txt")),
		"WithRemote as a RegistryOption": is[publish.RegistryOption](publish.WithRemote("a", "b")),
		"WithKeychain as a FilesOption":  is[publish.FilesOption](publish.WithKeychain(nil)),
	} {
		if wrong {
			t.Errorf("%s: it is one", name)
		}
	}
	if !is[publish.FilesOption](publish.WithForce()) || !is[publish.ChartsOption](publish.WithForce()) {
		t.Error("WithForce is not a Files and Charts option")
	}
}

// is reports whether v's dynamic type implements T.
func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}
