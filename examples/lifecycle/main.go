// Command lifecycle keeps CI images in a registry alive while they are used and removes them
// when they are not: it records uses, keeps images for good, and plans and applies obsoleting
// (the tag moves to obsolete-<tag>) and pruning (deletion by digest). A dry run is the default.
//
//	go run ./examples/lifecycle -bucket gs://ci-records touch quay.io/libpod/fedora:c20261130t080102z-f9152e2
//	go run ./examples/lifecycle -bucket gs://ci-records keep -why "release-1.30 uses it" quay.io/libpod/fedora:c20261130t080102z-f9152e2
//	go run ./examples/lifecycle -bucket gs://ci-records plan -lock images.lock.yaml quay.io/libpod/fedora
//	go run ./examples/lifecycle -bucket gs://ci-records apply -dry-run=false -current "$(cat IMG_SFX)" quay.io/libpod/fedora
//	go run ./examples/lifecycle -bucket gs://ci-records restore quay.io/libpod/fedora:c20261001t080000z-aaaaaaa
//	go run ./examples/lifecycle suffix -fedora 43 -prior-fedora 42 -debian 14 > IMG_SFX
//	go run ./examples/lifecycle suffix -kind c -commit "$(git rev-parse HEAD)"
//
// Registry logins come from the docker config; the bucket's credentials as its SDK finds them.
// Exit status 2 means bad input, 1 a failure.
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
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	_ "gocloud.dev/blob/gcsblob" // gs:// buckets
	_ "gocloud.dev/blob/s3blob"  // s3:// buckets

	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/publish/blob"
	"github.com/releasekit/releasekit/publish/lifecycle"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], time.Now, os.Stdout, os.Stderr))
}

// usageError is bad input: exit status 2.
type usageError struct{ error }

func run(ctx context.Context, args []string, now func() time.Time, stdout, stderr io.Writer) int {
	err := command(ctx, args, now, stdout)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) || errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stderr, "lifecycle:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "lifecycle:", err)
		return 1
	}
}

// lists is a repeatable flag.
type lists []string

func (l *lists) String() string     { return strings.Join(*l, ",") }
func (l *lists) Set(s string) error { *l = append(*l, s); return nil }

func command(ctx context.Context, args []string, now func() time.Time, stdout io.Writer) error {
	top := flag.NewFlagSet("lifecycle", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	bucketURL := top.String("bucket", "", "where usage records are kept (gs://, s3://, file://)")
	prefix := top.String("prefix", "lifecycle", "folder of the records in the bucket")
	if err := top.Parse(args); err != nil {
		return usageError{err}
	}
	rest := top.Args()
	if len(rest) == 0 {
		return usageError{errors.New("want a command: touch, keep, plan, apply, restore, suffix")}
	}
	cmd, rest := rest[0], rest[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	why := fs.String("why", "", "keep: why the image is kept for good")
	obsoleteAfter := fs.Duration("obsolete-after", 30*24*time.Hour, "plan, apply: obsolete images unused this long")
	pruneAfter := fs.Duration("prune-after", 30*24*time.Hour, "plan, apply: prune images obsolete this long")
	dryRun := fs.Bool("dry-run", true, "apply: print the plan and change nothing")
	current := fs.String("current", "", "plan, apply: the current suffix (IMG_SFX): its images are never obsoleted or pruned")
	least := fs.Int("min", 50, "plan, apply: fewer candidates than this change nothing (the safety net)")
	most := fs.Int("max", 50, "plan, apply: at most this many obsoleted, and as many pruned, a run")
	kind := fs.String("kind", "", "suffix: the image kind's letter in front (none, as IMG_SFX is committed)")
	commit := fs.String("commit", "", "suffix: the commit built, whose first seven digits follow the time")
	fedora := fs.String("fedora", "", "suffix: the Fedora release built, as automation_images' IMG_SFX names it")
	priorFedora := fs.String("prior-fedora", "", "suffix: the prior Fedora release built")
	debian := fs.String("debian", "", "suffix: the Debian release built")
	var locks, pinned lists
	fs.Var(&locks, "lock", "plan, apply: never prune a digest this lock file pins (repeatable)")
	fs.Var(&pinned, "pinned", "plan, apply: never prune a digest this YAML file (chart values, manifests) pins (repeatable)")
	if err := fs.Parse(rest); err != nil {
		return usageError{err}
	}
	if cmd == "suffix" {
		var k byte
		if len(*kind) > 1 {
			return usageError{fmt.Errorf("-kind %q: want one letter", *kind)}
		} else if *kind != "" {
			k = (*kind)[0]
		}
		var s lifecycle.Suffix
		var err error
		switch {
		case *commit != "":
			s, err = lifecycle.CommitSuffix(k, now(), *commit)
		case *fedora != "" && *priorFedora != "" && *debian != "":
			s, err = lifecycle.NewSuffix(k, now(), lifecycle.Distributions(*fedora, *priorFedora, *debian))
		default:
			err = errors.New("suffix wants -commit, or -fedora, -prior-fedora and -debian")
		}
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintln(stdout, s)
		return nil
	}
	if *bucketURL == "" {
		return usageError{errors.New("-bucket is required")}
	}
	if fs.NArg() != 1 {
		return usageError{fmt.Errorf("%s wants one image or repository", cmd)}
	}
	target := fs.Arg(0)
	bucket, err := blob.Open(ctx, *bucketURL)
	if err != nil {
		return usageError{err}
	}
	defer bucket.Close()
	store, err := lifecycle.NewStore(bucket, *prefix)
	if err != nil {
		return err
	}
	opts := []lifecycle.Option{lifecycle.WithClock(now), lifecycle.WithKeychain(authn.DefaultKeychain),
		lifecycle.WithObsoleteAfter(*obsoleteAfter), lifecycle.WithPruneAfter(*pruneAfter), lifecycle.WithLimits(*least, *most)}
	if *current != "" {
		opts = append(opts, lifecycle.WithCurrent(*current))
	}
	protected, err := pins(locks, pinned)
	if err != nil {
		return usageError{err}
	}
	opts = append(opts, lifecycle.WithProtected(protected...))
	m, err := lifecycle.NewManager(store, opts...)
	if err != nil {
		return usageError{err}
	}
	switch cmd {
	case "touch", "keep":
		if cmd == "keep" && *why == "" {
			return usageError{errors.New("keep needs -why")}
		}
		im, err := image(ctx, target)
		if err != nil {
			return err
		}
		if cmd == "keep" {
			return store.Keep(ctx, im, *why)
		}
		return store.Touch(ctx, im, now())
	case "plan", "apply":
		p, err := m.Plan(ctx, target)
		if err != nil {
			return err
		}
		if _, err := p.WriteTo(stdout); err != nil {
			return err
		}
		if cmd == "plan" || *dryRun {
			return nil
		}
		return m.Apply(ctx, p)
	case "restore":
		colon := strings.LastIndex(target, ":")
		if colon < strings.LastIndex(target, "/") {
			return usageError{fmt.Errorf("restore wants repository:tag, got %q", target)}
		}
		return m.Restore(ctx, target[:colon], target[colon+1:])
	}
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

// image reads repository:tag[@digest], asking the registry for the digest when it is not given.
func image(ctx context.Context, s string) (lifecycle.Image, error) {
	ref, err := name.ParseReference(s)
	if err != nil {
		return lifecycle.Image{}, usageError{err}
	}
	im := lifecycle.Image{Repo: ref.Context().Name()}
	if t, ok := ref.(name.Tag); ok {
		im.Tag = t.TagStr()
	}
	if at := strings.LastIndex(s, "@"); at >= 0 {
		im.Digest = s[at+1:]
		if tagged, err := name.NewTag(s[:at]); err == nil {
			im.Tag = tagged.TagStr()
		}
		return im, nil
	}
	desc, err := remote.Head(ref, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return lifecycle.Image{}, err
	}
	im.Digest = desc.Digest.String()
	return im, nil
}

// pins reads the pinned references of lock files and YAML files.
func pins(locks, files []string) ([]digest.Reference, error) {
	var out []digest.Reference
	for _, f := range locks {
		l, err := digest.LoadLock(f)
		if err != nil {
			return nil, err
		}
		out = append(out, l.References()...)
	}
	for _, f := range files {
		data, err := readFile(f)
		if err != nil {
			return nil, err
		}
		images, err := digest.Find(data, f)
		if err != nil {
			return nil, err
		}
		for _, im := range images {
			if im.Ref.Pinned() {
				out = append(out, im.Ref)
			}
		}
	}
	return out, nil
}

// readFile reads at most digest.MaxFileSize bytes of a file.
func readFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, digest.MaxFileSize+1))
	if err == nil && len(data) > digest.MaxFileSize {
		err = fmt.Errorf("%s: larger than %d bytes", p, digest.MaxFileSize)
	}
	return data, err
}
