// Package provenance writes a release's build provenance: an in-toto Statement v1 whose
// predicate is SLSA Provenance v1, through the in-toto attestation Go bindings. Its subjects are
// the release's files and images by digest; its resolved dependencies the sources (git URL
// without credentials, at a commit), base images by digest, the Go toolchain and every module
// built in. The JSON is canonical (sorted keys, fixed indentation) and carries no clock
// reading, so the same build gives the same bytes.
//
// It imports no other package of the module.
package provenance
