// Package sbom writes software bills of materials in SPDX 2.3 JSON, through the SPDX project's
// Go library: one per Go binary (from its embedded build information: main module, every
// dependency with its go.sum hash, toolchain and build settings), one per image (its base by
// digest, its binaries and the files added) and one for a release's sources. Documents are
// deterministic: the creation time is the caller's (the release time) and the namespace is
// derived from the content, never from the clock or a random UUID.
//
// It imports no other package of the module.
package sbom
