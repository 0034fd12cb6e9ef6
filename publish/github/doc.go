// Package github publishes a release to GitHub: a release for the version's tag, with the
// release's archives and checksums as assets, through go-github. The client, with its token,
// comes from the caller; nothing here reads the environment.
//
// It may import publish, artifacts and go-github.
package github
