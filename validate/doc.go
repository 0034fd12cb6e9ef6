// Package validate checks a finished release directory against its resolved manifest, and checks
// version policy across components.
//
// It may import manifest, resolve, digest, artifacts and internal packages.
package validate
