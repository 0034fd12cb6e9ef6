// Package artifacts builds the file outputs of a release from resolved sources, with no Docker
// daemon and no network: binaries, archives, sources.tar.gz, packages, images, charts, license
// bundles and checksums, byte-for-byte reproducibly.
//
// It may import manifest, resolve, digest and internal packages; heavy SDKs (helm, nfpm) stay in
// leaf subpackages.
package artifacts
