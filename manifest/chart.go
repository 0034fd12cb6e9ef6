package manifest

import (
	"fmt"
	"path"
	"strings"
)

// Chart is a Helm chart directory in a dependency, stamped and pinned, packaged as a .tgz.
type Chart struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos    `yaml:"-"`
	Name       string `yaml:"name"`
	Dependency string `yaml:"dependency,omitempty"`
	Path       string `yaml:"path"`
	// Values maps a values.yaml path to what is written there: "{{.Docker}}", "{{.Version}}".
	Values map[string]string `yaml:"values,omitempty"`
	// Images maps a values.yaml path to the image reference it holds, overriding detection.
	Images map[string]string `yaml:"images,omitempty"`
	// Pin is "digest" (default: every image pinned) or "tag" (floating tags, for main branches).
	Pin string `yaml:"pin,omitempty"`
	// Unpinned are the chart's template files (path.Match globs, e.g. templates/tests/*) whose
	// images may stay unpinned: helm test hooks with images written in the template, which no
	// value pins. They must still be valid references. Default none.
	Unpinned []string `yaml:"unpinned,omitempty"`
}

// MayStayUnpinned reports whether the images of the chart's template file may stay unpinned.
func (c *Chart) MayStayUnpinned(file string) bool {
	for _, g := range c.Unpinned {
		if ok, _ := path.Match(g, file); ok {
			return true
		}
	}
	return false
}

// chart checks the chart spec x at path cp.
func (v *validator) chart(cp string, x *Chart) {
	v.dependencyRef(cp+".dependency", x.Dependency)
	if !localPath(x.Path) && x.Path != "." {
		v.errorf(cp+".path", "%q: want a relative path inside the dependency", x.Path)
	}
	for _, k := range sortedKeys(x.Values) {
		v.template(cp+".values."+k, x.Values[k])
	}
	for j, g := range x.Unpinned {
		if _, err := path.Match(g, ""); err != nil || !strings.HasPrefix(g, "templates/") {
			v.errorf(fmt.Sprintf("%s.unpinned[%d]", cp, j), "%q: want a glob of template files, e.g. templates/tests/*", g)
		}
	}
	if x.Pin != "" && x.Pin != "digest" && x.Pin != "tag" {
		v.errorf(cp+".pin", "unknown value %q (want digest, tag)", x.Pin)
	}
}
