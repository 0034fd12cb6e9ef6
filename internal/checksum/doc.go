// Package checksum computes the hex SHA-256 digests that SHA256SUMS, .sha256 files and the
// manifest's artifact records hold, for bytes, readers and files. It imports no other package of
// the module.
package checksum
