package plans

import (
	"bytes"
	"embed"
	"fmt"
	"strings"

	"github.com/releasekit/releasekit/branch"
)

//go:embed *.yaml
var files embed.FS

// Names lists the plans, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".") // embedded: cannot fail
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return out
}

// Load reads the plan called name (see [Names]).
func Load(name string) (*branch.Plan, error) {
	data, err := files.ReadFile(name + ".yaml")
	if err != nil || strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("no plan called %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return branch.Parse(bytes.NewReader(data), name+".yaml")
}

// IsName reports whether s names a plan rather than a file: no path separator and no
// extension.
func IsName(s string) bool { return s != "" && !strings.ContainsAny(s, `/\.`) }
