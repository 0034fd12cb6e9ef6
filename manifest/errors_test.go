package manifest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/manifest"
)

// head is a valid start that the cases below add to or break.
const head = "version: 1.2.3\ndependencies:\n  istio: {git: https://github.com/istio/istio, branch: master}\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		opts []manifest.Option
		want []string
	}{
		{"empty file", "", nil,
			[]string{"m.yaml:1:1: empty document"}},
		{"syntax error", "version: 1\n  docker: x\n", nil,
			[]string{"m.yaml:2:1: syntax error: mapping values are not allowed in this context"}},
		{"not a mapping", "- version\n", nil,
			[]string{"m.yaml:1:1: want a mapping, got a list"}},
		{"two documents", head + "---\nversion: 2\n", nil,
			[]string{"m.yaml:4:1: want one YAML document, found another"}},
		{"unknown field", head + "dockr: docker.io/istio\n", nil,
			[]string{`m.yaml:4:1: dockr: unknown field "dockr"`}},
		{"unknown dependency field", "version: 1.0.0\ndependencies:\n  api:\n    git: https://x/api\n    branh: main\n", nil,
			[]string{
				`m.yaml:4:10: dependencies.api.git: needs branch, sha, tag or auto`,
				`m.yaml:5:5: dependencies.api.branh: unknown field "branh"`,
			}},
		{"duplicate key", head + "version: 1.2.4\n", nil,
			[]string{"m.yaml:4:1: version: duplicate key"}},
		{"string wants scalar", "version: {major: 1}\ndependencies:\n  a: {localpath: /a}\n", nil,
			[]string{"m.yaml:1:10: version: want a string, got a mapping"}},
		{"list wants list", head + "architectures: linux/amd64\n", nil,
			[]string{`m.yaml:4:16: architectures: want a list, got "linux/amd64"`}},
		{"a suffix with a space", head + "suffix: c2026 x\n", nil,
			[]string{`m.yaml:4:9: suffix: "c2026 x": want letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64`}},
		{"bool wants bool", head + "skipGenerateBillOfMaterials: maybe\n", nil,
			[]string{`m.yaml:4:30: skipGenerateBillOfMaterials: want true or false, got "maybe"`}},
		{"int wants int", head + "dashboards:\n  pilot: seven\n", nil,
			[]string{`m.yaml:5:10: dashboards.pilot: want an integer, got "seven"`}},
		{"dependencies wants mapping", "version: 1.0.0\ndependencies: [istio]\n", nil,
			[]string{"m.yaml:2:15: dependencies: want a mapping, got a list"}},
		{"missing version", "dependencies:\n  a: {localpath: /a}\n", nil,
			[]string{"m.yaml:1:1: version: required"}},
		{"missing dependencies", "version: 1.0.0\n", nil,
			[]string{"m.yaml:1:1: dependencies: at least one dependency is required"}},
		{"semver required", "version: 1.9-alpha.abc\ndependencies:\n  a: {localpath: /a}\n", []manifest.Option{manifest.WithSemver()},
			[]string{`m.yaml:1:10: version: "1.9-alpha.abc" is not a semantic version (want MAJOR.MINOR.PATCH[-PRERELEASE])`}},
		{"semver required by goversionenabled", "version: \"1.9\"\ndependencies:\n  api: {git: https://x/api, branch: main, goversionenabled: true}\n", nil,
			[]string{`m.yaml:1:10: version: "1.9" is not a semantic version (want MAJOR.MINOR.PATCH[-PRERELEASE])`}},
		{"dockerOutput", head + "dockerOutput: oci\n", nil,
			[]string{`m.yaml:4:15: dockerOutput: unknown value "oci" (want tar, context)`}},
		{"unknown platform", head + "architectures: [linux/amd64, linux/amd65, plan9]\n", nil,
			[]string{
				`m.yaml:4:30: architectures[1]: unknown platform "linux/amd65" (want os/arch[/variant] that Go builds for, e.g. linux/amd64)`,
				`m.yaml:4:43: architectures[2]: unknown platform "plan9" (want os/arch[/variant] that Go builds for, e.g. linux/amd64)`,
			}},
		{"unknown output", head + "outputs: [docker, dockr]\n", nil,
			[]string{`m.yaml:4:19: outputs[1]: unknown output "dockr" (want archive, command, debian, docker, grafana, helm, licenses, rpm, scanner, sources)`}},
		{"bad dependency name", "version: 1.0.0\ndependencies:\n  ../x: {localpath: /a}\n", nil,
			[]string{`m.yaml:3:9: dependencies.../x: invalid name (want letters, digits, '.', '_' or '-', not starting with a symbol)`}},
		{"empty dependency", "version: 1.0.0\ndependencies:\n  api:\n", nil,
			[]string{"m.yaml:3:7: dependencies.api: needs git or localpath"}},
		{"branch without git", "version: 1.0.0\ndependencies:\n  api: {branch: master}\n", nil,
			[]string{"m.yaml:3:17: dependencies.api.branch: needs git"}},
		{"sha without git", "version: 1.0.0\ndependencies:\n  api: {sha: 0123456789abcdef0123456789abcdef01234567}\n", nil,
			[]string{"m.yaml:3:14: dependencies.api.sha: needs git or localpath"}},
		{"auto without git", "version: 1.0.0\ndependencies:\n  istio: {localpath: /istio}\n  api: {auto: modules}\n", nil,
			[]string{"m.yaml:4:15: dependencies.api.auto: needs git"}},
		{"tag without git", "version: 1.0.0\ndependencies:\n  api: {localpath: /api, tag: v1.0.0}\n", nil,
			[]string{"m.yaml:3:31: dependencies.api.tag: needs git"}},
		{"git and localpath", "version: 1.0.0\ndependencies:\n  api: {git: https://x/api, branch: main, localpath: /api}\n", nil,
			[]string{"m.yaml:3:54: dependencies.api.localpath: git and localpath are exclusive"}},
		{"git alone", "version: 1.0.0\ndependencies:\n  api: {git: https://x/api}\n", nil,
			[]string{"m.yaml:3:14: dependencies.api.git: needs branch, sha, tag or auto"}},
		{"sha and tag", "version: 1.0.0\ndependencies:\n  api: {git: https://x/api, sha: 0123abc, tag: v1.0.0}\n", nil,
			[]string{"m.yaml:3:48: dependencies.api.tag: sha and tag are exclusive"}},
		{"bad sha", "version: 1.0.0\ndependencies:\n  api: {git: https://x/api, sha: HEAD~1}\n", nil,
			[]string{`m.yaml:3:34: dependencies.api.sha: "HEAD~1" is not a commit SHA (want 7 to 40 lowercase hex digits)`}},
		{"unknown resolver", head + "  api:\n    git: https://github.com/istio/api\n    auto: modulez\n", nil,
			[]string{`m.yaml:6:11: dependencies.api.auto: unknown resolver "modulez" (want modules, deps, proxy_workspace)`}},
		{"auto with branch", head + "  api: {git: https://x/api, auto: modules, branch: master}\n", nil,
			[]string{"m.yaml:4:52: dependencies.api.branch: branch and auto are exclusive"}},
		{"auto source missing", "version: 1.0.0\ndependencies:\n  api: {git: https://x/api, auto: modules}\n", nil,
			[]string{`m.yaml:3:35: dependencies.api.auto: modules reads dependency "istio", which is not declared (set autoSources.main)`}},
		{"workspace source missing", head + "  envoy: {git: https://x/envoy, auto: proxy_workspace}\n", nil,
			[]string{`m.yaml:4:39: dependencies.envoy.auto: proxy_workspace reads dependency "proxy", which is not declared (set autoSources.workspace)`}},
		{"auto cycle", "version: 1.0.0\ndependencies:\n  istio: {git: https://x/istio, auto: proxy_workspace}\n  proxy: {git: https://x/proxy, auto: deps}\n", nil,
			[]string{"m.yaml:3:39: dependencies.istio.auto: auto cycle: istio -> proxy -> istio"}},
		{"auto reads itself", "version: 1.0.0\ndependencies:\n  istio: {git: https://x/istio, auto: deps}\n", nil,
			[]string{"m.yaml:3:39: dependencies.istio.auto: auto cycle: istio -> istio"}},
		{"module without auto modules", head + "  api: {git: https://x/api, branch: main, module: x.io/api}\n", nil,
			[]string{"m.yaml:4:51: dependencies.api.module: only used with auto: modules"}},
		{"allowDirty without localpath", head + "  api: {git: https://x/api, branch: main, allowDirty: true}\n", nil,
			[]string{"m.yaml:4:55: dependencies.api.allowDirty: needs localpath"}},
		{"spec escapes repository", head + "  api: {git: https://x/api, branch: main, spec: ../release.yaml}\n", nil,
			[]string{`m.yaml:4:49: dependencies.api.spec: "../release.yaml" must be a relative path inside the repository`}},
		{"binary without name and package", head + "build:\n  binaries:\n  - {platforms: [linux/amd64]}\n", nil,
			[]string{
				"m.yaml:6:5: build.binaries[0].name: required",
				"m.yaml:6:5: build.binaries[0].package: required",
			}},
		{"binary unknown dependency", head + "build:\n  binaries:\n  - {name: x, package: ./cmd/x, dependency: istoi}\n", nil,
			[]string{`m.yaml:6:45: build.binaries[0].dependency: unknown dependency "istoi"`}},
		{"binary dependency ambiguous", head + "  api: {localpath: /api}\nbuild:\n  binaries:\n  - {name: x, package: ./cmd/x}\n", nil,
			[]string{"m.yaml:7:5: build.binaries[0].dependency: required (the manifest has 2 dependencies)"}},
		{"binary package outside", head + "build:\n  binaries:\n  - {name: x, package: ../cmd/x}\n", nil,
			[]string{`m.yaml:6:24: build.binaries[0].package: "../cmd/x": want a path inside the dependency, like ./cmd/name`}},
		{"duplicate binary", head + "build:\n  binaries:\n  - {name: x, package: ./a}\n  - {name: x, package: ./b}\n", nil,
			[]string{`m.yaml:7:12: build.binaries[1].name: duplicate binary "x"`}},
		{"binary platform", head + "build:\n  binaries:\n  - {name: x, package: ./a, platforms: [windows/arm]}\n", nil,
			[]string{`m.yaml:6:41: build.binaries[0].platforms[0]: unknown platform "windows/arm" (want os/arch[/variant] that Go builds for, e.g. linux/amd64)`}},
		{"ldflags unknown field", head + "build:\n  binaries:\n  - {name: x, package: ./a, ldflags: ['-X main.v={{.Ver}}']}\n", nil,
			[]string{"m.yaml:6:39: build.binaries[0].ldflags[0]: template: unknown field .Ver (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)"}},
		{"template fields through $, chains and strings", head + "build:\n  binaries:\n  - {name: x, package: ./a, ldflags: ['{{$.Foo}}', '{{(.Name).Foo}}', '{{.Name.Foo}}', '{{$.Version}}{{.Images.x}}', '{{$v := .Name}}{{$v.Foo}}']}\n", nil,
			[]string{
				"m.yaml:6:39: build.binaries[0].ldflags[0]: template: unknown field .Foo (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)",
				"m.yaml:6:52: build.binaries[0].ldflags[1]: template: unknown field (.Name).Foo (a field of an expression, which cannot be checked) (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)",
				"m.yaml:6:71: build.binaries[0].ldflags[2]: template: unknown field .Name.Foo (.Name is a string) (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)",
				"m.yaml:6:118: build.binaries[0].ldflags[4]: template: unknown field $v.Foo (a field of a variable, which cannot be checked) (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)",
			}},
		{"branch and tag", "version: 1\ndependencies:\n  a: {git: https://x/a, branch: main, tag: v1}\n", nil,
			[]string{"m.yaml:3:44: dependencies.a.tag: branch and tag are exclusive"}},
		{"template syntax", head + "build:\n  archives:\n  - {name: x, files: [{include: [LICENSE]}], nameTemplate: '{{.Name'}\n", nil,
			[]string{`m.yaml:6:60: build.archives[0].nameTemplate: template: unclosed action`}},
		{"go version", head + "build:\n  binaries:\n  - {name: x, package: ./a, goVersion: \"1.22\"}\n", nil,
			[]string{`m.yaml:6:40: build.binaries[0].goVersion: "1.22" is not a Go version (want go1.N or go1.N.N)`}},
		{"archive unknown binary", head + "build:\n  binaries:\n  - {name: hello, package: ./a}\n  archives:\n  - {name: a, binaries: [helo]}\n", nil,
			[]string{`m.yaml:8:26: build.archives[0].binaries[0]: unknown binary "helo"`}},
		{"archive empty", head + "build:\n  archives:\n  - {name: a, format: rar}\n", nil,
			[]string{
				"m.yaml:6:5: build.archives[0]: needs binaries or files",
				`m.yaml:6:23: build.archives[0].format: unknown format "rar" (want tar.gz, zip)`,
			}},
		{"files glob escapes", head + "build:\n  archives:\n  - name: a\n    files: [{include: [/etc/passwd, '[']}]\n", nil,
			[]string{
				`m.yaml:7:24: build.archives[0].files[0].include[0]: "/etc/passwd": want a glob relative to the dependency`,
				`m.yaml:7:37: build.archives[0].files[0].include[1]: "[": want a glob relative to the dependency`,
			}},
		{"package format and contents", head + "build:\n  packages:\n  - name: p\n    formats: [deb, apk]\n    contents: [{dst: usr/bin/x}]\n", nil,
			[]string{
				`m.yaml:7:20: build.packages[0].formats[1]: unknown format "apk" (want deb, rpm)`,
				"m.yaml:8:16: build.packages[0].contents[0]: needs binary or src",
				`m.yaml:8:22: build.packages[0].contents[0].dst: "usr/bin/x": want a clean absolute path`,
			}},
		{"package script", head + "build:\n  packages:\n  - name: p\n    formats: [deb]\n    scripts: {postinst: x.sh}\n", nil,
			[]string{"m.yaml:8:25: build.packages[0].scripts.postinst: unknown script (want preinstall, postinstall, preremove, postremove)"}},
		{"image base not pinned", head + "build:\n  images:\n  - {name: i, base: 'alpine:3.20'}\n", nil,
			[]string{`m.yaml:6:21: build.images[0].base: "alpine:3.20" is not pinned (want scratch, repo@sha256:… or oci-layout:<dir>@sha256:…)`}},
		{"image platform", head + "build:\n  images:\n  - {name: i, platforms: [darwin/arm64]}\n", nil,
			[]string{`m.yaml:6:27: build.images[0].platforms[0]: images are built for linux only, got "darwin/arm64"`}},
		{"windows entries", head + "build:\n  images:\n  - name: i\n    entrypoint: [/i]\n    windows:\n      bases: ['nanoserver:1809', scratch]\n" +
			"      platforms: [linux/amd64]\n      copy:\n      - {from: [], paths: ['C:/Windows/netapi32.dll', /Windows/../x]}\n", nil,
			[]string{
				`m.yaml:9:7: build.images[0].windows.entrypoint: the image has an entrypoint (/i), so its Windows entries need their own (the binaries are name.exe there)`,
				`m.yaml:9:15: build.images[0].windows.bases[0]: "nanoserver:1809" is not pinned (want scratch, repo@sha256:… or oci-layout:<dir>@sha256:…)`,
				`m.yaml:9:34: build.images[0].windows.bases[1]: "scratch": a Windows entry needs a Windows base`,
				`m.yaml:10:19: build.images[0].windows.platforms[0]: want windows/<arch>, got "linux/amd64"`,
				`m.yaml:12:16: build.images[0].windows.copy[0].from: want at least one pinned Windows image`,
				`m.yaml:12:28: build.images[0].windows.copy[0].paths[0]: "C:/Windows/netapi32.dll": want a clean absolute path with forward slashes, e.g. /Windows/System32/netapi32.dll`,
				`m.yaml:12:55: build.images[0].windows.copy[0].paths[1]: "/Windows/../x": want a clean absolute path with forward slashes, e.g. /Windows/System32/netapi32.dll`,
			}},
		{"chart", head + "build:\n  charts:\n  - {name: c, path: /charts/c, pin: sometimes, values: {hub: '{{.Hub}}'}}\n", nil,
			[]string{
				`m.yaml:6:21: build.charts[0].path: "/charts/c": want a relative path inside the dependency`,
				"m.yaml:6:37: build.charts[0].pin: unknown value \"sometimes\" (want digest, tag)",
				"m.yaml:6:62: build.charts[0].values.hub: template: unknown field .Hub (want Name, Version, Docker, Commit, CommitDate, OS, Arch, Suffix, Images)",
			}},
		{"command", head + "build:\n  commands:\n  - {name: docs, outputs: [../x]}\n", nil,
			[]string{
				"m.yaml:6:5: build.commands[0].run: required",
				`m.yaml:6:28: build.commands[0].outputs[0]: "../x": want a relative path inside the dependency`,
			}},
		{"licenses dependency", head + "build:\n  licenses: {dependencies: [nope]}\n", nil,
			[]string{`m.yaml:5:29: build.licenses.dependencies[0]: unknown dependency "nope"`}},
		{"grafana without dashboards", "version: 1.2.3\noutputs: [sources, grafana]\ndependencies:\n  a: {git: https://x/a, branch: main}\n  b: {git: https://x/b, branch: main}\n", nil,
			[]string{"m.yaml:2:20: outputs[1]: the grafana output needs build.grafana (the dependency and folder of the dashboards), or an istio dependency"}},
		{"scanner without a command", head + "outputs: [docker, scanner]\n", nil,
			[]string{"m.yaml:4:19: outputs[1]: the scanner output needs build.scanner.run, the command that scans an image"}},
		{"scanner spec", head + "build:\n  scanner: {run: [trivy, '{{.Inputt}}'], input: docker, failOn: severe}\n", nil,
			[]string{
				"m.yaml:5:12: build.scanner: the scanner scans the release's images, and the manifest builds none",
				"m.yaml:5:26: build.scanner.run[1]: template: unknown field .Inputt (want Input, Image, Name, Platform)",
				`m.yaml:5:49: build.scanner.input: unknown value "docker" (want oci, tarball)`,
				`m.yaml:5:65: build.scanner.failOn: unknown severity "severe" (want low, medium, high, critical)`,
			}},
		{"grafana spec", "version: 1.2.3\ndependencies:\n  a: {git: https://x/a, branch: main}\n  b: {git: https://x/b, branch: main}\nbuild:\n  grafana: {dir: /etc}\n", nil,
			[]string{
				"m.yaml:6:12: build.grafana.dependency: required (the manifest has 2 dependencies, none named istio)",
				`m.yaml:6:18: build.grafana.dir: "/etc": want a relative path inside the dependency`,
			}},
		{"mapping merges itself", "version: 1\ndependencies: &a\n  <<: *a\n", nil,
			[]string{"m.yaml:2:15: dependencies: merge keys nested deeper than 8 (a mapping merging itself?)"}},
		{"merge fan-out of itself", "version: 1\ndependencies:\n  x: &a {<<: [*a, *a]}\n", nil,
			[]string{"m.yaml:3:14: dependencies.x: merge keys nested deeper than 8 (a mapping merging itself?)"}},
		{"all problems, sorted", "dockr: x\nversion: {a: 1}\ndependencies:\n  api: {auto: modulez}\n", nil,
			[]string{
				`m.yaml:1:1: dockr: unknown field "dockr"`,
				"m.yaml:2:10: version: want a string, got a mapping",
				"m.yaml:4:15: dependencies.api.auto: needs git",
				`m.yaml:4:15: dependencies.api.auto: unknown resolver "modulez" (want modules, deps, proxy_workspace)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := manifest.Parse(strings.NewReader(tt.yaml), "m.yaml", tt.opts...)
			if err == nil {
				t.Fatalf("Parse succeeded, want %d problems: %+v", len(tt.want), m)
			}
			if m != nil {
				t.Error("Parse returned a manifest with its error")
			}
			var got []string
			for _, p := range manifest.Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if err.Error() != strings.Join(tt.want, "\n") {
				t.Errorf("Error() = %q, want the problems one per line", err.Error())
			}
		})
	}
	if len(tests) < 25 {
		t.Errorf("only %d bad manifests: the table is the spec of the errors", len(tests))
	}
}
