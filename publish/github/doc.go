// Package github publishes a release to GitHub through go-github: a release for the version's
// tag, with the release's archives and checksums as assets (New), and the version's tag in every
// dependency's repository of an organization, as Istio's release-builder makes them (Tags). The
// client, with its token, comes from the caller; nothing here reads the environment.
//
// It may import publish, artifacts, internal packages and go-github.
package github
