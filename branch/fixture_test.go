package branch_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/releasekit/releasekit/internal/gitx"
)

// gitEnv makes commits the same on every run: fixed identities and dates, no user config.
func gitEnv(when time.Time) []string {
	date := when.Format(time.RFC3339)
	return []string{
		"GIT_AUTHOR_NAME=Release Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE=" + date,
		"GIT_COMMITTER_NAME=Release Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE=" + date,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
	}
}

func run(t *testing.T, g *gitx.Git, args ...string) string {
	t.Helper()
	out, err := g.Run(t.Context(), args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// remote is a bare repository made by a test, and the work tree it is filled from.
type remote struct {
	t    *testing.T
	bare string
	work string
	when time.Time
}

// newRemote makes a bare repository under dir/remotes with one commit of files on master.
func newRemote(t *testing.T, dir, name string, files map[string]string) *remote {
	t.Helper()
	r := &remote{t: t, bare: filepath.Join(dir, "remotes", name+".git"), work: filepath.Join(dir, "work", name),
		when: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	run(t, gitx.At(""), "init", "--quiet", "--bare", "--initial-branch=master", r.bare)
	run(t, gitx.At(""), "init", "--quiet", "--initial-branch=master", r.work)
	r.commit("initial", files)
	return r
}

func (r *remote) git(args ...string) string {
	r.t.Helper()
	return run(r.t, gitx.At(r.work, gitEnv(r.when)...), args...)
}

// commit writes files and commits them on the work tree's branch, an hour after the previous
// commit, and pushes the branch and its tags. It returns the commit.
func (r *remote) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.when = r.when.Add(time.Hour)
	for name, content := range files {
		p := filepath.Join(r.work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git("add", "--all")
	r.git("commit", "--quiet", "--allow-empty", "-m", msg)
	r.git("push", "--quiet", "--tags", r.bare, "HEAD")
	return r.git("rev-parse", "HEAD")
}

// head returns the commit of a branch in the bare repository, or "".
func (r *remote) head(branch string) string {
	out, _ := gitx.At(r.bare).Run(r.t.Context(), "rev-parse", "--verify", "--quiet", "refs/heads/"+branch)
	return out
}

// file returns a file of a branch in the bare repository.
func (r *remote) file(branch, name string) string {
	r.t.Helper()
	return run(r.t, gitx.At(r.bare), "show", branch+":"+name)
}

const makefileCommon = `# Copied from common-files: do not edit here.
FINDFILES=find . \( -path ./common-protos -o -path ./.git \) -prune -o -type f
UPDATE_BRANCH ?= "master"

update-common:
	@bin/update-common.sh
`

// releaseBuilderManifest is release-builder's manifest shape: every dependency on master, and
// test-infra, which has no release branches.
const releaseBuilderManifest = `version: 1.30-dev
docker: docker.io/istio
directory: /tmp/istio-release
dependencies:
  istio:
    git: https://github.com/istio/istio
    branch: master
  api:
    git: https://github.com/istio/api
    branch: master
  test-infra:
    git: https://github.com/istio/test-infra
    branch: master
  tools:
    git: https://github.com/istio/tools
    branch: master
`

// istioRepos writes bare repositories shaped like Istio's ten (release/branch.sh's list), each
// with the files its branch steps edit in the shapes those repositories have them, and returns
// them by name.
func istioRepos(t *testing.T, dir string) map[string]*remote {
	t.Helper()
	names := []string{"api", "client-go", "common-files", "enhancements", "istio", "proxy", "release-builder", "test-infra", "tools", "ztunnel"}
	out := map[string]*remote{}
	for _, name := range names {
		files := map[string]string{
			"README.md":  "# " + name + "\n",
			"CODEOWNERS": "* @istio/wg-" + name + "-maintainers\n",
		}
		switch name {
		case "common-files":
			// common-files keeps the copies under files/, and the build-tools image every
			// repository builds with in setup_env.sh, as a default of IMAGE_VERSION.
			files["files/common/Makefile.common.mk"] = makefileCommon
			files["files/common/scripts/setup_env.sh"] = setupEnv
		case "enhancements":
			// enhancements copies no common files.
		case "test-infra":
			// test-infra has the common files, its jobs under prow/gcp/config, and the three
			// generators step 3 runs, each in its own directory.
			delete(files, "CODEOWNERS")
			files["common/Makefile.common.mk"] = makefileCommon
			files["prow/gcp/config/jobs/istio.yaml"] = "org: istio\nrepo: istio\nbranches: [master]\njobs:\n  - name: unit-tests\n    command: [make, test]\n"
			files["prow/gcp/config/jobs/.base.yaml"] = "requirement_presets:\n  cache: {}\n"
			files["prow/gcp/config/istio-private_jobs/istio.yaml"] = "transforms:\n  - env: {DOCKER_HUB: gcr.io/istio-prow-build}\n    branches: [master]\n"
			files["go.mod"] = "module istio.io/test-infra\n\ngo 1.22\n"
			files["tools/prowgen/go.mod"] = "module istio.io/test-infra/tools/prowgen\n\ngo 1.22\n"
			files["tools/prowgen/cmd/prowgen/main.go"] = prowgen
			files["tools/generate-transform-jobs/go.mod"] = "module istio.io/test-infra/tools/generate-transform-jobs\n\ngo 1.22\n"
			files["tools/generate-transform-jobs/main.go"] = generateTransformJobs
			files["tools/prowtrans/cmd/prowtrans/main.go"] = prowtrans
		default:
			files["common/Makefile.common.mk"] = makefileCommon
		}
		switch name {
		case "istio":
			// istio's VERSION names the next minor release; make gen reads it from the
			// environment, as istio's Makefile does.
			files["VERSION"] = "1.30\n"
			files["go.mod"] = "module istio.io/istio\n\ngo 1.22\n\nrequire (\n\tgithub.com/envoyproxy/go-control-plane/contrib v1.32.3\n\tgithub.com/envoyproxy/go-control-plane/envoy v1.32.3\n)\n"
			files["go.sum"] = ""
			files["Makefile"] = "include common/Makefile.common.mk\n\ngen:\n\tgrep 'go-control-plane/envoy ' go.mod | sed 's/.* //' > pkg/envoy.version\n\techo \"$(VERSION)\" > pkg/version.txt\n"
			files["pkg/envoy.version"] = "v1.32.3\n"
			files["pkg/version.txt"] = "1.29\n"
			files["istio.deps"] = "[\n  {\"name\": \"PROXY_REPO_SHA\", \"lastStableSHA\": \"0123\"}\n]\n"
			files["bin/update_deps.sh"] = updateDeps
			// istio's prow/release-commit.sh: the aliases and tags of a master build, each
			// list ending in -dev,latest.
			files["prow/release-commit.sh"] = releaseCommit
		case "tools":
			files["docker/build-tools/build-and-push.sh"] = "#!/bin/bash\nset -eux\nBRANCH=master\nVERSION=\"${BRANCH}-$(git rev-parse HEAD)\"\n"
		case "release-builder":
			// release-builder's manifests in three files; build-base-images.sh names its
			// branch in a variable, so it has no "branch: master" to edit.
			files["example/manifest.yaml"] = releaseBuilderManifest
			files["release/build.sh"] = "#!/bin/bash\nMANIFEST=$(cat <<EOF\n" + releaseBuilderManifest + "EOF\n)\ngo run main.go build --manifest <(echo \"${MANIFEST}\")\n"
			files["test/publish.sh"] = "#!/bin/bash\ncat > manifest.yaml <<EOF\n" + releaseBuilderManifest + "EOF\n"
			files["release/build-base-images.sh"] = "#!/bin/bash\nBRANCH=${BRANCH:-master}\nMANIFEST=$(cat <<EOF\ndependencies:\n  istio:\n    git: https://github.com/istio/istio\n    branch: ${BRANCH}\nEOF\n)\n"
		}
		out[name] = newRemote(t, dir, name, files)
	}
	return out
}

// setupEnv is the part of common-files' files/common/scripts/setup_env.sh that names the
// build-tools image: IMAGE_VERSION, indented, as a default.
const setupEnv = `#!/usr/bin/env bash
TOOLS_REGISTRY_PROVIDER=${TOOLS_REGISTRY_PROVIDER:-gcr.io}
PROJECT_ID=${PROJECT_ID:-istio-testing}
if [[ "${IMAGE_VERSION:-}" == "" ]]; then
  IMAGE_VERSION=master-672e6089ff843019a2b28cf9e87754c7b74358ea
fi
IMG="${IMG:-${TOOLS_REGISTRY_PROVIDER}/${PROJECT_ID}/build-tools:${IMAGE_VERSION}}"
`

// updateDeps stands in for istio's bin/update_deps.sh: it reads UPDATE_BRANCH, with a release
// branch as its default, and records what it would have pinned from that branch.
const updateDeps = `#!/bin/bash
set -e
UPDATE_BRANCH=${UPDATE_BRANCH:-"release-1.12"}
sed -i 's/"lastStableSHA": .*"/"lastStableSHA": "'"${UPDATE_BRANCH}"'"/' istio.deps
`

// releaseCommit is the publishing end of istio's prow/release-commit.sh.
const releaseCommit = `#!/bin/bash
set -eux
NEXT_VERSION=$(cat "${ROOT}/VERSION")
release-builder publish --release "${WORK_DIR}/out" \
  --gcsbucket "${GCS_BUCKET}" --gcsaliases "${TAG},${NEXT_VERSION}-dev,latest" \
  --s3bucket "${S3_BUCKET}" --s3aliases "${TAG},${NEXT_VERSION}-dev,latest" \
  --dockerhub "${DOCKER_HUB}" --dockertags "${TAG},${VERSION},${NEXT_VERSION}-dev,latest"
`

// prowgen is test-infra's job generator in miniature, with its flags: `branch <version>` writes
// the release branch's jobs beside master's, `write` copies the jobs out for the cluster.
const prowgen = `package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	in := flag.String("input-dir", "", "")
	out := flag.String("output-dir", "", "")
	flag.Bool("skip-gar-tagging", false, "")
	flag.Parse()
	data, err := os.ReadFile(filepath.Join(*in, "istio.yaml"))
	if err != nil {
		panic(err)
	}
	switch {
	case flag.NArg() == 2 && flag.Arg(0) == "branch":
		jobs := strings.Replace(string(data), "branches: [master]", "branches: [release-"+flag.Arg(1)+"]", 1)
		err = os.WriteFile(filepath.Join(*in, "istio-release-"+flag.Arg(1)+".yaml"), []byte(jobs), 0o644)
	case flag.NArg() == 1 && flag.Arg(0) == "write" && *out != "":
		if err = os.MkdirAll(*out, 0o755); err == nil {
			err = os.WriteFile(filepath.Join(*out, "istio.gen.yaml"), append([]byte("# generated\n"), data...), 0o644)
		}
	default:
		os.Exit(2)
	}
	if err != nil {
		panic(err)
	}
}
`

// generateTransformJobs is test-infra's tools/generate-transform-jobs in miniature: `branch
// <version>` adds the release branch to the private jobs' transforms.
const generateTransformJobs = `package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	in := flag.String("input-dir", "", "")
	flag.Parse()
	if flag.NArg() != 2 || flag.Arg(0) != "branch" {
		os.Exit(2)
	}
	p := filepath.Join(*in, "istio.yaml")
	data, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	out := strings.Replace(string(data), "branches: [master]", "branches: [master, release-"+flag.Arg(1)+"]", 1)
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		panic(err)
	}
}
`

// prowtrans is test-infra's tools/prowtrans in miniature, built from test-infra's own module:
// it writes the private jobs from the public ones and the transforms.
const prowtrans = `package main

import (
	"flag"
	"os"
	"path/filepath"
)

func main() {
	presets := flag.String("requirement-presets", "", "")
	configs := flag.String("configs", "", "")
	input := flag.String("input", "", "")
	flag.Parse()
	var out []byte
	for _, p := range []string{*presets, filepath.Join(*configs, "istio.yaml"), filepath.Join(*input, "istio.yaml")} {
		data, err := os.ReadFile(p)
		if err != nil {
			panic(err)
		}
		out = append(out, data...)
	}
	dir := filepath.Join("prow", "gcp", "cluster", "jobs", "istio-private")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "istio.gen.yaml"), out, 0o644); err != nil {
		panic(err)
	}
}
`

// goProxy writes a file GOPROXY that serves the two go-control-plane modules istio requires,
// at v1.32.3 and at a main-branch pseudo-version (what `go get …@main` asks the proxy for).
func goProxy(t *testing.T, dir string) string {
	t.Helper()
	for _, mod := range []string{"github.com/envoyproxy/go-control-plane/envoy", "github.com/envoyproxy/go-control-plane/contrib"} {
		at := filepath.Join(dir, filepath.FromSlash(mod), "@v")
		if err := os.MkdirAll(at, 0o755); err != nil {
			t.Fatal(err)
		}
		versions := map[string]string{"v1.32.3": "2025-01-10T00:00:00Z", "v1.32.5-0.20260301120000-0123456789ab": "2026-03-01T12:00:00Z"}
		for v, when := range versions {
			gomod := "module " + mod + "\n\ngo 1.22\n"
			src := t.TempDir()
			if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "doc.go"), []byte("package "+filepath.Base(mod)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var z bytes.Buffer
			if err := modzip.CreateFromDir(&z, module.Version{Path: mod, Version: v}, src); err != nil {
				t.Fatal(err)
			}
			info, _ := json.Marshal(map[string]string{"Version": v, "Time": when})
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(v+".info", info)
			write(v+".mod", []byte(gomod))
			write(v+".zip", z.Bytes())
			if strings.Contains(v, "-0.") {
				write("main.info", info)
			}
		}
		if err := os.WriteFile(filepath.Join(at, "list"), []byte("v1.32.3\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "file://" + filepath.ToSlash(dir)
}

// goEnv is the fixed environment of run actions in tests: the go command, offline, with the
// test's proxy and the shared build cache.
func goEnv(t *testing.T, proxy string) []string {
	t.Helper()
	cache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "GOCACHE=" + strings.TrimSpace(string(cache)),
		"GOMODCACHE=" + filepath.Join(home, "mod"), "GOPROXY=" + proxy, "GOSUMDB=off", "GOTOOLCHAIN=local",
		"GOFLAGS=-modcacherw",
	}
}

// gitDir runs git in the bare repository.
func (r *remote) gitDir() *gitx.Git { return gitx.At(r.bare) }
