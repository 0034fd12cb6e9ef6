package artifacts

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/manifest"
)

// Markers in a pull request's title that say no output can change, as the containers org
// writes them.
var skipMarkers = []string{"[CI:DOCS]", "[CI:TOOLING]"}

// Affected is what a change set changes among a release's outputs.
type Affected struct {
	// Outputs are "kind name" (binary hello, archive hello, image hello, chart hello, …), sorted.
	Outputs []string
	// Why maps each output to the changed file (dependency/path) or rule that affects it.
	Why map[string]string
}

// AffectedOutputs says which outputs of m a change can affect: changed maps a dependency to its
// changed paths (git diff --name-only base..head), title is the pull request's title. It is
// conservative where inputs cannot be known without building: a binary depends on every Go file,
// go.mod, go.sum and vendor/ file of its dependency, and a command on every file of its
// dependency. Archives, packages and images follow their binaries and files, charts their folder
// and the release's images, licenses the module files, grafana its folder. A change to a build
// spec file affects everything; a [CI:DOCS] or [CI:TOOLING] title, or a change no input holds
// (documentation), affects nothing. The sources archive records the tree and is left out.
func AffectedOutputs(m *manifest.Manifest, changed map[string][]string, title string) *Affected {
	a := &Affected{Why: map[string]string{}}
	for _, marker := range skipMarkers {
		if strings.Contains(title, marker) {
			return a
		}
	}
	add := func(out, why string) {
		if _, ok := a.Why[out]; !ok {
			a.Why[out] = why
			a.Outputs = append(a.Outputs, out)
		}
	}
	// first returns the first changed file of dep that match accepts, as dep/path.
	first := func(dep string, match func(string) bool) (string, bool) {
		for _, p := range changed[dep] {
			if match(p) {
				return dep + "/" + p, true
			}
		}
		return "", false
	}
	b := &m.Build
	for _, name := range m.DependencyNames() {
		if spec := m.Dependencies[name].Spec; spec != "" {
			if why, ok := first(name, func(p string) bool { return p == spec }); ok {
				return everything(m, why)
			}
		}
	}
	binaries := map[string]bool{}
	for _, x := range b.Binaries {
		if why, ok := first(x.Dependency, isGoInput); ok {
			binaries[x.Name] = true
			add("binary "+x.Name, why)
		}
	}
	viaBinaries := func(kind, name string, bins []string) {
		for _, bin := range bins {
			if binaries[bin] {
				add(kind+" "+name, "binary "+bin)
			}
		}
	}
	viaFiles := func(kind, name string, files []manifest.Files) {
		for _, f := range files {
			if why, ok := first(f.Dependency, func(p string) bool { return selected(f, p) }); ok {
				add(kind+" "+name, why)
			}
		}
	}
	for _, x := range b.Archives {
		viaBinaries("archive", x.Name, x.Binaries)
		viaFiles("archive", x.Name, x.Files)
	}
	for _, x := range b.Packages {
		for _, c := range x.Contents {
			if c.Binary != "" {
				viaBinaries("package", x.Name, []string{c.Binary})
			} else if why, ok := first(c.Dependency, func(p string) bool { return p == c.Src }); ok {
				add("package "+x.Name, why)
			}
		}
		for _, script := range x.Scripts {
			if why, ok := first(m.PackageDependency(&x), func(p string) bool { return p == script }); ok {
				add("package "+x.Name, why)
			}
		}
	}
	images := false
	for _, x := range b.Images {
		before := len(a.Outputs)
		viaBinaries("image", x.Name, x.Binaries)
		viaFiles("image", x.Name, x.Files)
		images = images || len(a.Outputs) > before
	}
	for _, x := range b.Charts {
		dir := strings.TrimSuffix(x.Path, "/") + "/"
		if why, ok := first(x.Dependency, func(p string) bool { return strings.HasPrefix(p, dir) }); ok {
			add("chart "+x.Name, why)
		} else if images {
			add("chart "+x.Name, "the release's images, which it pins")
		}
	}
	if b.Licenses != nil {
		for _, name := range m.DependencyNames() {
			if why, ok := first(name, isModuleFile); ok {
				add("licenses", why)
			}
		}
	}
	if m.Wants(manifest.OutputGrafana) {
		g := m.GrafanaSpec()
		dir := strings.TrimSuffix(g.Dir, "/") + "/"
		if why, ok := first(g.Dependency, func(p string) bool { return strings.HasPrefix(p, dir) }); ok {
			add("grafana", why)
		}
	}
	for _, x := range b.Commands {
		if why, ok := first(x.Dependency, func(string) bool { return true }); ok {
			add("command "+x.Name, why)
		}
	}
	slices.Sort(a.Outputs)
	return a
}

// everything is every output, affected by a change to the build spec.
func everything(m *manifest.Manifest, why string) *Affected {
	a := &Affected{Why: map[string]string{}}
	add := func(kind, name string) {
		out := strings.TrimSpace(kind + " " + name)
		a.Outputs = append(a.Outputs, out)
		a.Why[out] = why
	}
	b := &m.Build
	for _, x := range b.Binaries {
		add("binary", x.Name)
	}
	for _, x := range b.Archives {
		add("archive", x.Name)
	}
	for _, x := range b.Packages {
		add("package", x.Name)
	}
	for _, x := range b.Images {
		add("image", x.Name)
	}
	for _, x := range b.Charts {
		add("chart", x.Name)
	}
	for _, x := range b.Commands {
		add("command", x.Name)
	}
	if b.Licenses != nil {
		add("licenses", "")
	}
	if m.Wants(manifest.OutputGrafana) {
		add("grafana", "")
	}
	slices.Sort(a.Outputs)
	return a
}

// isGoInput reports whether p can change what a Go binary of its dependency compiles to.
func isGoInput(p string) bool {
	return strings.HasSuffix(p, ".go") || isModuleFile(p) || strings.HasSuffix(p, ".s") || strings.HasSuffix(p, ".c") || strings.HasSuffix(p, ".h")
}

// isModuleFile reports whether p is a module file: go.mod, go.sum, go.work or under vendor/.
func isModuleFile(p string) bool {
	base := path.Base(p)
	return base == "go.mod" || base == "go.sum" || base == "go.work" || strings.HasPrefix(p, "vendor/") || strings.Contains(p, "/vendor/")
}

// selected reports whether f selects the file p, as a build does: an include glob matches it
// (or a folder it is under) and no exclude glob does.
func selected(f manifest.Files, p string) bool {
	in := false
	for _, g := range f.Include {
		if globHas(g, p) {
			in = true
			break
		}
	}
	if !in {
		return false
	}
	for _, g := range f.Exclude {
		if globHas(g, p) || globHas(g, path.Base(p)) {
			return false
		}
	}
	return true
}

// globHas reports whether glob g names p or a folder holding it.
func globHas(g, p string) bool {
	for q := p; q != "." && q != "/" && q != ""; q = path.Dir(q) {
		if ok, _ := path.Match(g, q); ok {
			return true
		}
	}
	return false
}

// Drop removes the outputs a pull request's labels turn off: no_<name> drops every output
// named name (the containers org's no_<image> labels).
func (a *Affected) Drop(labels ...string) {
	for _, l := range labels {
		name, ok := strings.CutPrefix(l, "no_")
		if !ok || name == "" {
			continue
		}
		a.Outputs = slices.DeleteFunc(a.Outputs, func(out string) bool {
			_, n, _ := strings.Cut(out, " ")
			if n == name {
				delete(a.Why, out)
				return true
			}
			return false
		})
	}
}

// String lists the affected outputs and why, a line each.
func (a *Affected) String() string {
	if len(a.Outputs) == 0 {
		return "nothing to build\n"
	}
	var b strings.Builder
	for _, o := range a.Outputs {
		fmt.Fprintf(&b, "%s: %s\n", o, a.Why[o])
	}
	return b.String()
}

// Selector picks the affected outputs, for a build of them alone (a presubmit): their release
// paths by name, and the images by kind.
func (a *Affected) Selector(m *manifest.Manifest) Selector {
	var sel Selector
	kinds := map[manifest.Output]bool{}
	name := func(p string) { sel.Names = append(sel.Names, p) }
	for _, out := range a.Outputs {
		kind, what, _ := strings.Cut(out, " ")
		switch kind {
		case "archive":
			if spec := archiveSpec(m, what); spec != nil {
				kinds[manifest.OutputArchive] = true
				for _, pl := range m.ArchivePlatforms(spec) {
					if p, _, _, err := release.ArchivePath(m, spec, pl); err == nil {
						name(p)
					}
				}
			}
		case "package":
			for i := range m.Build.Packages {
				spec := &m.Build.Packages[i]
				if spec.Name != what {
					continue
				}
				for _, f := range spec.Formats {
					kinds[release.PackageOutput(f)] = true
					for _, pl := range m.PackagePlatforms(spec) {
						if p, err := release.PackagePath(m, spec, f, pl); err == nil {
							name(p)
						}
					}
				}
			}
		case "image":
			kinds[manifest.OutputDocker] = true
		case "chart":
			kinds[manifest.OutputHelm] = true
			name(release.ChartPath(what, m.Version))
		case "licenses":
			kinds[manifest.OutputLicenses] = true
			name("licenses/*")
		case "grafana":
			kinds[manifest.OutputGrafana] = true
			name("grafana/*")
		case "command":
			kinds[manifest.OutputCommand] = true
			for _, c := range m.Build.Commands {
				if c.Name == what {
					for _, o := range c.Outputs {
						name(path.Base(o))
					}
				}
			}
		}
	}
	for k := range kinds {
		sel.Kinds = append(sel.Kinds, k)
	}
	slices.Sort(sel.Kinds)
	slices.Sort(sel.Names)
	return sel
}

func archiveSpec(m *manifest.Manifest, name string) *manifest.Archive {
	for i := range m.Build.Archives {
		if m.Build.Archives[i].Name == name {
			return &m.Build.Archives[i]
		}
	}
	return nil
}
