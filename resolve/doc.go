// Package resolve turns a manifest's dependencies into exact commits and source trees.
//
// git + branch resolves to the branch head; git + sha to that commit anywhere in history; git +
// tag to the tag, or to the highest tag matching a semver constraint; localpath to the HEAD of a
// local repository. Auto rules read another dependency's tree: modules (a go.mod requirement),
// deps (an istio.deps entry) and proxy_workspace (a SHA pinned in a WORKSPACE file), applied in
// the order their references require.
//
// Requests are answered from each remote's ref list (git ls-remote, once per run), and only the
// commits a release needs are fetched, at depth 1, into a cache: one bare repository per URL,
// with the ref list kept beside, so that an offline run resolves the same manifest to the same
// commits without network. WithHistory fetches whole histories instead. Git runs through
// internal/gitx. The package imports manifest and internal packages only.
package resolve
