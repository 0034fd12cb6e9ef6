// Package notes writes a release's notes from git: the commits since the previous release tag,
// grouped by conventional-commit type when the subjects have one. It runs git on a local
// repository (a clone or the resolve cache's bare repository) and never the network.
//
// It imports only internal packages and semver, so publish/github and drivers may use it.
package notes
