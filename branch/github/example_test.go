package github_test

import (
	"fmt"

	"github.com/releasekit/releasekit/branch/github"
)

// A plan's repositories are named by their git URLs; pull requests go to the GitHub
// repository each names, or to another organization's copy of it.
func ExamplePullRequests_Repository() {
	for _, owner := range []string{"", "my-org"} {
		p, err := github.New(newClient(), owner)
		if err != nil {
			panic(err)
		}
		o, name, err := p.Repository("https://github.com/istio/istio.git")
		fmt.Println(o+"/"+name, err)
	}
	// Output:
	// istio/istio <nil>
	// my-org/istio <nil>
}
