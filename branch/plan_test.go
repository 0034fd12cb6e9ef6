package branch_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/branch"
	"github.com/releasekit/releasekit/manifest"
)

func TestLoadShipped(t *testing.T) {
	for _, f := range []string{"plans/istio.yaml", "plans/csi.yaml"} {
		if _, err := branch.Load(f); err != nil {
			t.Error(err)
		}
	}
}

// TestParseRefuses checks that bad plans fail at their position, every problem at once.
func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, plan string
		want       []string
	}{
		{"unknown action", `
steps:
  - step: 1
    actions:
      - repos: [istio]
        rebase: {onto: master}
`, []string{
			`plan.yaml:6:9: steps[0].actions[0].rebase: unknown field "rebase"`,
		}},
		{"bad regex and template", `
steps:
  - step: 1
    actions:
      - replace:
          files: [Makefile]
          pattern: 'UPDATE_BRANCH ?=(.*'
          with: '{{.Verison}}'
`, []string{
			"plan.yaml:6:11: steps[0].actions[0].replace.pattern: error parsing regexp: missing closing ): `UPDATE_BRANCH ?=(.*`",
			`plan.yaml:6:11: steps[0].actions[0].replace.with: template: unknown field .Verison (want Version, Branch, VersionDashes, Step, Repo)`,
		}},
		{"missing step", `
steps:
  - step: 1
    actions: [{write: {file: A, content: a}}]
  - step: 3
    actions: [{write: {file: A, content: a}}]
`, []string{
			`plan.yaml:1:1: steps: step 2 is missing (steps are numbered 1 to 2)`,
			`plan.yaml:5:5: steps[1].step: want a step number from 1 to 2, not 3`,
		}},
		{"paths out of the repository", `
steps:
  - step: 1
    actions:
      - write: {file: ../../etc/passwd, content: x}
      - run: {args: [make], dir: /tmp}
      - set: {file: values.yaml}
`, []string{
			`plan.yaml:5:16: steps[0].actions[0].write.file: "../../etc/passwd": want a relative path inside the repository`,
			`plan.yaml:6:14: steps[0].actions[1].run.dir: "/tmp": want a relative path inside the repository`,
			`plan.yaml:7:14: steps[0].actions[2].set.values: want at least one path and value`,
		}},
		{"gomod", `
steps:
  - step: 1
    actions:
      - gomod: {module: istio.io/api, version: master}
      - gomod: {module: istio.io/api}
      - gomod: {module: istio.io/api, repo: api, version: v1.0.0}
`, []string{
			`plan.yaml:5:16: steps[0].actions[0].gomod.version: istio.io/api@master: invalid version: not a semantic version`,
			`plan.yaml:6:16: steps[0].actions[1].gomod: want version or repo, one of them`,
			`plan.yaml:7:16: steps[0].actions[2].gomod: want version or repo, one of them`,
		}},
		{"branch template", `
branch: release-{{.Branch}}
steps:
  - step: 1
    actions: [{branch: {tag: 'v{{.Version}.0'}}]
`, []string{
			`plan.yaml:1:1: branch: template: unknown field .Branch (want Version, VersionDashes)`,
			`plan.yaml:5:24: steps[0].actions[0].branch.tag: template: bad character U+007D '}'`,
		}},
		{"envFiles, optional and newestTag", `
steps:
  - step: 1
    actions:
      - run: {args: [make, gen], env: {VERSION: x}, envFiles: {VERSION: VERSION, "A=B": ../VERSION}}
      - replace:
          files: [setup_env.sh]
          optional: [build.sh]
          pattern: 'IMAGE_VERSION=.*'
          with: 'IMAGE_VERSION={{.Tag}}'
      - replace:
          files: [setup_env.sh]
          pattern: 'IMAGE_VERSION=.*'
          with: 'IMAGE_VERSION={{.Tag}}'
          newestTag: {match: '{{.Branch}}-[0-9a-f'}
`, []string{
			`plan.yaml:5:14: steps[0].actions[0].run.envFiles: "A=B" is not a variable name`,
			`plan.yaml:5:14: steps[0].actions[0].run.envFiles.A=B: "../VERSION": want a relative path inside the repository`,
			`plan.yaml:5:14: steps[0].actions[0].run.envFiles.VERSION: VERSION is also in env`,
			`plan.yaml:7:11: steps[0].actions[1].replace.optional[0]: "build.sh" is not one of files`,
			`plan.yaml:7:11: steps[0].actions[1].replace.with: template: unknown field .Tag (want Version, Branch, VersionDashes, Step, Repo)`,
			`plan.yaml:15:22: steps[0].actions[2].replace.newestTag.image: want an image repository`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := branch.Parse(strings.NewReader(tc.plan), "plan.yaml")
			var got []string
			for _, p := range manifest.Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s\nerror: %v", diff, err)
			}
		})
	}
}

func TestStepOf(t *testing.T) {
	p, err := branch.Load("plans/istio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := p.StepOf(4); err != nil || s.Step != 4 || len(s.Actions) != 5 {
		t.Errorf("StepOf(4) = %+v, %v", s, err)
	}
	if _, err := p.StepOf(6); err == nil || fmt.Sprint(err) != "no such step: 6 (the plan has steps 1 to 5)" {
		t.Errorf("StepOf(6): %v", err)
	}
}
