package manifest

import (
	"fmt"
)

// Command runs a project's own build step with a fixed environment and collects its outputs.
type Command struct {
	// Pos is where the entry was declared; the decoder fills it.
	Pos        Pos      `yaml:"-"`
	Name       string   `yaml:"name"`
	Dependency string   `yaml:"dependency,omitempty"`
	Run        []string `yaml:"run"`
	// Outputs are files, relative to the dependency, copied into the release.
	Outputs []string `yaml:"outputs"`
}

// command checks the command spec x at path cp.
func (v *validator) command(cp string, x *Command) {
	v.dependencyRef(cp+".dependency", x.Dependency)
	if len(x.Run) == 0 {
		v.errorf(cp+".run", "required")
	}
	if len(x.Outputs) == 0 {
		v.errorf(cp+".outputs", "required")
	}
	for j, o := range x.Outputs {
		if !localPath(o) {
			v.errorf(fmt.Sprintf("%s.outputs[%d]", cp, j), "%q: want a relative path inside the dependency", o)
		}
	}
}
