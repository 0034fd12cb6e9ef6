package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/releasekit/releasekit/manifest"
)

// gsRelease is the part of a Giant Swarm Release resource that carries versions.
type gsRelease struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Components []gsEntry `yaml:"components"`
		Apps       []gsEntry `yaml:"apps"`
	} `yaml:"spec"`
}

type gsEntry struct {
	Name      string   `yaml:"name"`
	Version   string   `yaml:"version"`
	DependsOn []string `yaml:"dependsOn"`
}

// releaseVersion finds the version in a Release's name: "v25.0.0", "aws-25.0.0-rc1".
var releaseVersion = regexp.MustCompile(`(?:^|-)(v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$`)

// ReadRelease reads a Giant Swarm Release (apiVersion release.giantswarm.io/v1alpha1): its
// version from metadata.name, and spec.components and spec.apps as components.
func ReadRelease(data []byte, file string) (*Composite, error) {
	var r gsRelease
	if err := manifest.DecodeYAML(data, file, &r, manifest.WithUnknownFields()); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(r.APIVersion, "release.giantswarm.io/") || r.Kind != "Release" {
		return nil, fmt.Errorf("%s: %w (apiVersion %q, kind %q)", file, ErrNotRelease, r.APIVersion, r.Kind)
	}
	m := releaseVersion.FindStringSubmatch(r.Metadata.Name)
	if m == nil {
		return nil, fmt.Errorf("%s: metadata.name %q: no version in it", file, r.Metadata.Name)
	}
	c := &Composite{File: file, Name: r.Metadata.Name, Version: m[1]}
	for _, e := range r.Spec.Components {
		c.Components = append(c.Components, Component{Name: e.Name, Version: e.Version, Kind: "component", DependsOn: e.DependsOn})
	}
	for _, e := range r.Spec.Apps {
		c.Components = append(c.Components, Component{Name: e.Name, Version: e.Version, Kind: "app", DependsOn: e.DependsOn})
	}
	for _, e := range c.Components {
		if e.Name == "" || e.Version == "" {
			return nil, fmt.Errorf("%s: spec.%ss: %q: name and version are required", file, e.Kind, e.Name)
		}
	}
	return c, nil
}

// FromManifest is a resolved manifest as a composite release: its version, and each dependency
// resolved from a tag, at that tag. Dependencies resolved from a branch or SHA have no version
// and are left out.
func FromManifest(m *manifest.Manifest, file string) *Composite {
	c := &Composite{File: file, Name: file, Version: m.Version}
	for _, name := range m.DependencyNames() {
		d := m.Dependencies[name]
		if d.Resolved == nil {
			continue
		}
		tag, ok := strings.CutPrefix(d.Resolved.From, "tag ")
		if !ok {
			continue
		}
		tag, _, _ = strings.Cut(tag, " ")
		c.Components = append(c.Components, Component{Name: name, Version: tag, Kind: "dependency"})
	}
	return c
}
