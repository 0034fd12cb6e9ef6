package manifest_test

import (
	"fmt"
	"strings"

	"github.com/releasekit/releasekit/manifest"
)

func ExampleParse() {
	m, err := manifest.Parse(strings.NewReader(`
version: 1.2.3
docker: docker.io/istio
dependencies:
  istio:
    git: https://github.com/istio/istio
    branch: release-1.7
  api:
    git: https://github.com/istio/api
    auto: modules
`), "manifest.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range m.DependencyNames() {
		fmt.Println(name, "reads", m.AutoSource(name))
	}
	// Output:
	// api reads istio
	// istio reads
}

func ExampleParse_errors() {
	_, err := manifest.Parse(strings.NewReader(`version: 1.2.3
dependencies:
  istio: {git: https://github.com/istio/istio, branch: master}
  api:
    git: https://github.com/istio/api
    auto: modulez
  proxy: {branch: master}
`), "manifest.yaml")
	fmt.Println(err)
	// Output:
	// manifest.yaml:6:11: dependencies.api.auto: unknown resolver "modulez" (want modules, deps, proxy_workspace)
	// manifest.yaml:7:19: dependencies.proxy.branch: needs git
}
