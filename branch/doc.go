// Package branch cuts release branches across many repositories in the numbered steps of a
// declarative plan: create release branches (at the resolved commit or a tag), run commands,
// replace text, set YAML values, write files and require Go modules, then commit each
// repository's changes to a work branch and open a pull request. A dry run is the default.
//
// It may import manifest, resolve and internal packages. Pull requests go through the
// PullRequester interface; branch/github implements it with go-github.
package branch
