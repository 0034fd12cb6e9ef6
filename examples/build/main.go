// Command build resolves a release manifest and builds its file outputs into the release
// directory: binaries, archives, packages, sources, licenses, the resolved manifest with every
// artifact's digest, and SHA256SUMS.
//
//	go run ./examples/build -manifest manifest.yaml -out /tmp/release
//
// SOURCE_DATE_EPOCH, when set, is the timestamp of every output; otherwise the newest commit
// time of the sources is. -mirror url=path fetches a repository from a local copy.
//
// Exit status 2 means the manifest is wrong (each problem is printed with file:line:col), 1 that
// resolving or building failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/chart"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
)

func main() {
	path := flag.String("manifest", "manifest.yaml", "release manifest")
	out := flag.String("out", "", "release directory (default <directory>/out)")
	offline := flag.Bool("offline", false, "resolve from the cache only, with no network")
	cache := flag.String("cache", "", "repository cache (default <directory>/cache)")
	verbose := flag.Bool("v", false, "log each step")
	jobs := flag.Int("jobs", runtime.NumCPU(), "artifacts built at once")
	lock := flag.String("lock", "", "image lock file: third-party images resolve from it first, and new answers are added to it")
	kinds := flag.String("kinds", "", "a shard: build only these output kinds, comma-separated (archive, debian, rpm, docker, helm, licenses, sources, grafana, scanner, command)")
	names := flag.String("names", "", "a shard: build only outputs whose release path (an image: its reference) matches one of these globs, comma-separated")
	platforms := flag.String("platforms", "", "a shard: build archives and packages only for these platforms, comma-separated")
	suffix := flag.String("suffix", "", "the build's unique suffix (.Suffix in name templates), e.g. from lifecycle suffix; default the manifest's")
	merge := flag.String("merge", "", "merge these shards' release directories (comma-separated) into -out instead of building")
	changed := flag.String("changed", "", "a presubmit: a file of changed paths (git diff --name-only base..head), one per line; build nothing when no output can change")
	changedDep := flag.String("changed-dependency", "", "the dependency -changed lists paths of (default: the only one)")
	title := flag.String("title", "", "the pull request's title: [CI:DOCS] or [CI:TOOLING] builds nothing")
	labels := flag.String("labels", "", "the pull request's labels, comma-separated: no_<name> builds no output named name")
	builder := flag.String("provenance-builder", "", "write the build provenance naming this builder id (a URI of the CI job)")
	var mirrors mirrorFlag
	flag.Var(&mirrors, "mirror", "url=path: fetch url from path (repeatable)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "build: unexpected arguments %q (flags only)\n", flag.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := config{path: *path, out: *out, cache: *cache, offline: *offline, verbose: *verbose, jobs: *jobs,
		mirrors: mirrors, lock: *lock, epoch: os.Getenv("SOURCE_DATE_EPOCH"), builder: *builder,
		changed: *changed, changedDep: *changedDep, title: *title,
		kinds: split(*kinds), names: split(*names), platforms: split(*platforms), merge: split(*merge), suffix: *suffix,
		labels: split(*labels)}
	os.Exit(run(ctx, c, os.Stdout, os.Stderr))
}

type config struct {
	path, out, cache string
	offline, verbose bool
	jobs             int
	mirrors          mirrorFlag
	lock             string
	epoch            string
	builder          string
	// changed, changedDep and title describe a presubmit's change.
	changed, changedDep, title string
	labels                     []string
	// kinds, names and platforms select a shard; merge lists shards to merge.
	kinds, names, platforms, merge []string
	suffix                         string
}

type mirrorFlag []string

func (m *mirrorFlag) String() string { return strings.Join(*m, ",") }
func (m *mirrorFlag) Set(v string) error {
	if u, p, ok := strings.Cut(v, "="); !ok || u == "" || p == "" {
		return fmt.Errorf("want url=path, got %q", v)
	}
	*m = append(*m, v)
	return nil
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) int {
	path, out, cache := c.path, c.out, c.cache
	if c.jobs < 1 {
		fmt.Fprintf(stderr, "-jobs %d: want at least 1\n", c.jobs)
		return 2
	}
	// A manifest that cannot be read (missing, a folder) is bad input, as one that does not parse.
	m, err := manifest.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if c.suffix != "" {
		m.Suffix = c.suffix
		if err := m.Validate(); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	if out != "" {
		if st, err := os.Stat(out); err == nil && !st.IsDir() {
			fmt.Fprintf(stderr, "-out %s: not a directory\n", out)
			return 2
		}
	}
	if m.Directory == "" {
		if m.Directory, err = os.MkdirTemp("", "release-"); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if out == "" {
		out = filepath.Join(m.Directory, "out")
	}
	opts := []resolve.Option{resolve.WithOffline(c.offline), resolve.WithProgress(stderr)}
	build := []artifacts.Option{artifacts.WithJobs(c.jobs), artifacts.WithProgress(stderr),
		artifacts.WithPackager(pkg.New()), artifacts.WithLicenseScanner(licenses.New()),
		artifacts.WithChartPackager(chart.New()), artifacts.WithKeychain(authn.DefaultKeychain)}
	// Third-party images in charts: the lock file first, then their registries (unless offline).
	images := digest.NewLock()
	if c.lock != "" {
		if l, err := digest.LoadLock(c.lock); err == nil {
			images = l
		} else if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	resolver := digest.Chain{images}
	if !c.offline {
		reg, err := digest.NewRegistry(digest.WithKeychain(authn.DefaultKeychain))
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		resolver = append(resolver, digest.Record(reg, images))
	}
	build = append(build, artifacts.WithResolver(resolver))
	if cache != "" {
		opts = append(opts, resolve.WithCacheDir(cache))
	}
	for _, mirror := range c.mirrors {
		u, p, _ := strings.Cut(mirror, "=")
		opts = append(opts, resolve.WithMirror(u, p))
	}
	if c.verbose {
		log := slog.New(slog.NewTextHandler(stderr, nil))
		opts = append(opts, resolve.WithLogger(log))
		build = append(build, artifacts.WithLogger(log))
	}
	if c.builder != "" {
		build = append(build, artifacts.WithProvenance(c.builder))
	}
	if c.epoch != "" {
		sec, err := strconv.ParseInt(c.epoch, 10, 64)
		if err != nil || sec <= 0 {
			fmt.Fprintf(stderr, "SOURCE_DATE_EPOCH=%q: want seconds since 1970\n", c.epoch)
			return 2
		}
		build = append(build, artifacts.WithTime(time.Unix(sec, 0)))
	}
	res, err := resolve.Dependencies(ctx, m, opts...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		if errors.Is(err, resolve.ErrNoSpec) || len(manifest.Problems(err)) > 0 {
			return 2 // a spec file missing or bad
		}
		return 1
	}
	for _, name := range res.Manifest.DependencyNames() {
		d := res.Manifest.Dependencies[name]
		fmt.Fprintf(stdout, "%-12s %s  %s\n", name, d.Sha, d.Resolved.From)
	}
	if c.changed != "" || c.title != "" || len(c.labels) > 0 {
		a, err := affected(res.Manifest, c)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		fmt.Fprint(stdout, a)
		if len(a.Outputs) == 0 {
			return 0
		}
		// Only what the change can change: a partial release directory.
		build = append(build, artifacts.WithSelector(a.Selector(res.Manifest)))
	}
	if len(c.kinds)+len(c.names)+len(c.platforms) > 0 {
		sel := artifacts.Selector{Names: c.names, Platforms: c.platforms}
		for _, k := range c.kinds {
			sel.Kinds = append(sel.Kinds, manifest.Output(k))
		}
		build = append(build, artifacts.WithSelector(sel))
	}
	var set *artifacts.Set
	if len(c.merge) > 0 {
		set, err = artifacts.Merge(ctx, res, out, c.merge, build...)
	} else {
		set, err = artifacts.Build(ctx, res, out, build...)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		if len(manifest.Problems(err)) > 0 {
			return 2
		}
		return 1
	}
	if c.lock != "" && images.Len() > 0 {
		if err := images.Write(c.lock); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	for _, im := range set.Images {
		fmt.Fprintf(stdout, "image %s@%s\n", im.Ref, im.Digest)
	}
	fmt.Fprintln(stdout, summary(len(set.Artifacts), len(set.Images), set.Dir))
	return 0
}

// summary is the last line of a build: what it made, files and images, and where.
func summary(files, images int, dir string) string {
	var parts []string
	if files > 0 || images == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", files, plural(files, "artifact", "artifacts")))
	}
	if images > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", images, plural(images, "image", "images")))
	}
	return "built " + strings.Join(parts, " and ") + " in " + dir
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// affected reads a presubmit's change and says which outputs it affects.
func affected(m *manifest.Manifest, c config) (*artifacts.Affected, error) {
	changes := map[string][]string{}
	if c.changed != "" {
		dep := c.changedDep
		if dep == "" {
			names := m.DependencyNames()
			if len(names) != 1 {
				return nil, fmt.Errorf("-changed: the manifest has %d dependencies: name one with -changed-dependency", len(names))
			}
			dep = names[0]
		}
		if _, ok := m.Dependencies[dep]; !ok {
			return nil, fmt.Errorf("-changed-dependency %q: no such dependency", dep)
		}
		data, err := os.ReadFile(c.changed)
		if err != nil {
			return nil, err
		}
		changes[dep] = strings.Fields(string(data))
	}
	a := artifacts.AffectedOutputs(m, changes, c.title)
	a.Drop(c.labels...)
	return a, nil
}

// split splits a comma-separated flag value.
func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
