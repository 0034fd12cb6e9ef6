//go:build ignore

// Command rbstep runs the file changes of one step of Istio's release-builder `branch` command,
// its own pkg/branch functions, on checkouts made beforehand, and leaves the changes in them;
// bench/istiobranch.sh builds it inside a copy of release-builder's source and compares the
// checkouts with releasekit's results. It opens no pull request and pushes nothing: step 2 is
// CreateBranches as a dry run (a local branch per repository).
//
//	go run rbstep.go -dir D -version 1.30 -step 4 -repo NAME=GIT ...
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"istio.io/release-builder/pkg/branch"
	"istio.io/release-builder/pkg/model"
)

type repos map[string]string

func (r repos) String() string { return fmt.Sprint(map[string]string(r)) }
func (r repos) Set(s string) error {
	name, git, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want NAME=GIT, not %q", s)
	}
	r[name] = git
	return nil
}

func main() {
	dir := flag.String("dir", "", "the manifest's directory: checkouts are under work/src/istio.io")
	version := flag.String("version", "", "the release, e.g. 1.30")
	step := flag.Int("step", 0, "the step")
	deps := repos{}
	flag.Var(deps, "repo", "NAME=GIT, repeated")
	flag.Parse()
	m := model.Manifest{Version: *version, Directory: *dir}
	slots := map[string]**model.Dependency{
		"istio": &m.Dependencies.Istio, "api": &m.Dependencies.Api, "proxy": &m.Dependencies.Proxy,
		"ztunnel": &m.Dependencies.Ztunnel, "client-go": &m.Dependencies.ClientGo, "test-infra": &m.Dependencies.TestInfra,
		"tools": &m.Dependencies.Tools, "enhancements": &m.Dependencies.Enhancements,
		"release-builder": &m.Dependencies.ReleaseBuilder, "common-files": &m.Dependencies.CommonFiles,
	}
	for name, git := range deps {
		slot, ok := slots[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "rbstep: release-builder has no dependency %q\n", name)
			os.Exit(2)
		}
		*slot = &model.Dependency{Git: git, Branch: "master"}
	}
	var err error
	switch *step {
	case 1:
		err = branch.UpdateDependencies(m, true)
	case 2:
		err = branch.CreateBranches(m, *version, true, "")
	case 3:
		err = branch.SetupProw(m, *version, true)
	case 4:
		for _, f := range []func(model.Manifest, string, bool) error{branch.CreateToolImages, branch.UpdateCommonFiles,
			branch.UpdateCodeOwners, branch.StopPublishingLatest, branch.IstioReleaseBuilderUpdates} {
			if err = f(m, *version, true); err != nil {
				break
			}
		}
	case 5:
		err = branch.UpdateCommonFilesCommon(m, *version, true)
	default:
		err = fmt.Errorf("no step %d", *step)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rbstep:", err)
		os.Exit(1)
	}
}
