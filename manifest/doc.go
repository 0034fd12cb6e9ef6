// Package manifest reads, checks and writes release manifests.
//
// A manifest is Istio's release-builder manifest.yaml, read unchanged, plus a declarative build
// spec (build:) and auto-rule settings (autoSources:). Parse reports every problem of a file at
// once, each as an [*Error] with file, line, column and field path, sorted by position. A
// resolved manifest, written by Marshal after resolve, records the exact commit of every
// dependency and later the digest of every artifact; Load reads it back.
//
// The package does no I/O beyond reading a manifest and writing one atomically (WriteFile), and
// imports no other releasekit package but internal ones.
package manifest
