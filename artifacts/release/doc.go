// Package release owns the release directory: the contract between the build that writes it,
// the checks that validate it and the targets that publish it. It names every output
// ([ArchivePath], [PackagePath], [ImageRef], [ChartPath], …), writes the records a build ends
// with ([Write]: a .sha256 beside each file, the lock of third-party image digests, the resolved
// manifest with the release time and every artifact, SHA256SUMS), and reads a built directory
// back ([Open]): its manifest and time, its files and their sums, the images of its OCI layout by
// reference, its charts' metadata and its lock. Every read of a release file goes through [Dir],
// and stays inside the directory.
//
// It must stay light: no helm, nfpm or cloud SDK, and no network. It may import manifest,
// digest and internal packages.
package release
