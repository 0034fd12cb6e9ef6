package manifest

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Package is a system package (deb, rpm) per platform.
type Package struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos         Pos      `yaml:"-"`
	Name        string   `yaml:"name"`
	Formats     []string `yaml:"formats"`
	Maintainer  string   `yaml:"maintainer,omitempty"`
	Description string   `yaml:"description,omitempty"`
	Homepage    string   `yaml:"homepage,omitempty"`
	License     string   `yaml:"license,omitempty"`
	Depends     []string `yaml:"depends,omitempty"`
	// NameTemplate names the package file, without its extension, e.g.
	// "{{.Name}}_{{.Version}}_{{.Arch}}"; default <name>, and -<arch> but on amd64.
	NameTemplate string `yaml:"nameTemplate,omitempty"`
	// Section is the deb's section (e.g. utils, net); default "default", never empty.
	Section   string            `yaml:"section,omitempty"`
	Contents  []PackageContent  `yaml:"contents,omitempty"`
	Scripts   map[string]string `yaml:"scripts,omitempty"` // preinstall, postinstall, preremove, postremove → file in the dependency
	Platforms []string          `yaml:"platforms,omitempty"`
}

// PackageContent places a binary or a dependency's file at Dst.
type PackageContent struct {
	Pos        Pos    `yaml:"-"`
	Binary     string `yaml:"binary,omitempty"`
	Dependency string `yaml:"dependency,omitempty"`
	Src        string `yaml:"src,omitempty"`
	Dst        string `yaml:"dst"`
	// Type is "" for a plain file or "config" for a configuration file.
	Type string `yaml:"type,omitempty"`
	Mode string `yaml:"mode,omitempty"` // octal, e.g. "0755"
}

// pkg checks the package spec x at path pp.
func (v *validator) pkg(pp string, x *Package) {
	v.template(pp+".nameTemplate", x.NameTemplate)
	if len(x.Formats) == 0 {
		v.errorf(pp+".formats", "required")
	}
	for j, f := range x.Formats {
		if f != "deb" && f != "rpm" {
			v.errorf(fmt.Sprintf("%s.formats[%d]", pp, j), "unknown format %q (want deb, rpm)", f)
		}
	}
	for j, c := range x.Contents {
		cp := fmt.Sprintf("%s.contents[%d]", pp, j)
		switch {
		case c.Binary != "" && c.Src != "":
			v.errorf(cp, "binary and src are exclusive")
		case c.Binary != "":
			v.binaryRef(cp+".binary", c.Binary)
		case c.Src != "":
			v.dependencyRef(cp+".dependency", c.Dependency)
		default:
			v.errorf(cp, "needs binary or src")
		}
		if !path.IsAbs(c.Dst) || path.Clean(c.Dst) != c.Dst || strings.Contains(c.Dst, "/../") || strings.Contains(c.Dst, `\`) {
			v.errorf(cp+".dst", "%q: want a clean absolute path", c.Dst)
		}
		if c.Type != "" && c.Type != "config" {
			v.errorf(cp+".type", "unknown type %q (want config)", c.Type)
		}
		if c.Mode != "" && !modePattern.MatchString(c.Mode) {
			v.errorf(cp+".mode", "%q: want an octal mode such as 0755", c.Mode)
		}
	}
	for _, k := range sortedKeys(x.Scripts) {
		if !slices.Contains([]string{"preinstall", "postinstall", "preremove", "postremove"}, k) {
			v.errorf(pp+".scripts."+k, "unknown script (want preinstall, postinstall, preremove, postremove)")
		}
	}
	v.platforms(pp, x.Platforms)
}
