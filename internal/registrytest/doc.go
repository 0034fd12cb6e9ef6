// Package registrytest serves OCI registries for tests: go-containerregistry's in-process
// registry, or a proxy in front of a real one, counting requests and bytes, optionally asking
// for basic auth and injecting faults (dropped connections, 500, 503, 429) on a share of
// requests. It checks, as tags are written, that everything a tag points to is present.
//
// It imports no top-level package of the module.
package registrytest
