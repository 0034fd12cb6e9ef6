// Package releasekit turns a release manifest into a hermetic, reproducible, digest-pinned release
// and publishes it. It is a library: the packages below are meant to be imported, and the mains
// under examples/ are short programs over their public API that pipelines copy or embed.
//
// The flow, one package a step:
//
//	manifest   read and check a release manifest (Istio's release-builder format, extended with
//	           a declarative build spec); write the resolved manifest
//	resolve    turn branches, tags, semver constraints and auto rules into exact commits and
//	           check the sources out, through a cache that lets a rebuild run offline
//	artifacts  build binaries, archives, packages, images, charts, license bundles, Grafana
//	           dashboards, image scans, SPDX bills of materials and SLSA provenance,
//	           byte-for-byte reproducibly, into a release directory
//	digest     resolve image references to digests and pin them into Helm values and YAML
//	validate   check a release directory against its manifest; version policy
//	publish    push a release directory to registries, buckets, git, GitHub and Grafana,
//	           idempotently; sign what it pushes (publish/sign); keep CI images alive while
//	           used and prune them after (publish/lifecycle)
//	branch     cut release branches across many repositories in numbered steps
//
// The release directory (outputs, resolved manifest, SHA256SUMS) is the contract between building
// and publishing: publish reads a directory, never a manifest.
//
// Imports go one way (a test enforces it): manifest ← resolve; manifest ← digest ← artifacts ←
// validate, publish; branch uses manifest and resolve; internal packages import no top-level
// package; examples import public packages only. Packages read nothing ambient: no environment,
// flags, working directory or wall clock; those come in as options from the mains.
package releasekit
