package manifest

import (
	"maps"
	"slices"
)

// Clone returns a deep copy of m.
func (m *Manifest) Clone() *Manifest {
	out := *m
	out.Architectures = slices.Clone(m.Architectures)
	out.Outputs = slices.Clone(m.Outputs)
	out.Dashboards = maps.Clone(m.Dashboards)
	out.Artifacts = slices.Clone(m.Artifacts)
	if m.Dependencies != nil {
		out.Dependencies = make(map[string]*Dependency, len(m.Dependencies))
		for name, d := range m.Dependencies {
			if d == nil {
				out.Dependencies[name] = nil
				continue
			}
			c := *d
			if d.Resolved != nil {
				r := *d.Resolved
				c.Resolved = &r
			}
			out.Dependencies[name] = &c
		}
	}
	out.Build = m.Build.Clone()
	return &out
}

// Clone returns a deep copy of b.
func (b Build) Clone() Build {
	out := Build{
		Binaries: slices.Clone(b.Binaries),
		Archives: slices.Clone(b.Archives),
		Packages: slices.Clone(b.Packages),
		Images:   slices.Clone(b.Images),
		Charts:   slices.Clone(b.Charts),
		Commands: slices.Clone(b.Commands),
	}
	for i, x := range out.Binaries {
		out.Binaries[i].Platforms = slices.Clone(x.Platforms)
		out.Binaries[i].Ldflags = slices.Clone(x.Ldflags)
		out.Binaries[i].Tags = slices.Clone(x.Tags)
		out.Binaries[i].VersionCommand = slices.Clone(x.VersionCommand)
	}
	for i, x := range out.Archives {
		out.Archives[i].Binaries = slices.Clone(x.Binaries)
		out.Archives[i].Files = cloneFiles(x.Files)
		out.Archives[i].Platforms = slices.Clone(x.Platforms)
	}
	for i, x := range out.Packages {
		out.Packages[i].Formats = slices.Clone(x.Formats)
		out.Packages[i].Depends = slices.Clone(x.Depends)
		out.Packages[i].Contents = slices.Clone(x.Contents)
		out.Packages[i].Scripts = maps.Clone(x.Scripts)
		out.Packages[i].Platforms = slices.Clone(x.Platforms)
	}
	for i, x := range out.Images {
		img := &out.Images[i]
		img.Binaries = slices.Clone(x.Binaries)
		img.Files = cloneFiles(x.Files)
		img.Entrypoint = slices.Clone(x.Entrypoint)
		img.Cmd = slices.Clone(x.Cmd)
		img.Env = slices.Clone(x.Env)
		img.Ports = slices.Clone(x.Ports)
		img.Labels = maps.Clone(x.Labels)
		img.Variants = slices.Clone(x.Variants)
		img.Platforms = slices.Clone(x.Platforms)
		if x.Windows != nil {
			w := *x.Windows
			w.Bases = slices.Clone(w.Bases)
			w.Platforms = slices.Clone(w.Platforms)
			w.Entrypoint = slices.Clone(w.Entrypoint)
			w.Copy = slices.Clone(w.Copy)
			for k, c := range w.Copy {
				w.Copy[k] = WindowsCopy{From: slices.Clone(c.From), Paths: slices.Clone(c.Paths)}
			}
			img.Windows = &w
		}
	}
	for i, x := range out.Charts {
		out.Charts[i].Values = maps.Clone(x.Values)
		out.Charts[i].Images = maps.Clone(x.Images)
		out.Charts[i].Unpinned = slices.Clone(x.Unpinned)
	}
	for i, x := range out.Commands {
		out.Commands[i].Run = slices.Clone(x.Run)
		out.Commands[i].Outputs = slices.Clone(x.Outputs)
	}
	if b.Licenses != nil {
		l := *b.Licenses
		l.Dependencies, l.Forbid = slices.Clone(l.Dependencies), slices.Clone(l.Forbid)
		out.Licenses = &l
	}
	if b.Grafana != nil {
		g := *b.Grafana
		out.Grafana = &g
	}
	if b.Scanner != nil {
		sc := *b.Scanner
		sc.Run = slices.Clone(sc.Run)
		out.Scanner = &sc
	}
	return out
}

func cloneFiles(fs []Files) []Files {
	out := slices.Clone(fs)
	for i, f := range out {
		out[i].Include = slices.Clone(f.Include)
		out[i].Exclude = slices.Clone(f.Exclude)
	}
	return out
}
