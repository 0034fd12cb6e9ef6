// Package sign signs published images with a key and attaches the release's provenance and
// SBOMs to them as signed in-toto attestations, in cosign's tag scheme (sha256-<hex>.sig and
// .att tags beside each image), so that `cosign verify --key` and `cosign verify-attestation
// --key` check them. It uses sigstore's signing primitives and the DSSE envelope of the secure
// systems lab. It is offline: no transparency log, no certificates, no keyless signing; OCI 1.1
// referrers are not written.
//
// It may import publish and artifacts/release; it is the only package that imports sigstore.
package sign
