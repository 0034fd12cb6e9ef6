package validate

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/internal/archive"
	"github.com/releasekit/releasekit/internal/fserr"
	"github.com/releasekit/releasekit/manifest"
)

// Binaries checks the Go binaries the archives and packages hold, without running any built
// for another platform: their build information (debug/buildinfo) names the package, platform
// and Go version the spec asks for, and every -X value of their ldflags, rendered for the
// release, is in the binary. With Run, the host platform's binary is run with its spec's
// versionCommand, and must print the release version, as Istio checks istioctl version.
//
// Binaries are built with -trimpath, which keeps the Go command from recording -ldflags in the
// build information, so the -X values are looked for in the binary itself.
type Binaries struct {
	Run bool
}

// Name is "binaries".
func (Binaries) Name() string { return "binaries" }

// binaryCopy is where a binary of the release is found.
type binaryCopy struct {
	spec     *manifest.Binary
	platform string
	file     string // release path of the archive or package
	format   string // archive format, or deb or rpm
	entry    string // the binary's name inside it
}

func (c binaryCopy) String() string { return c.file + ": " + c.entry }

// Check implements [Checker].
func (b Binaries) Check(ctx context.Context, d *release.Dir) error {
	m := d.Manifest
	copies := binaryCopies(m)
	if len(copies) == 0 {
		return skip("no archive or package holds a binary")
	}
	images := builtImages(d)
	dir, err := os.MkdirTemp("", "releasekit-validate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var errs []error
	for _, c := range copies {
		// Binaries are read from a file, never whole into memory: a release may hold large ones.
		exe, err := c.extract(d, dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, missing(err)))
			continue
		}
		for _, err := range checkBinary(m, c, exe, images) {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
		}
		if b.Run && c.platform == runtime.GOOS+"/"+runtime.GOARCH && len(c.spec.VersionCommand) > 0 {
			if err := runVersion(ctx, m, c, exe); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c, err))
			}
		}
		os.Remove(exe)
	}
	return errors.Join(errs...)
}

// binaryCopies lists every copy of every binary in the archives and packages the manifest asks for.
func binaryCopies(m *manifest.Manifest) []binaryCopy {
	var out []binaryCopy
	if m.Wants(manifest.OutputArchive) {
		for i := range m.Build.Archives {
			spec := &m.Build.Archives[i]
			for _, pl := range m.ArchivePlatforms(spec) {
				rel, format, top, err := release.ArchivePath(m, spec, pl)
				if err != nil {
					continue // the archives check reports it
				}
				goos, _, _, _ := manifest.ParsePlatform(pl)
				for _, name := range spec.Binaries {
					if x := m.Binary(name); x != nil {
						out = append(out, binaryCopy{spec: x, platform: pl, file: rel, format: format,
							entry: path.Join(top, spec.BinDir, release.BinaryFile(name, goos))})
					}
				}
			}
		}
	}
	for i := range m.Build.Packages {
		spec := &m.Build.Packages[i]
		for _, format := range spec.Formats {
			// An rpm's payload is a compressed cpio archive, not read here; its binaries are
			// those of the debs and archives.
			if format != "deb" || !m.Wants(manifest.OutputDebian) {
				continue
			}
			for _, pl := range m.PackagePlatforms(spec) {
				for _, c := range spec.Contents {
					if x := m.Binary(c.Binary); x != nil && c.Binary != "" {
						rel, err := release.PackagePath(m, spec, format, pl)
						if err != nil {
							continue // the packages check reports it
						}
						out = append(out, binaryCopy{spec: x, platform: pl, file: rel,
							format: format, entry: c.Dst})
					}
				}
			}
		}
	}
	return out
}

// extract copies the binary to an executable file in dir named as the binary, and returns its
// path.
func (c binaryCopy) extract(d *release.Dir, dir string) (string, error) {
	exe := filepath.Join(dir, path.Base(c.entry))
	f, err := os.OpenFile(exe, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	if c.format == "deb" {
		err = copyDebFile(d, c.file, c.entry, f)
	} else {
		err = copyEntry(d, c.file, archive.Format(c.format), c.entry, f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(exe)
		return "", err
	}
	return exe, nil
}

// builtImages maps each image the release built, by the name ldflags templates use, to its
// pinned reference, from the manifest's records.
func builtImages(d *release.Dir) map[string]string {
	m := d.Manifest
	digests := map[string]string{}
	for _, a := range d.Artifacts(manifest.OutputDocker) {
		if a.Image != "" {
			digests[a.Image] = a.Digest
		}
	}
	out := map[string]string{}
	for i := range m.Build.Images {
		spec := &m.Build.Images[i]
		for _, v := range spec.VariantNames() {
			ref := release.ImageRef(m, spec, v)
			if dg := digests[ref]; dg != "" {
				out[release.ImageName(spec.Name, v)] = ref + "@" + dg
			}
		}
	}
	return out
}

// checkBinary checks one binary's build information and stamped values.
func checkBinary(m *manifest.Manifest, c binaryCopy, exe string, images map[string]string) []error {
	info, err := buildinfo.ReadFile(exe)
	if err != nil {
		return []error{fmt.Errorf("no Go build information: %w", fserr.Unwrap(err))}
	}
	var errs []error
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	goos, goarch, _, _ := manifest.ParsePlatform(c.platform)
	if settings["GOOS"] != goos || settings["GOARCH"] != goarch {
		errs = append(errs, fmt.Errorf("built for %s/%s, want %s", settings["GOOS"], settings["GOARCH"], c.platform))
	}
	if pkg := strings.TrimPrefix(c.spec.Package, "."); pkg != "" && !strings.HasSuffix(info.Path, pkg) {
		errs = append(errs, fmt.Errorf("built from %s, want the package %s", info.Path, c.spec.Package))
	}
	if c.spec.GoVersion != "" && info.GoVersion != c.spec.GoVersion {
		errs = append(errs, fmt.Errorf("built with %s, want %s", info.GoVersion, c.spec.GoVersion))
	}
	data2 := m.TemplateData(c.spec.Name, c.spec.Dependency, goos, goarch)
	data2.Images = images
	type stamp struct{ name, value string }
	var stamps []stamp
	for _, l := range c.spec.Ldflags {
		flags, err := data2.Execute(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("ldflags %q: %w", l, err))
			continue
		}
		for _, set := range xflags(flags) {
			if set[1] == "" && strings.Contains(l, ".Images") {
				// An image without a recorded digest renders as nothing: never a pass.
				errs = append(errs, fmt.Errorf("ldflags %q: -X %s renders empty: an image it names has no digest in the manifest", l, set[0]))
				continue
			}
			if set[1] != "" {
				stamps = append(stamps, stamp{set[0], set[1]})
			}
		}
		if recorded, ok := settings["-ldflags"]; ok && !strings.Contains(recorded, flags) {
			errs = append(errs, fmt.Errorf("built with -ldflags %q, which lacks %q", recorded, flags))
		}
	}
	values := make([]string, len(stamps))
	for i, s := range stamps {
		values[i] = s.value
	}
	found, err := containsAll(exe, values)
	if err != nil {
		return append(errs, err)
	}
	syms, haveSyms := symbols(exe)
	for i, s := range stamps {
		switch {
		case found[i]:
		case haveSyms && !syms[s.name]:
			// The binary never reads the variable, and the linker dropped it: nothing to stamp.
			errs = append(errs, Note(fmt.Sprintf("-X %s is not checked: the binary has no such variable (unused, dropped by the linker)", s.name)))
		case !haveSyms:
			errs = append(errs, Note(fmt.Sprintf("-X %s=%s is not in the binary, which has no symbol table to tell whether it has the variable: not checked (its versionCommand is)", s.name, s.value)))
		default:
			errs = append(errs, fmt.Errorf("-X %s=%s is not stamped in the binary", s.name, s.value))
		}
	}
	return errs
}

// containsAll reports, for each needle, whether the file holds it, reading the file once in
// chunks that overlap by the longest needle.
func containsAll(file string, needles []string) ([]bool, error) {
	found := make([]bool, len(needles))
	if len(needles) == 0 {
		return found, nil
	}
	longest := 0
	for _, n := range needles {
		longest = max(longest, len(n))
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, max(1<<20, 4*longest))
	kept := 0
	for {
		n, err := io.ReadFull(f, buf[kept:])
		chunk := buf[:kept+n]
		for i, needle := range needles {
			found[i] = found[i] || bytes.Contains(chunk, []byte(needle))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return found, nil
		}
		if err != nil {
			return nil, err
		}
		kept = min(longest-1, len(chunk))
		copy(buf, chunk[len(chunk)-kept:])
	}
}

// xflags returns the -X name=value settings of an ldflags string, in order, as {name, value}.
func xflags(flags string) [][2]string {
	var out [][2]string
	fields := strings.Fields(flags)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		var set string
		switch {
		case f == "-X" && i+1 < len(fields):
			i++
			set = fields[i]
		case strings.HasPrefix(f, "-X="):
			set = strings.TrimPrefix(f, "-X=")
		default:
			continue
		}
		if name, value, ok := strings.Cut(set, "="); ok {
			out = append(out, [2]string{name, value})
		}
	}
	return out
}

// runVersion runs a host binary with its version command and looks for the release version in
// what it prints. It runs in an empty environment, in a temporary folder, for at most a minute.
func runVersion(ctx context.Context, m *manifest.Manifest, c binaryCopy, exe string) error {
	dir, err := os.MkdirTemp("", "releasekit-validate-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, c.spec.VersionCommand...)
	cmd.Dir, cmd.Env = dir, []string{}
	out, err := cmd.CombinedOutput()
	shown := strings.TrimSpace(string(out))
	if len(shown) > 200 {
		shown = shown[:200] + "…"
	}
	name := strings.Join(append([]string{c.spec.Name}, c.spec.VersionCommand...), " ")
	if err != nil {
		// The error names the temporary file; the report names the binary.
		msg := strings.ReplaceAll(err.Error(), exe, c.spec.Name)
		if shown != "" {
			msg += ": " + shown
		}
		return fmt.Errorf("%s: %s", name, msg)
	}
	if !strings.Contains(string(out), m.Version) {
		return fmt.Errorf("%s printed %q, which does not have the version %s", name, shown, m.Version)
	}
	return nil
}

// buildInfo reads the binary's build information, from a temporary copy.
func (c binaryCopy) buildInfo(d *release.Dir) (*debug.BuildInfo, error) {
	dir, err := os.MkdirTemp("", "releasekit-validate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	exe, err := c.extract(d, dir)
	if err != nil {
		return nil, err
	}
	return buildinfo.ReadFile(exe)
}
