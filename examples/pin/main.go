// Command pin pins the image references in Helm values files and Kubernetes YAML to digests,
// in place, changing only the pinned values. With -check it changes nothing and lists every
// reference that is not pinned, for release branches where pins are mandatory.
//
//	pin [-lock images.lock.yaml] [-layout out/docker] [-image path=ref] [-offline] file...
//	pin -check file...
//	pin -chart charts/app [-f values.yaml] [-set a.b=c] [-check]
//
// With -chart, the chart's values.yaml is pinned through its templates: a pin is written only
// when rendering the chart shows exactly that image pinned and nothing else changed. A table
// says, for every image the chart renders, whether it is pinned, pinnable (by which value),
// refused (why), or not pinnable (written in a template). -f and -set give the chart values to
// render with, as helm template does, for a chart that needs them; only values.yaml is written.
//
// Images are the values of image keys (image, fooImage, foo_image, a list under images) and the
// values -image names. With -lock, the lock's references are the release's images: a string that
// is exactly one of them, its registry written, is pinned wherever it stands (a list item, a
// mapping key, a document of one string), as ko resolves the images it built.
//
// References resolve from the OCI layout, then the lock file, then their registries with the
// credentials of the docker config. Exit status: 0 done, 1 a failure or an unpinned reference
// found by -check, 2 bad input.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
)

type config struct {
	check, offline bool
	lock, layout   string
	chart          string
	valueFiles     []string
	set            []string
	images         map[string]string
	jobs           int
	files          []string
}

func main() {
	var c config
	flag.BoolVar(&c.check, "check", false, "list unpinned references and change nothing")
	flag.BoolVar(&c.offline, "offline", false, "ask no registry: only the layout and the lock file")
	flag.StringVar(&c.lock, "lock", "", "lock file to resolve from first; new answers are added to it")
	flag.StringVar(&c.layout, "layout", "", "OCI layout of the release's images (e.g. out/docker)")
	flag.IntVar(&c.jobs, "jobs", 16, "references resolved at once")
	flag.StringVar(&c.chart, "chart", "", "pin this chart folder's values.yaml through its templates")
	flag.Func("f", "with -chart: a values file to render the chart with, as helm template -f (repeatable)", func(s string) error {
		c.valueFiles = append(c.valueFiles, s)
		return nil
	})
	flag.Func("set", "with -chart: values to render the chart with, as helm template --set a.b=c (repeatable)", func(s string) error {
		c.set = append(c.set, s)
		return nil
	})
	c.images = map[string]string{}
	flag.Func("image", "path=ref: the value at a YAML path holds image ref (repeatable)", func(s string) error {
		p, ref, ok := strings.Cut(s, "=")
		if !ok {
			return errors.New("want path=ref")
		}
		c.images[p] = ref
		return nil
	})
	flag.Parse()
	c.files = flag.Args()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, c, os.Stdout, os.Stderr, authn.DefaultKeychain))
}

func run(ctx context.Context, c config, stdout, stderr io.Writer, keychain authn.Keychain) int {
	if len(c.files) == 0 && c.chart == "" || len(c.files) > 0 && c.chart != "" {
		fmt.Fprintln(stderr, "pin: name files, or -chart DIR")
		return 2
	}
	if c.chart == "" && len(c.valueFiles)+len(c.set) > 0 {
		fmt.Fprintln(stderr, "pin: -f and -set go with -chart")
		return 2
	}
	opts := []digest.Option{digest.WithImages(c.images), digest.WithJobs(c.jobs)}
	if c.check && c.chart == "" {
		return check(c, opts, stdout, stderr)
	}
	var chain digest.Chain
	if c.layout != "" {
		l, err := release.OpenLayout(c.layout)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		chain = append(chain, l)
	}
	lock := digest.NewLock()
	if c.lock != "" {
		l, err := digest.LoadLock(c.lock)
		switch {
		case err == nil:
			lock = l
		case !errors.Is(err, fs.ErrNotExist):
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	chain = append(chain, lock)
	if c.chart == "" && lock.Len() > 0 {
		// The lock's references are the release's images: a string that is exactly one of
		// them is pinned wherever it stands in a file.
		opts = append(opts, digest.WithReleaseImages(lock.References()))
	}
	if !c.offline {
		reg, err := digest.NewRegistry(digest.WithKeychain(keychain))
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		chain = append(chain, digest.Record(reg, lock))
	}
	if c.chart != "" {
		status := pinChart(ctx, c, chain, opts, stdout, stderr)
		if status != 2 && !c.check && c.lock != "" && lock.Len() > 0 {
			if err := lock.Write(c.lock); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
		}
		return status
	}
	status := 0
	for _, file := range c.files {
		data, err := digest.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		planned, err := digest.Plan(ctx, data, file, chain, opts...)
		if errors.Is(err, digest.ErrInvalid) {
			fmt.Fprintln(stderr, err)
			return 2 // the file itself is bad: nothing is written
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
			continue
		}
		// An image the file alone cannot pin is refused on its own; the others are pinned.
		var pinnable []digest.Change
		for _, c := range planned {
			if c.Err != nil {
				fmt.Fprintln(stderr, c.Err)
				status = 1
				continue
			}
			pinnable = append(pinnable, c)
		}
		out, changes, err := digest.Apply(data, file, pinnable, opts...)
		if err != nil {
			fmt.Fprintln(stderr, err)
			status = 1
			continue
		}
		for _, ch := range changes {
			fmt.Fprintf(stdout, "%s:%d: %s: %s -> %s\n", ch.File, ch.Line, ch.Path, ch.Old, ch.New)
		}
		if len(changes) > 0 {
			if err := digest.WriteFile(file, out); err != nil {
				fmt.Fprintln(stderr, err)
				return 1
			}
		}
	}
	if c.lock != "" && lock.Len() > 0 {
		if err := lock.Write(c.lock); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return status
}

func check(c config, opts []digest.Option, stdout, stderr io.Writer) int {
	status := 0
	for _, file := range c.files {
		data, err := digest.ReadFile(file)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		unpinned, err := digest.Check(data, file, opts...)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		for _, im := range unpinned {
			if im.Refused != "" {
				fmt.Fprintf(stdout, "%s: not pinnable: %s\n", im, im.Refused)
			} else {
				fmt.Fprintf(stdout, "%s: not pinned\n", im)
			}
			status = 1
		}
	}
	return status
}

// pinChart pins the chart folder's values through its templates (or, with -check, only says
// what it would do) and prints a line per rendered image. Exit 1 when an image stays unpinned.
func pinChart(ctx context.Context, c config, r digest.Resolver, opts []digest.Option, stdout, stderr io.Writer) int {
	user, err := chart.UserValues(c.valueFiles, c.set)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	res, err := chart.New(chart.WithValues(user)).Pin(ctx, c.chart, r, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, digest.ErrInvalid) {
			return 2
		}
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	status := 0
	for _, im := range res.Images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", im.File, im.Ref, im.State, im.Value, im.Reason)
		if im.State == chart.Refused || im.State == chart.NotPinnable {
			status = 1
		}
	}
	tw.Flush()
	fmt.Fprintf(stderr, "%s: %d renders proved the pins\n", c.chart, res.Renders)
	if c.check {
		return status
	}
	// Only values files the chart loaded are written: values.yaml and its subcharts'.
	for _, name := range slices.Sorted(maps.Keys(res.Changed)) {
		if !filepath.IsLocal(filepath.FromSlash(name)) {
			fmt.Fprintf(stderr, "%s: not a file of the chart\n", name)
			return 1
		}
		if err := digest.WriteFile(filepath.Join(c.chart, filepath.FromSlash(name)), res.Changed[name]); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return status
}
