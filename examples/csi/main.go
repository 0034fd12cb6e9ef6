// Command csi releases Kubernetes-CSI sidecars as their maintainers do (KEP-2264): each sidecar
// on its own, from its tag vX.Y.Z (or a -rcN pre-release), its binary stamped with the version
// as their release build stamps it (main.version = the tag), in a multi-arch
// image on a distroless base the caller pins, with licenses, sources and checksums. Then the
// hostpath driver's deployment is pinned to the images just built, and the version policy
// checks that the driver bumps at least as much as its largest sidecar bump.
//
//	go run ./examples/csi release -name livenessprobe -git https://github.com/kubernetes-csi/livenessprobe -tag v2.19.0 \
//	    -base gcr.io/distroless/static@sha256:… -dir work/livenessprobe
//	go run ./examples/csi pin -deploy csi-driver-host-path/deploy/kubernetes-1.34/hostpath -release work/livenessprobe/out …
//	go run ./examples/csi policy -prev deploy-old -next deploy-new
//
// One recipe serves every sidecar, as release-tools/build.make does: the manifest is made from
// it (-print-manifest prints it, to commit). Exit status 2 means bad input, 1 a failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/licenses"
	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/digest"
	"github.com/releasekit/releasekit/manifest"
	"github.com/releasekit/releasekit/resolve"
	"github.com/releasekit/releasekit/validate"
	"github.com/releasekit/releasekit/validate/policy"
)

// Platforms are the linux platforms of the sidecars' images: their release-tools' build
// platforms (CSI_PROW_BUILD_PLATFORMS), where arm is built with Go's cross-compiling default,
// GOARM=7.
var Platforms = []string{"linux/amd64", "linux/arm/v7", "linux/arm64", "linux/ppc64le", "linux/s390x"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: csi release|pin|policy [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "release":
		err = releaseCmd(ctx, args[1:], stdout)
	case "pin":
		err = pinCmd(ctx, args[1:], stdout)
	case "policy":
		err = policyCmd(args[1:], stdout)
	default:
		err = usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) || len(manifest.Problems(err)) > 0:
		fmt.Fprintln(stderr, "csi:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "csi:", err)
		return 1
	}
}

// Sidecar is one sidecar release: one repository at one tag, each of its commands built and
// shipped in an image of its own, as release-tools/build.make does for every CMDS.
type Sidecar struct {
	// Commands are its commands, CMDS in its Makefile (livenessprobe; csi-snapshotter and
	// snapshot-controller in one repository): each is built from ./cmd/<command> and is the
	// name of its image.
	Commands []string
	// Git is its repository; Tag the release tag (v2.19.0, v2.20.0-rc1).
	Git, Tag string
	// Hub is where the images are published; Base their base, pinned.
	Hub, Base string
	// Descriptions are the images' description labels by command (their Dockerfiles' LABEL
	// description).
	Descriptions map[string]string
	// WindowsBases are pinned nanoserver images (1809, ltsc2022) for the images' Windows
	// entries, as Dockerfile.Windows builds them; WindowsAddons the pinned servercore images
	// of the same Windows builds, which netapi32.dll is copied from. Sidecars without a
	// Dockerfile.Windows have none.
	WindowsBases, WindowsAddons []string
}

// WindowsPlatform is the platform of the sidecars' Windows images.
const WindowsPlatform = "windows/amd64"

// labels are the labels their Dockerfile and build give a command's image: maintainers,
// description, and revision (docker build --label revision=$(REV)).
func (s Sidecar) labels(command string) map[string]string {
	l := map[string]string{"maintainers": "Kubernetes Authors", "revision": s.Tag}
	if d := s.Descriptions[command]; d != "" {
		l["description"] = d
	}
	return l
}

// Manifest is the release manifest of a sidecar: the version is the tag (CSI images are tagged
// with it, v included); the binaries are built as release-tools/build.make builds them. The
// repository is the dependency named after the first command.
func (s Sidecar) Manifest() (*manifest.Manifest, error) {
	if len(s.Commands) == 0 {
		return nil, usageError{errors.New("a sidecar has at least one command")}
	}
	if !strings.HasPrefix(s.Tag, "v") {
		return nil, usageError{fmt.Errorf("tag %q: CSI tags are vX.Y.Z or vX.Y.Z-rcN", s.Tag)}
	}
	if (len(s.WindowsBases) == 0) != (len(s.WindowsAddons) == 0) {
		return nil, usageError{errors.New("-windows-base and -windows-addon go together: Windows images need their nanoserver bases and the servercore images netapi32.dll comes from")}
	}
	for c := range s.Descriptions {
		if !slices.Contains(s.Commands, c) {
			return nil, usageError{fmt.Errorf("a description for %q, which is not a command of the release (%s)", c, strings.Join(s.Commands, ", "))}
		}
	}
	platforms := slices.Clone(Platforms)
	if len(s.WindowsBases) > 0 {
		platforms = append(platforms, WindowsPlatform)
	}
	dep := s.Commands[0]
	m := &manifest.Manifest{
		Version:       s.Tag,
		Docker:        s.Hub,
		Architectures: platforms,
		Dependencies:  map[string]*manifest.Dependency{dep: {Git: s.Git, Tag: s.Tag}},
		Build:         manifest.Build{Licenses: &manifest.Licenses{}},
	}
	for _, c := range s.Commands {
		m.Build.Binaries = append(m.Build.Binaries, manifest.Binary{
			Name: c, Dependency: dep, Package: "./cmd/" + c,
			// release-tools/build.make's -X main.version=$(REV), with REV as their cloud
			// build sets it for a tag push: the tag (git describe --tags of it).
			Ldflags: []string{`-X main.version={{.Version}}`},
		})
		im := manifest.Image{
			Name: c, Binaries: []string{c}, Base: s.Base, BinaryDir: "/",
			Entrypoint: []string{"/" + c},
			Labels:     s.labels(c),
		}
		if len(s.WindowsBases) > 0 {
			// Dockerfile.Windows: the binary as /<command>.exe on nanoserver, servercore's
			// netapi32.dll beside, run as ContainerAdministrator.
			im.Windows = &manifest.WindowsImage{
				Bases:      slices.Clone(s.WindowsBases),
				Platforms:  []string{WindowsPlatform},
				Entrypoint: []string{"/" + c + ".exe"},
				User:       "ContainerAdministrator",
				Copy:       []manifest.WindowsCopy{{From: slices.Clone(s.WindowsAddons), Paths: []string{"/Windows/System32/netapi32.dll"}}},
			}
		}
		m.Build.Images = append(m.Build.Images, im)
	}
	if err := m.Validate(manifest.WithSemver()); err != nil {
		return nil, err
	}
	return m, nil
}

func releaseCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	var s Sidecar
	fs.Func("name", "a command of the sidecar, CMDS in its Makefile, and its image's name (livenessprobe; repeatable)",
		func(v string) error { s.Commands = append(s.Commands, v); return nil })
	fs.StringVar(&s.Git, "git", "", "its repository (a URL or a local clone)")
	fs.StringVar(&s.Tag, "tag", "", "the release tag, vX.Y.Z or vX.Y.Z-rcN")
	var descriptions []string
	fs.Func("description", "an image's description label, the Dockerfile's LABEL description: TEXT with one -name,\nelse COMMAND=TEXT (repeatable)",
		func(v string) error { descriptions = append(descriptions, v); return nil })
	fs.StringVar(&s.Hub, "hub", "registry.k8s.io/sig-storage", "where its image is published")
	fs.StringVar(&s.Base, "base", "", "the image's base, pinned by digest: the digest of gcr.io/distroless/static:latest the\nsidecars' Dockerfiles name, as of the release (oci-layout:DIR@sha256:… for a local one)")
	fs.Func("windows-base", "a pinned nanoserver image for the Windows entries (repeatable: 1809, ltsc2022), for a sidecar with a Dockerfile.Windows",
		func(v string) error { s.WindowsBases = append(s.WindowsBases, v); return nil })
	fs.Func("windows-addon", "a pinned servercore image of a -windows-base's Windows build, which netapi32.dll is copied from (repeatable)",
		func(v string) error { s.WindowsAddons = append(s.WindowsAddons, v); return nil })
	dir := fs.String("dir", "", "working folder; the release goes to <dir>/out (default: a temporary one)")
	builder := fs.String("provenance-builder", "", "the builder id written into the release's SLSA provenance (the Prow job's URL);\nnone: no provenance")
	checkPublished := fs.Bool("check-published", false, "ask -hub first: an image published for the tag is never rebuilt")
	printManifest := fs.Bool("print-manifest", false, "print the manifest and stop")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if len(s.Commands) == 0 || s.Git == "" || s.Tag == "" || s.Base == "" {
		return usageError{errors.New("-name, -git, -tag and -base are required")}
	}
	s.Descriptions = map[string]string{}
	for _, d := range descriptions {
		c, text, ok := strings.Cut(d, "=")
		switch {
		case ok && slices.Contains(s.Commands, c):
			s.Descriptions[c] = text
		case len(s.Commands) == 1:
			s.Descriptions[s.Commands[0]] = d
		default:
			return usageError{fmt.Errorf("-description %q: with several commands, write COMMAND=TEXT", d)}
		}
	}
	m, err := s.Manifest()
	if err != nil {
		return err
	}
	if *printManifest {
		text, err := m.Marshal()
		if err != nil {
			return err
		}
		_, err = stdout.Write(text)
		return err
	}
	if *checkPublished {
		if err := notPublished(ctx, m); err != nil {
			return err
		}
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "csi-"+s.Commands[0]+"-"); err != nil {
			return err
		}
	}
	res, err := resolve.Dependencies(ctx, m, resolve.WithDir(*dir))
	if err != nil {
		return err
	}
	resolver, err := digest.NewRegistry(digest.WithKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	out := filepath.Join(*dir, "out")
	opts := []artifacts.Option{artifacts.WithLicenseScanner(licenses.New()), artifacts.WithResolver(resolver),
		artifacts.WithKeychain(authn.DefaultKeychain)}
	if *builder != "" {
		opts = append(opts, artifacts.WithProvenance(*builder))
	}
	set, err := artifacts.Build(ctx, res, out, opts...)
	if err != nil {
		return err
	}
	layout, err := release.OpenLayout(filepath.Join(out, release.ImagesDir))
	if err != nil {
		return err
	}
	for _, im := range set.Images {
		fmt.Fprintf(stdout, "image %s@%s\n", im.Ref, im.Digest)
		if l, ok := layout.Lookup(im.Ref); ok && l.Index != nil {
			idx, err := l.Index.IndexManifest()
			if err != nil {
				return err
			}
			var platforms []string
			for _, d := range idx.Manifests {
				if d.Platform != nil {
					platforms = append(platforms, d.Platform.String())
				}
			}
			fmt.Fprintf(stdout, "platforms %s\n", strings.Join(platforms, " "))
		}
	}
	rep, err := validate.Release(ctx, out)
	if err != nil {
		return err
	}
	if _, err := rep.WriteTo(stdout); err != nil {
		return err
	}
	if !rep.Passed() {
		return errors.New("the release does not validate")
	}
	fmt.Fprintf(stdout, "release %s %s: %s\n", strings.Join(s.Commands, " "), s.Tag, out)
	return nil
}

// pinCmd pins the images of the deployment's YAML files to the sidecars' releases (their OCI
// layouts): the hostpath driver tested with exactly those.
func pinCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("pin", flag.ContinueOnError)
	deploy := fs.String("deploy", "", "the folder of the deployment's YAML files (deploy/kubernetes-*/hostpath)")
	var releases []string
	fs.Func("release", "a sidecar's release directory (repeatable)", func(s string) error { releases = append(releases, s); return nil })
	check := fs.Bool("check", false, "write nothing; fail when an image is not pinned")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *deploy == "" || len(releases) == 0 {
		return usageError{errors.New("-deploy and at least one -release are required")}
	}
	var chain digest.Chain
	for _, dir := range releases {
		l, err := release.OpenLayout(filepath.Join(dir, release.ImagesDir))
		if err != nil {
			return usageError{err}
		}
		chain = append(chain, l)
	}
	files, err := filepath.Glob(filepath.Join(*deploy, "*.yaml"))
	if err != nil || len(files) == 0 {
		return usageError{fmt.Errorf("%s: no YAML file", *deploy)}
	}
	pinned := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		// Only the images the sidecars' releases hold: the driver's own image and third-party
		// ones are left as they are.
		changes, err := digest.Plan(ctx, data, filepath.Base(f), chain, digest.WithUnresolved())
		if err != nil {
			return err
		}
		changes = slices.DeleteFunc(changes, func(c digest.Change) bool { return c.Err != nil })
		out, _, err := digest.Apply(data, filepath.Base(f), changes)
		if err != nil {
			return err
		}
		for _, c := range changes {
			fmt.Fprintf(stdout, "%s:%d: %s -> %s\n", filepath.Base(f), c.Line, c.Ref, c.Digest)
			pinned++
		}
		if !*check && string(out) != string(data) {
			if err := digest.WriteFile(f, out); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "%d images pinned to the sidecars' releases\n", pinned)
	return nil
}

// policyCmd checks the driver's version bump against its sidecars' bumps, between two versions
// of its deployment: the composite is the hostpathplugin image's tag, its components every
// other image's tag.
func policyCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	prevDir := fs.String("prev", "", "the deployment folder of the previous release")
	nextDir := fs.String("next", "", "the deployment folder of the next release")
	driver := fs.String("driver", "hostpathplugin", "the image whose tag is the composite's version")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	prev, err := composite(*prevDir, *driver)
	if err != nil {
		return usageError{err}
	}
	next, err := composite(*nextDir, *driver)
	if err != nil {
		return usageError{err}
	}
	change, err := policy.Classify(prev.Version, next.Version)
	if err != nil {
		return usageError{err}
	}
	fmt.Fprintf(stdout, "%s %s -> %s: %s\n", *driver, prev.Version, next.Version, change)
	violations := policy.Check(prev, next)
	for _, v := range violations {
		fmt.Fprintln(stdout, "FAIL", v.Message)
	}
	if len(violations) > 0 {
		return fmt.Errorf("version policy FAILED (%d violations)", len(violations))
	}
	fmt.Fprintln(stdout, "Version policy PASSED")
	return nil
}

// composite reads the images of a deployment folder's YAML files: the driver's tag is the
// version, the others are its components.
func composite(dir, driver string) (*policy.Composite, error) {
	if dir == "" {
		return nil, errors.New("-prev and -next are required")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("%s: no YAML file", dir)
	}
	c := &policy.Composite{File: dir, Name: driver}
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		images, err := digest.Find(data, filepath.Base(f))
		if err != nil {
			return nil, err
		}
		for _, im := range images {
			name := im.Ref.Repository[strings.LastIndexByte(im.Ref.Repository, '/')+1:]
			switch {
			case name == driver:
				c.Version = im.Ref.Tag
			case !seen[name] && im.Ref.Tag != "":
				seen[name] = true
				c.Components = append(c.Components, policy.Component{Name: name, Version: im.Ref.Tag})
			}
		}
	}
	if c.Version == "" {
		return nil, fmt.Errorf("%s: no %s image", dir, driver)
	}
	slices.SortFunc(c.Components, func(a, b policy.Component) int { return strings.Compare(a.Name, b.Name) })
	return c, nil
}

// ErrPublished is returned for a tag whose image is published already: images are built once
// from a tag and never rebuilt (KEP-2264).
var ErrPublished = errors.New("published already: images are built once from their tag and never rebuilt")

// notPublished asks the registry whether any of the sidecar's images exists for its tag.
func notPublished(ctx context.Context, m *manifest.Manifest) error {
	for i := range m.Build.Images {
		ref := release.ImageRef(m, &m.Build.Images[i], "")
		r, err := name.ParseReference(ref)
		if err != nil {
			return err
		}
		desc, err := remote.Head(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
		var te *transport.Error
		switch {
		case err == nil:
			return fmt.Errorf("%s is %s: %w", ref, desc.Digest, ErrPublished)
		case errors.As(err, &te) && te.StatusCode == 404:
		default:
			return fmt.Errorf("is %s published? %w", ref, err)
		}
	}
	return nil
}
