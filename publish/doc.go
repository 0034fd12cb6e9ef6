// Package publish pushes a built release directory (never a manifest) to its targets: image and
// chart registries, blob storage, chart repositories, git tags, GitHub releases (publish/github)
// and grafana.com dashboards. It plans before it acts, is idempotent and resumable, and never
// moves a release tag. Its targets receive the release directory opened by package
// artifacts/release, as validate's checks do. [Publish] is the call a driver makes;
// publish/config makes the targets from one declaration, signatures (publish/sign) included.
//
// It may import manifest, digest, artifacts/release and internal packages, never the build
// (artifacts); cloud and GitHub SDKs stay in leaf subpackages.
package publish
