// Package publish pushes a built release directory (never a manifest) to its targets: image and
// chart registries, blob storage, git tags and GitHub releases. It plans before it acts, is
// idempotent and resumable, and never moves a release tag.
//
// It may import manifest, digest, artifacts and internal packages; cloud and GitHub SDKs stay in
// leaf subpackages.
package publish
