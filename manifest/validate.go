package manifest

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
)

// ports are the os/arch pairs the Go toolchain builds for (go tool dist list).
var ports = strings.Fields(`aix/ppc64 android/386 android/amd64 android/arm android/arm64 darwin/amd64
darwin/arm64 dragonfly/amd64 freebsd/386 freebsd/amd64 freebsd/arm freebsd/arm64 illumos/amd64 ios/amd64
ios/arm64 js/wasm linux/386 linux/amd64 linux/arm linux/arm64 linux/loong64 linux/mips linux/mips64
linux/mips64le linux/mipsle linux/ppc64 linux/ppc64le linux/riscv64 linux/s390x netbsd/386 netbsd/amd64
netbsd/arm netbsd/arm64 openbsd/386 openbsd/amd64 openbsd/arm openbsd/arm64 openbsd/ppc64 openbsd/riscv64
plan9/386 plan9/amd64 plan9/arm solaris/amd64 wasip1/wasm windows/386 windows/amd64 windows/arm64`)

// ParsePlatform splits "os/arch[/variant]" and reports whether Go builds for it.
func ParsePlatform(s string) (goos, goarch, variant string, ok bool) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || !slices.Contains(ports, parts[0]+"/"+parts[1]) {
		return "", "", "", false
	}
	if len(parts) == 3 {
		variant = parts[2]
		valid := map[string][]string{"arm": {"v5", "v6", "v7"}, "arm64": {"v8"}, "amd64": {"v1", "v2", "v3", "v4"}}
		if !slices.Contains(valid[parts[1]], variant) {
			return "", "", "", false
		}
	}
	return parts[0], parts[1], variant, true
}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	shaPattern  = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	goVersion   = regexp.MustCompile(`^go1\.[0-9]+(\.[0-9]+|rc[0-9]+)?$`)
	modePattern = regexp.MustCompile(`^0?[0-7]{3,4}$`)
)

// validator checks a decoded manifest, reporting each problem at the position of the value.
type validator struct {
	p    *problems
	d    *decoder
	m    *Manifest
	opts options
	// others is a build whose binaries a spec file may refer to.
	others *Build
	// decodeErrs counts the problems found while decoding, before validation.
	decodeErrs int
	// binaries are the names of the binaries the build's other parts may refer to.
	binaries map[string]bool
}

// binaryRef checks that name is a binary of the build (or of the others).
func (v *validator) binaryRef(p, name string) {
	if !v.binaries[name] {
		v.errorf(p, "unknown binary %q", name)
	}
}

// related reports whether one path is the other or holds it.
func related(a, b string) bool {
	within := func(x, y string) bool {
		return x == y || strings.HasPrefix(x, y+".") || strings.HasPrefix(x, y+"[") || y == ""
	}
	return a != "" && (within(a, b) || within(b, a))
}

func (v *validator) errorf(path, format string, args ...any) {
	// A value that could not be decoded was left empty: say nothing more about it or what holds it.
	for _, e := range v.p.errs[:v.decodeErrs] {
		if related(e.Path, path) {
			return
		}
	}
	line, col := v.d.pos(path)
	v.p.add(line, col, path, format, args...)
}

func quoted[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

func (v *validator) manifest() {
	m := v.m
	if m.Version == "" {
		v.errorf("version", "required")
	} else if v.opts.requireSemver || v.anyGoVersionEnabled() {
		if _, err := semver.StrictNewVersion(strings.TrimPrefix(m.Version, "v")); err != nil {
			v.errorf("version", "%q is not a semantic version (want MAJOR.MINOR.PATCH[-PRERELEASE])", m.Version)
		}
	}
	if m.Suffix != "" && !suffixRe.MatchString(m.Suffix) {
		v.errorf("suffix", "%q: want letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64", m.Suffix)
	}
	if m.DockerOutput != "" && m.DockerOutput != "tar" && m.DockerOutput != "context" {
		v.errorf("dockerOutput", "unknown value %q (want tar, context)", m.DockerOutput)
	}
	for i, a := range m.Architectures {
		v.platform(fmt.Sprintf("architectures[%d]", i), a)
	}
	for i, o := range m.Outputs {
		if !slices.Contains(knownOutputs, o) {
			v.errorf(fmt.Sprintf("outputs[%d]", i), "unknown output %q (want %s)", o, quoted(knownOutputs))
		}
	}
	if len(m.Dependencies) == 0 {
		v.errorf("dependencies", "at least one dependency is required")
	}
	for _, name := range m.DependencyNames() {
		v.dependency(name, m.Dependencies[name])
	}
	v.autoGraph()
	v.defaultDependencies(&m.Build)
	v.build(&m.Build, "build")
	if m.ReleaseTime != "" {
		if _, err := time.Parse(time.RFC3339, m.ReleaseTime); err != nil {
			v.errorf("releaseTime", "%q is not an RFC 3339 time", m.ReleaseTime)
		}
	}
	for i, a := range m.Artifacts {
		p := fmt.Sprintf("artifacts[%d]", i)
		switch {
		case (a.Path == "") == (a.Image == ""):
			v.errorf(p, "needs one of path (a file) and image (an image reference)")
		case a.Path != "" && (path.IsAbs(a.Path) || path.Clean(a.Path) != a.Path || a.Path == ".." || strings.HasPrefix(a.Path, "../") || strings.Contains(a.Path, `\`)):
			v.errorf(p+".path", "%q is not a clean path inside the release", a.Path)
		case a.Path != "" && a.SHA256 == "":
			v.errorf(p+".sha256", "required for a file")
		case a.Image != "" && a.Digest == "":
			v.errorf(p+".digest", "required for an image")
		}
	}
}

func (v *validator) anyGoVersionEnabled() bool {
	for _, d := range v.m.Dependencies {
		if d != nil && d.GoVersionEnabled {
			return true
		}
	}
	return false
}

func (v *validator) platform(p, s string) {
	if _, _, _, ok := ParsePlatform(s); !ok {
		v.errorf(p, "unknown platform %q (want os/arch[/variant] that Go builds for, e.g. linux/amd64)", s)
	}
}

func (v *validator) dependency(name string, d *Dependency) {
	p := "dependencies." + name
	if !namePattern.MatchString(name) {
		v.errorf(p, "invalid name (want letters, digits, '.', '_' or '-', not starting with a symbol)")
	}
	if d == nil || (d.Git == "" && d.LocalPath == "" && d.Branch == "" && d.Sha == "" && d.Tag == "" && d.Auto == "") {
		v.errorf(p, "needs git or localpath")
		return
	}
	needGit := func(field, value string) {
		if value != "" && d.Git == "" {
			v.errorf(p+"."+field, "needs git")
		}
	}
	needGit("branch", d.Branch)
	needGit("tag", d.Tag)
	if d.Auto != "" && d.Git == "" {
		v.errorf(p+".auto", "needs git")
	}
	if d.Sha != "" && d.Git == "" && d.LocalPath == "" {
		v.errorf(p+".sha", "needs git or localpath")
	}
	if d.Git != "" && d.LocalPath != "" {
		v.errorf(p+".localpath", "git and localpath are exclusive")
	}
	if d.Git != "" && d.Branch == "" && d.Sha == "" && d.Tag == "" && d.Auto == "" {
		v.errorf(p+".git", "needs branch, sha, tag or auto")
	}
	if d.Sha != "" && d.Tag != "" {
		v.errorf(p+".tag", "sha and tag are exclusive")
	}
	if d.Branch != "" && d.Tag != "" {
		v.errorf(p+".tag", "branch and tag are exclusive")
	}
	if d.Sha != "" && !shaPattern.MatchString(d.Sha) {
		v.errorf(p+".sha", "%q is not a commit SHA (want 7 to 40 lowercase hex digits)", d.Sha)
	}
	if d.Auto != "" {
		if !slices.Contains(autoResolvers, d.Auto) {
			v.errorf(p+".auto", "unknown resolver %q (want %s)", d.Auto, quoted(autoResolvers))
		}
		for _, f := range []struct{ name, value string }{{"branch", d.Branch}, {"sha", d.Sha}, {"tag", d.Tag}} {
			if f.value != "" {
				v.errorf(p+"."+f.name, "%s and auto are exclusive", f.name)
			}
		}
	}
	if d.Module != "" && d.Auto != AutoModules {
		v.errorf(p+".module", "only used with auto: modules")
	}
	if d.AllowDirty && d.LocalPath == "" {
		v.errorf(p+".allowDirty", "needs localpath")
	}
	if d.Spec != "" && !localPath(d.Spec) {
		v.errorf(p+".spec", "%q must be a relative path inside the repository", d.Spec)
	}
}

// localPath reports whether p is a clean relative path that stays inside its root.
func localPath(p string) bool {
	return p != "" && !path.IsAbs(p) && !strings.HasPrefix(p, "\\") && path.Clean(p) == p && p != ".." && !strings.HasPrefix(p, "../")
}

// autoGraph checks that every auto rule reads a declared dependency and that the rules form no
// cycle, so that resolve can order them.
func (v *validator) autoGraph() {
	m := v.m
	for _, name := range m.DependencyNames() {
		d := m.Dependencies[name]
		if d == nil || !slices.Contains(autoResolvers, d.Auto) {
			continue
		}
		src := m.AutoSource(name)
		if _, ok := m.Dependencies[src]; !ok {
			field := "main"
			if d.Auto == AutoProxyWorkspace {
				field = "workspace"
			}
			v.errorf("dependencies."+name+".auto", "%s reads dependency %q, which is not declared (set autoSources.%s)", d.Auto, src, field)
		}
	}
	reported := map[string]bool{}
	for _, start := range m.DependencyNames() {
		chain := []string{start}
		for cur := start; ; {
			next := m.AutoSource(cur)
			if _, ok := m.Dependencies[next]; !ok {
				break
			}
			if i := slices.Index(chain, next); i >= 0 {
				cycle := append(slices.Clone(chain[i:]), next)
				if !reported[cycle[0]] && slices.Min(chain[i:]) == cycle[0] {
					reported[cycle[0]] = true
					v.errorf("dependencies."+cycle[0]+".auto", "auto cycle: %s", strings.Join(cycle, " -> "))
				}
				break
			}
			chain = append(chain, next)
			cur = next
		}
	}
}

// defaultDependencies fills an empty dependency with the only one the manifest has.
func (v *validator) defaultDependencies(b *Build) {
	if len(v.m.Dependencies) != 1 {
		return
	}
	var out Build
	out.Merge(*b, v.m.DependencyNames()[0])
	*b = out
}

func (v *validator) dependencyRef(p, name string) {
	if name == "" {
		v.errorf(p, "required (the manifest has %d dependencies)", len(v.m.Dependencies))
		return
	}
	if _, ok := v.m.Dependencies[name]; !ok {
		v.errorf(p, "unknown dependency %q", name)
	}
}

// unique reports names used twice within one kind.
func (v *validator) unique(p, kind string, n int, name func(int) string) {
	seen := map[string]bool{}
	for i := range n {
		np := fmt.Sprintf("%s[%d].name", p, i)
		switch s := name(i); {
		case s == "":
			v.errorf(np, "required")
		case !namePattern.MatchString(s):
			v.errorf(np, "invalid name %q (want letters, digits, '.', '_' or '-')", s)
		case seen[s]:
			v.errorf(np, "duplicate %s %q", kind, s)
		default:
			seen[s] = true
		}
	}
}

func (v *validator) build(b *Build, p string) {
	at := func(kind string, i int) string { return fmt.Sprintf("%s[%d]", join(p, kind), i) }
	v.unique(join(p, "binaries"), "binary", len(b.Binaries), func(i int) string { return b.Binaries[i].Name })
	v.unique(join(p, "archives"), "archive", len(b.Archives), func(i int) string { return b.Archives[i].Name })
	v.unique(join(p, "packages"), "package", len(b.Packages), func(i int) string { return b.Packages[i].Name })
	v.unique(join(p, "images"), "image", len(b.Images), func(i int) string { return b.Images[i].Name })
	v.unique(join(p, "charts"), "chart", len(b.Charts), func(i int) string { return b.Charts[i].Name })
	v.unique(join(p, "commands"), "command", len(b.Commands), func(i int) string { return b.Commands[i].Name })

	v.binaries = map[string]bool{}
	for _, bins := range [][]Binary{b.Binaries, v.othersBinaries()} {
		for _, x := range bins {
			v.binaries[x.Name] = true
		}
	}
	for i := range b.Binaries {
		v.binary(at("binaries", i), &b.Binaries[i])
	}
	for i := range b.Archives {
		v.archive(at("archives", i), &b.Archives[i])
	}
	for i := range b.Packages {
		v.pkg(at("packages", i), &b.Packages[i])
	}
	for i := range b.Images {
		v.image(at("images", i), &b.Images[i])
	}
	for i := range b.Charts {
		v.chart(at("charts", i), &b.Charts[i])
	}
	for i := range b.Commands {
		v.command(at("commands", i), &b.Commands[i])
	}
	if b.Licenses != nil {
		for j, dep := range b.Licenses.Dependencies {
			v.dependencyRef(fmt.Sprintf("%s.dependencies[%d]", join(p, "licenses"), j), dep)
		}
	}
	v.grafana(b, p)
	v.scanner(b, p)
}

// scanner checks the scanner output's command: without one the output is refused, never skipped.
func (v *validator) scanner(b *Build, p string) {
	if !v.m.Wants(OutputScanner) {
		return
	}
	sp := join(p, "scanner")
	if b.Scanner == nil {
		v.errorf(fmt.Sprintf("outputs[%d]", slices.Index(v.m.Outputs, OutputScanner)), "the scanner output needs build.scanner.run, the command that scans an image")
		return
	}
	s := b.Scanner
	if len(s.Run) == 0 {
		v.errorf(join(sp, "run"), "required: the command that scans an image")
	}
	for i, a := range s.Run {
		v.templateOf(fmt.Sprintf("%s.run[%d]", sp, i), a, scannerFields, "")
	}
	if s.Input != "" && s.Input != "oci" && s.Input != "tarball" {
		v.errorf(join(sp, "input"), "unknown value %q (want oci, tarball)", s.Input)
	}
	if s.FailOn != "" && !slices.Contains([]string{"low", "medium", "high", "critical"}, s.FailOn) {
		v.errorf(join(sp, "failOn"), "unknown severity %q (want low, medium, high, critical)", s.FailOn)
	}
	if !v.m.Wants(OutputDocker) || len(b.Images) == 0 {
		v.errorf(sp, "the scanner scans the release's images, and the manifest builds none")
	}
}

// ScannerData is what build.scanner.run's templates may use.
type ScannerData struct {
	Input, Image, Name, Platform string
}

// grafana checks where the grafana output's dashboards come from.
func (v *validator) grafana(b *Build, p string) {
	if !v.m.Wants(OutputGrafana) {
		return
	}
	g := v.m.GrafanaSpec()
	gp := join(p, "grafana")
	if b.Grafana == nil {
		if _, ok := v.m.Dependencies[g.Dependency]; !ok {
			where := "dashboards"
			if len(v.m.Outputs) > 0 {
				where = fmt.Sprintf("outputs[%d]", slices.Index(v.m.Outputs, OutputGrafana))
			}
			v.errorf(where, "the grafana output needs build.grafana (the dependency and folder of the dashboards), or an istio dependency")
		}
		return
	}
	if b.Grafana.Dependency != "" {
		v.dependencyRef(join(gp, "dependency"), b.Grafana.Dependency)
	} else if _, ok := v.m.Dependencies[g.Dependency]; !ok {
		v.errorf(join(gp, "dependency"), "required (the manifest has %d dependencies, none named istio)", len(v.m.Dependencies))
	}
	if b.Grafana.Dir != "" && b.Grafana.Dir != "." && !localPath(b.Grafana.Dir) {
		v.errorf(join(gp, "dir"), "%q: want a relative path inside the dependency", b.Grafana.Dir)
	}
}

func (v *validator) othersBinaries() []Binary {
	if v.others == nil {
		return nil
	}
	return v.others.Binaries
}

func (v *validator) platforms(p string, platforms []string) {
	for i, pl := range platforms {
		v.platform(fmt.Sprintf("%s.platforms[%d]", p, i), pl)
	}
}

func (v *validator) files(p string, files []Files) {
	for i, f := range files {
		fp := fmt.Sprintf("%s.files[%d]", p, i)
		v.dependencyRef(fp+".dependency", f.Dependency)
		if len(f.Include) == 0 {
			v.errorf(fp+".include", "required")
		}
		for j, g := range append(slices.Clone(f.Include), f.Exclude...) {
			field := fmt.Sprintf("%s.include[%d]", fp, j)
			if j >= len(f.Include) {
				field = fmt.Sprintf("%s.exclude[%d]", fp, j-len(f.Include))
			}
			if _, err := path.Match(g, ""); err != nil || !localPath(strings.TrimSuffix(g, "/")) {
				v.errorf(field, "%q: want a glob relative to the dependency", g)
			}
		}
		if f.Dest != "" && !localPath(f.Dest) {
			v.errorf(fp+".dest", "%q: want a relative folder", f.Dest)
		}
	}
}

// templateFields are the fields of [TemplateData].
var templateFields = []string{"Name", "Version", "Docker", "Commit", "CommitDate", "OS", "Arch", "Suffix", "Images"}

// suffixRe is what a suffix may hold: what image tags, file names and resource names all take.
// automation_images' IMG_SFX starts with its time: 20260425t010036z-f43f42d14.
var suffixRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// template checks that s parses and uses only the fields of [TemplateData].
func (v *validator) template(p, s string) { v.templateOf(p, s, templateFields, "Images") }

// scannerFields are the fields of [ScannerData], all strings.
var scannerFields = []string{"Input", "Image", "Name", "Platform"}

// templateOf checks that s parses and uses only fields, all strings but mapField, a map.
func (v *validator) templateOf(p, s string, fields []string, mapField string) {
	for _, msg := range CheckTemplate(s, fields, mapField) {
		v.errorf(p, "%s", msg)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
