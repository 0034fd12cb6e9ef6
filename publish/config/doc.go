// Package config declares where a release is published, as one value a caller fills or binds
// flags onto, and makes the publish targets from it: images and charts in registries (signed,
// when a signer is given, right after their pushes), buckets, chart repositories, git tags, a
// GitHub release and grafana.com. The drivers (examples/publish, examples/release-builder) are
// flag parsing around one Config.
package config
