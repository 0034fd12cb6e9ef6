package ci

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/releasekit/releasekit/manifest"
)

// documents splits a multi-document YAML file.
func documents(t *testing.T, file string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(doc) != "" {
			out = append(out, []byte(doc))
		}
	}
	return out
}

// commands are the shell commands a file runs: every string under a key named run, script
// or args.
func commands(t *testing.T, file string) []string {
	t.Helper()
	var out []string
	for _, doc := range documents(t, file) {
		var n yaml.Node
		if err := yaml.Unmarshal(doc, &n); err != nil {
			t.Fatal(err)
		}
		var walk func(n *yaml.Node, key string)
		walk = func(n *yaml.Node, key string) {
			switch n.Kind {
			case yaml.DocumentNode, yaml.SequenceNode:
				for _, c := range n.Content {
					walk(c, key)
				}
			case yaml.MappingNode:
				for i := 0; i+1 < len(n.Content); i += 2 {
					walk(n.Content[i+1], n.Content[i].Value)
				}
			case yaml.ScalarNode:
				if key == "run" || key == "script" || key == "args" || key == "select" || key == "value" {
					out = append(out, n.Value)
				}
			}
		}
		walk(&n, "")
	}
	return out
}

var mainRun = regexp.MustCompile(`go run \./examples/([a-z-]+)((?:[^\n\\]|\\\n)*)`)
var flagName = regexp.MustCompile(`(?:^|\s)-([a-z][a-z-]*)`)

// checkMains fails unless every example main a file runs exists and takes every flag given it.
func checkMains(t *testing.T, file string) {
	t.Helper()
	runs := 0
	for _, cmd := range commands(t, file) {
		for _, m := range mainRun.FindAllStringSubmatch(cmd, -1) {
			runs++
			src, err := os.ReadFile("../" + m[1] + "/main.go")
			if err != nil {
				t.Errorf("%s runs ./examples/%s: %v", file, m[1], err)
				continue
			}
			for _, f := range flagName.FindAllStringSubmatch(m[2], -1) {
				if !bytes.Contains(src, []byte(`"`+f[1]+`"`)) {
					t.Errorf("%s: ./examples/%s has no flag -%s", file, m[1], f[1])
				}
			}
		}
	}
	if runs == 0 {
		t.Errorf("%s runs no example main", file)
	}
	// The shard flags given through a matrix value.
	for _, cmd := range commands(t, file) {
		if strings.HasPrefix(cmd, "-kinds ") {
			src, _ := os.ReadFile("../build/main.go")
			for _, f := range flagName.FindAllStringSubmatch(cmd, -1) {
				if !bytes.Contains(src, []byte(`"`+f[1]+`"`)) {
					t.Errorf("%s: ./examples/build has no flag -%s", file, f[1])
				}
			}
		}
	}
}

// TestGitHubActions: the workflow passes actionlint, the pinned linter, and runs real mains.
func TestGitHubActions(t *testing.T) {
	checkMains(t, "github-actions.yaml")
	bin := os.Getenv("RELEASEKIT_ACTIONLINT")
	if bin == "" {
		t.Skip("RELEASEKIT_ACTIONLINT is not set (.ci/run sets it)")
	}
	if out, err := exec.Command(bin, "-no-color", "github-actions.yaml").CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}

// Tekton's Go types do not resolve here: the pipeline is read into a strict mirror of the
// tekton.dev/v1 fields it uses (an unknown field is an error, as the API server's schema makes
// it), and its references are checked as Tekton resolves them.
type (
	tknParamSpec struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	}
	tknParam struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	}
	tknWorkspace struct {
		Name     string `yaml:"name"`
		Optional bool   `yaml:"optional"`
	}
	tknBinding struct {
		Name      string `yaml:"name"`
		Workspace string `yaml:"workspace"`
	}
	tknStep struct {
		Name       string   `yaml:"name"`
		Image      string   `yaml:"image"`
		WorkingDir string   `yaml:"workingDir"`
		Script     string   `yaml:"script"`
		Command    []string `yaml:"command"`
		Args       []string `yaml:"args"`
	}
	tknMatrix struct {
		Include []struct {
			Name   string     `yaml:"name"`
			Params []tknParam `yaml:"params"`
		} `yaml:"include"`
	}
	tknPipelineTask struct {
		Name    string `yaml:"name"`
		TaskRef struct {
			Name string `yaml:"name"`
		} `yaml:"taskRef"`
		Params     []tknParam   `yaml:"params"`
		Matrix     *tknMatrix   `yaml:"matrix"`
		Workspaces []tknBinding `yaml:"workspaces"`
		RunAfter   []string     `yaml:"runAfter"`
	}
	tknMeta struct {
		Name string `yaml:"name"`
	}
	tknTask struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   tknMeta `yaml:"metadata"`
		Spec       struct {
			Params     []tknParamSpec `yaml:"params"`
			Workspaces []tknWorkspace `yaml:"workspaces"`
			Steps      []tknStep      `yaml:"steps"`
		} `yaml:"spec"`
	}
	tknPipeline struct {
		APIVersion string  `yaml:"apiVersion"`
		Kind       string  `yaml:"kind"`
		Metadata   tknMeta `yaml:"metadata"`
		Spec       struct {
			Params     []tknParamSpec    `yaml:"params"`
			Workspaces []tknWorkspace    `yaml:"workspaces"`
			Tasks      []tknPipelineTask `yaml:"tasks"`
		} `yaml:"spec"`
	}
)

var substitution = regexp.MustCompile(`\$\((params|workspaces)\.([a-zA-Z0-9_-]+)`)

func TestTekton(t *testing.T) {
	const file = "tekton-pipeline.yaml"
	checkMains(t, file)
	tasks := map[string]*tknTask{}
	var pipelines []*tknPipeline
	for i, doc := range documents(t, file) {
		name := fmt.Sprintf("%s#%d", file, i)
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
		}
		if err := manifest.DecodeYAML(doc, name, &head, manifest.WithUnknownFields()); err != nil {
			t.Fatal(err)
		}
		if head.APIVersion != "tekton.dev/v1" {
			t.Errorf("%s: apiVersion %q", name, head.APIVersion)
		}
		switch head.Kind {
		case "Task":
			task := &tknTask{}
			if err := manifest.DecodeYAML(doc, name, task); err != nil {
				t.Fatal(err)
			}
			tasks[task.Metadata.Name] = task
			declared := map[string][]string{}
			for _, p := range task.Spec.Params {
				declared["params"] = append(declared["params"], p.Name)
			}
			for _, w := range task.Spec.Workspaces {
				declared["workspaces"] = append(declared["workspaces"], w.Name)
			}
			for _, s := range task.Spec.Steps {
				if s.Image == "" || s.Name == "" {
					t.Errorf("%s: step %q needs a name and an image", name, s.Name)
				}
				for _, m := range substitution.FindAllStringSubmatch(s.Script+s.WorkingDir+strings.Join(s.Args, " "), -1) {
					if !slices.Contains(declared[m[1]], m[2]) {
						t.Errorf("%s: step %s uses $(%s.%s), which the task does not declare", name, s.Name, m[1], m[2])
					}
				}
			}
		case "Pipeline":
			p := &tknPipeline{}
			if err := manifest.DecodeYAML(doc, name, p); err != nil {
				t.Fatal(err)
			}
			pipelines = append(pipelines, p)
		default:
			t.Errorf("%s: kind %q", name, head.Kind)
		}
	}
	if len(pipelines) != 1 {
		t.Fatalf("%d pipelines, want 1", len(pipelines))
	}
	p := pipelines[0]
	var names []string
	for _, pt := range p.Spec.Tasks {
		names = append(names, pt.Name)
	}
	for _, pt := range p.Spec.Tasks {
		task := tasks[pt.TaskRef.Name]
		if task == nil {
			t.Errorf("pipeline task %s: no Task %q", pt.Name, pt.TaskRef.Name)
			continue
		}
		for _, after := range pt.RunAfter {
			if !slices.Contains(names, after) {
				t.Errorf("pipeline task %s runs after %q, no such task", pt.Name, after)
			}
		}
		given := func(params []tknParam) {
			for _, want := range task.Spec.Params {
				if want.Default == "" && !slices.ContainsFunc(params, func(x tknParam) bool { return x.Name == want.Name }) {
					t.Errorf("pipeline task %s does not give the param %s of %s", pt.Name, want.Name, task.Metadata.Name)
				}
			}
		}
		if pt.Matrix != nil {
			for _, inc := range pt.Matrix.Include {
				given(append(slices.Clone(pt.Params), inc.Params...))
			}
		} else {
			given(pt.Params)
		}
		for _, w := range task.Spec.Workspaces {
			i := slices.IndexFunc(pt.Workspaces, func(b tknBinding) bool { return b.Name == w.Name })
			if i < 0 && !w.Optional {
				t.Errorf("pipeline task %s binds no workspace %s", pt.Name, w.Name)
			} else if i >= 0 && !slices.ContainsFunc(p.Spec.Workspaces, func(d tknWorkspace) bool { return d.Name == pt.Workspaces[i].Workspace }) {
				t.Errorf("pipeline task %s binds %s to %s, which the pipeline does not declare", pt.Name, w.Name, pt.Workspaces[i].Workspace)
			}
		}
	}
}

// Prow's Go types do not resolve here either: the jobs are read into a strict mirror of the
// job config fields they use, and checked as Prow's config loader checks them.
type prowJob struct {
	Name         string   `yaml:"name"`
	AlwaysRun    bool     `yaml:"always_run"`
	RunIfChanged string   `yaml:"run_if_changed"`
	Branches     []string `yaml:"branches"`
	Decorate     bool     `yaml:"decorate"`
	Cron         string   `yaml:"cron"`
	Interval     string   `yaml:"interval"`
	ExtraRefs    []struct {
		Org     string `yaml:"org"`
		Repo    string `yaml:"repo"`
		BaseRef string `yaml:"base_ref"`
	} `yaml:"extra_refs"`
	Spec struct {
		Containers []struct {
			Image   string   `yaml:"image"`
			Command []string `yaml:"command"`
			Args    []string `yaml:"args"`
		} `yaml:"containers"`
	} `yaml:"spec"`
}

func TestProw(t *testing.T) {
	const file = "prow-jobs.yaml"
	checkMains(t, file)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Presubmits  map[string][]prowJob `yaml:"presubmits"`
		Postsubmits map[string][]prowJob `yaml:"postsubmits"`
		Periodics   []prowJob            `yaml:"periodics"`
	}
	if err := manifest.DecodeYAML(data, file, &cfg); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	check := func(kind string, j prowJob) {
		switch {
		case j.Name == "" || len(j.Name) > 63 || !regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`).MatchString(j.Name):
			t.Errorf("%s %q: a job name is a DNS label", kind, j.Name)
		case seen[j.Name]:
			t.Errorf("%s %s: declared twice", kind, j.Name)
		}
		seen[j.Name] = true
		if len(j.Spec.Containers) != 1 || j.Spec.Containers[0].Image == "" {
			t.Errorf("%s %s: a decorated job has one container with an image", kind, j.Name)
		}
		for _, b := range j.Branches {
			if _, err := regexp.Compile(b); err != nil {
				t.Errorf("%s %s: branch %q: %v", kind, j.Name, b, err)
			}
		}
	}
	for repo, jobs := range cfg.Presubmits {
		if !strings.Contains(repo, "/") {
			t.Errorf("presubmits of %q: want org/repo", repo)
		}
		for _, j := range jobs {
			check("presubmit", j)
			if !j.AlwaysRun && j.RunIfChanged == "" {
				t.Errorf("presubmit %s: neither always_run nor run_if_changed: it never runs on its own", j.Name)
			}
		}
	}
	for _, jobs := range cfg.Postsubmits {
		for _, j := range jobs {
			check("postsubmit", j)
		}
	}
	for _, j := range cfg.Periodics {
		check("periodic", j)
		if (j.Cron == "") == (j.Interval == "") {
			t.Errorf("periodic %s: want cron or interval, one of them", j.Name)
		}
		if len(j.ExtraRefs) == 0 {
			t.Errorf("periodic %s: no extra_refs: it would have no source", j.Name)
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d jobs, want a presubmit, a postsubmit and a periodic", len(seen))
	}
}
