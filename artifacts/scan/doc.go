// Package scan reads vulnerability scanners' JSON reports (trivy's and grype's) for the
// release's scanner output: which findings there are, and how severe. It imports only the
// standard library.
package scan
