package artifacts

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/artifacts/sbom"
	"github.com/releasekit/releasekit/internal/atomicfile"
	"github.com/releasekit/releasekit/manifest"
)

// binary is one Go binary for one platform, compiled into the work folder.
type binary struct {
	spec     *manifest.Binary
	platform string
	goos     string
	goarch   string
	variant  string
	ldflags  string
	// late binaries stamp image digests (.Images), so they are built after the images.
	late bool
	// Set when built:
	path      string
	key       string
	goVersion string
	info      *sbom.Binary // read from the binary when first needed
	// needed is set when an output this build makes holds the binary (markNeeded).
	needed bool
}

// fileName is the binary's name on its platform.
func (x *binary) fileName() string { return release.BinaryFile(x.spec.Name, x.goos) }

// goVariables are the environment variables that change what the go tool builds; Build sets
// them itself rather than inheriting them.
var goVariables = []string{"GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "GO386", "GOMIPS", "GOMIPS64",
	"GOPPC64", "GORISCV64", "GOWASM", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "GOWORK", "GOTOOLCHAIN"}

// goEnv is the environment of one go command: the base one without goVariables, then fixed ones.
func (b *builder) goEnv(dir, goos, goarch, variant, goVersion string) []string {
	env := make([]string, 0, len(b.env)+8)
	for _, kv := range b.env {
		k, _, _ := strings.Cut(kv, "=")
		// The caller's GOTOOLCHAIN stands unless the binary names its Go version.
		if !slices.Contains(goVariables, k) || (k == "GOTOOLCHAIN" && goVersion == "") {
			env = append(env, kv)
		}
	}
	mod := "-mod=readonly"
	if _, err := os.Stat(filepath.Join(dir, "vendor", "modules.txt")); err == nil {
		mod = "-mod=vendor"
	}
	env = append(env, "CGO_ENABLED=0", "GOFLAGS="+mod, "GOWORK=off")
	if goos != "" {
		env = append(env, "GOOS="+goos, "GOARCH="+goarch)
	}
	switch {
	case goarch == "arm" && variant != "":
		env = append(env, "GOARM="+strings.TrimPrefix(variant, "v"))
	case goarch == "amd64" && variant != "":
		env = append(env, "GOAMD64="+variant)
	}
	if goVersion != "" {
		env = append(env, "GOTOOLCHAIN="+goVersion)
	}
	return env
}

// planBinaries checks every binary's package and queues their compilation.
func (b *builder) planBinaries() error {
	planned := b.plannedImages()
	for i := range b.m.Build.Binaries {
		spec := &b.m.Build.Binaries[i]
		s, err := b.source(spec.Dependency)
		if err != nil {
			b.problem(spec.Pos.Errorf("dependency", "%v", err))
			continue
		}
		if !hasGoFiles(filepath.Join(s.Dir, filepath.FromSlash(spec.Package))) {
			b.problem(spec.Pos.Errorf("package", "%s is not a Go package in %s", spec.Package, spec.Dependency))
			continue
		}
		for _, pl := range b.m.BinaryPlatforms(spec) {
			goos, goarch, variant, ok := manifest.ParsePlatform(pl)
			if !ok {
				b.problem(spec.Pos.Errorf("platforms", "unknown platform %q", pl))
				continue
			}
			x := &binary{spec: spec, platform: pl, goos: goos, goarch: goarch, variant: variant}
			x.late = stampsImages(spec)
			// Late binaries are rendered now with placeholder digests, to report problems early.
			flags, err := b.ldflags(x, planned)
			if err != nil {
				b.problem(spec.Pos.Errorf("ldflags", "%v", err))
			}
			x.ldflags = flags
			b.binaries = append(b.binaries, x)
		}
	}
	if len(b.binaries) > 0 {
		b.steps = append(b.steps, func(ctx context.Context) error { return b.buildBinaries(ctx, false) })
	}
	return nil
}

// ldflags renders a binary's ldflags with images as .Images.
func (b *builder) ldflags(x *binary, images map[string]string) (string, error) {
	var flags []string
	for _, l := range x.spec.Ldflags {
		d := b.data(x.spec.Name, x.spec.Dependency, x.goos, x.goarch)
		d.Images = images
		v, err := d.Execute(l)
		if err != nil {
			return "", err
		}
		flags = append(flags, v)
	}
	return strings.Join(flags, " "), nil
}

// stampsImages reports whether a binary's ldflags use .Images, so that it is built after them.
func stampsImages(spec *manifest.Binary) bool {
	return slices.ContainsFunc(spec.Ldflags, func(l string) bool { return strings.Contains(l, ".Images") })
}

// plannedImages maps each image the manifest declares to a placeholder reference.
func (b *builder) plannedImages() map[string]string {
	placeholder := "@sha256:" + strings.Repeat("0", 64)
	m := map[string]string{}
	for _, im := range b.m.Build.Images {
		m[im.Name] = im.Name + placeholder
		for _, v := range im.Variants {
			m[release.ImageName(im.Name, v.Name)] = im.Name + placeholder
		}
	}
	return m
}

// buildLateBinaries renders the ldflags of the binaries that stamp image digests, now that the
// images are built, and compiles them.
func (b *builder) buildLateBinaries(ctx context.Context) error {
	images := map[string]string{}
	for _, j := range b.images {
		images[j.name] = j.ref + "@" + string(j.digest)
	}
	for _, x := range b.binaries {
		if !x.late {
			continue
		}
		flags, err := b.ldflags(x, images)
		if err != nil {
			return fmt.Errorf("binary %s: %w", x.spec.Name, err)
		}
		x.ldflags = flags
	}
	return b.buildBinaries(ctx, true)
}

func hasGoFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			return true
		}
	}
	return false
}

// binary returns the compiled binary name for platform, once the binaries step ran.
func (b *builder) binary(name, platform string) (*binary, bool) {
	for _, x := range b.binaries {
		if x.spec.Name == name && x.platform == platform {
			return x, true
		}
	}
	return nil, false
}

// buildBinaries compiles every binary, jobs at a time, reusing those compiled before from the
// same inputs.
func (b *builder) buildBinaries(ctx context.Context, late bool) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(b.o.jobs)
	for _, x := range b.binaries {
		switch {
		case x.late != late:
		case x.needed:
			g.Go(func() error { return b.compile(ctx, x, b.versions) })
		default:
			// Another shard's: its toolchain is still recorded, so that every shard's
			// resolved manifest is the same.
			g.Go(func() error { return b.toolchain(ctx, x, b.versions) })
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	// The resolved manifest records the toolchain each binary was built with.
	for _, x := range b.binaries {
		if x.late == late {
			x.spec.GoVersion = x.goVersion
		}
	}
	return nil
}

// toolchain finds the Go version x would be built with, without building it.
func (b *builder) toolchain(ctx context.Context, x *binary, versions *goVersions) error {
	s, err := b.source(x.spec.Dependency)
	if err != nil {
		return err
	}
	if x.goVersion, err = versions.get(ctx, b, s.Dir, x.spec.GoVersion); err != nil {
		return fmt.Errorf("binary %s: %w", x.spec.Name, err)
	}
	return nil
}

func (b *builder) compile(ctx context.Context, x *binary, versions *goVersions) error {
	start := time.Now()
	s, err := b.source(x.spec.Dependency)
	if err != nil {
		return err
	}
	_, id, err := s.tree(ctx)
	if err != nil {
		return err
	}
	if x.goVersion, err = versions.get(ctx, b, s.Dir, x.spec.GoVersion); err != nil {
		return fmt.Errorf("binary %s: %w", x.spec.Name, err)
	}
	env := b.goEnv(s.Dir, x.goos, x.goarch, x.variant, x.spec.GoVersion)
	x.key = key("binary", id, x.spec.Package, x.platform, x.ldflags, strings.Join(x.spec.Tags, ","), x.goVersion, envValue(env, "GOFLAGS"))
	x.path = filepath.Join(b.o.work, "bin", x.key[:32], x.fileName())
	label := x.spec.Name + " " + x.platform
	if st, err := os.Stat(x.path); err == nil {
		b.progress.line("reused", label, st.Size(), time.Since(start))
		return nil
	}
	if b.o.reuseOnly {
		return fmt.Errorf("binary %s for %s: %w", x.spec.Name, x.platform, ErrNotBuilt)
	}
	if err := os.MkdirAll(filepath.Dir(x.path), 0o755); err != nil {
		return err
	}
	// The go tool writes to a temporary name that the rename publishes once complete.
	tmp, err := atomicfile.Create(x.path, 0o755)
	if err != nil {
		return err
	}
	defer tmp.Abort()
	// jobs builds run at once, each compiling goParallelism packages at a time: together no
	// more compile jobs than CPUs.
	args := []string{"build", "-p", strconv.Itoa(goParallelism(b.o.jobs)), "-trimpath", "-buildvcs=false", "-ldflags", strings.TrimSpace(x.ldflags + " -buildid="), "-o", tmp.Name()}
	if len(x.spec.Tags) > 0 {
		args = append(args, "-tags", strings.Join(x.spec.Tags, ","))
	}
	args = append(args, x.spec.Package)
	if _, err := runGo(ctx, s.Dir, env, args...); err != nil {
		return fmt.Errorf("binary %s for %s: %w", x.spec.Name, x.platform, err)
	}
	b.o.log.Info("compiled", "artifact", x.spec.Name, "platform", x.platform, "go", x.goVersion)
	// The go tool replaced the temporary file by name, so its size is read by name too.
	st, err := os.Stat(tmp.Name())
	if err != nil {
		return err
	}
	if err := tmp.Commit(); err != nil {
		return err
	}
	b.progress.line("compiled", label, st.Size(), time.Since(start))
	return nil
}

// goParallelism is the go tool's -p for one of jobs builds running at once: the CPUs shared
// between them, at least one each.
func goParallelism(jobs int) int {
	return max(1, runtime.NumCPU()/jobs)
}

// goVersions asks the go tool, once per folder and requested toolchain, which version it runs.
type goVersions struct {
	mu sync.Mutex
	m  map[string]*goVersionResult
}

type goVersionResult struct {
	once    sync.Once
	version string
	err     error
}

func (v *goVersions) get(ctx context.Context, b *builder, dir, want string) (string, error) {
	v.mu.Lock()
	r, ok := v.m[dir+"\x00"+want]
	if !ok {
		r = &goVersionResult{}
		v.m[dir+"\x00"+want] = r
	}
	v.mu.Unlock()
	r.once.Do(func() {
		out, err := runGo(ctx, dir, b.goEnv(dir, "", "", "", want), "env", "GOVERSION")
		r.version, r.err = strings.TrimSpace(string(out)), err
		if r.err == nil && want != "" && r.version != want {
			r.err = fmt.Errorf("asked for Go %s, the go tool runs %s", want, r.version)
		}
	})
	return r.version, r.err
}

// runGo runs the go tool in dir and returns its standard output.
func runGo(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("go %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

func envValue(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v
		}
	}
	return ""
}

// render executes a template over data, failing on unknown fields.
