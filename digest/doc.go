// Package digest resolves image references to digests and pins them into Helm values and
// Kubernetes YAML, changing only the bytes of the values it pins.
//
// It may import manifest and internal packages.
package digest
