package manifest

import (
	"fmt"
	"strings"
)

// Binary is a Go command cross-compiled for each of its platforms.
type Binary struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos    `yaml:"-"`
	Name       string `yaml:"name"`
	Dependency string `yaml:"dependency,omitempty"`
	// Package is the Go package to build, relative to the dependency's root, e.g. ./cmd/hello.
	Package string `yaml:"package"`
	// Platforms defaults to the manifest's architectures.
	Platforms []string `yaml:"platforms,omitempty"`
	// Ldflags are templates over [TemplateData], e.g. "-X main.version={{.Version}}".
	Ldflags []string `yaml:"ldflags,omitempty"`
	Tags    []string `yaml:"tags,omitempty"`
	// GoVersion is the Go toolchain to build with, e.g. go1.26.0 (through GOTOOLCHAIN).
	GoVersion string `yaml:"goVersion,omitempty"`
	// VersionCommand is the arguments that make the binary print its version, e.g. [version,
	// --short]. Validation runs the host platform's binary with them and looks for the release
	// version in what it prints.
	VersionCommand []string `yaml:"versionCommand,omitempty"`
}

// binary checks the binary spec x at path bp.
func (v *validator) binary(bp string, x *Binary) {
	v.dependencyRef(bp+".dependency", x.Dependency)
	if x.Package == "" {
		v.errorf(bp+".package", "required")
	} else if x.Package != "." && (!strings.HasPrefix(x.Package, "./") || !localPath(strings.TrimPrefix(x.Package, "./"))) {
		v.errorf(bp+".package", "%q: want a path inside the dependency, like ./cmd/name", x.Package)
	}
	v.platforms(bp, x.Platforms)
	for j, f := range x.Ldflags {
		v.template(fmt.Sprintf("%s.ldflags[%d]", bp, j), f)
	}
	if x.GoVersion != "" && !goVersion.MatchString(x.GoVersion) {
		v.errorf(bp+".goVersion", "%q is not a Go version (want go1.N or go1.N.N)", x.GoVersion)
	}
}
