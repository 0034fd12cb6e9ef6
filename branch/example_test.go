package branch_test

import (
	"fmt"
	"strings"

	"github.com/releasekit/releasekit/branch"
)

// A plan declares numbered steps; each action names the repositories it runs in.
func ExampleParse() {
	plan, err := branch.Parse(strings.NewReader(`
steps:
  - step: 1
    base: master
    actions:
      - except: [test-infra]
        branch: {name: 'release-{{.Version}}'}
  - step: 2
    base: 'release-{{.Version}}'
    actions:
      - repos: [istio]
        replace:
          files: [common/Makefile.common.mk]
          pattern: '^UPDATE_BRANCH \?=.*$'
          with: 'UPDATE_BRANCH ?= "{{.Branch}}"'
          count: 1
`), "plan.yaml")
	if err != nil {
		panic(err)
	}
	for _, s := range plan.Steps {
		for _, a := range s.Actions {
			switch {
			case a.Branch != nil:
				fmt.Printf("step %d: branch %s in all but %v\n", s.Step, a.Branch.Name, a.Except)
			case a.Replace != nil:
				fmt.Printf("step %d: replace in %v of %v\n", s.Step, a.Replace.Files, a.Repos)
			}
		}
	}
	// Output:
	// step 1: branch release-{{.Version}} in all but [test-infra]
	// step 2: replace in [common/Makefile.common.mk] of [istio]
}
