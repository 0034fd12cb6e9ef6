// Package licenses finds the licenses of the Go modules a build links, for
// [artifacts.WithLicenseScanner]. It asks the go tool which modules the packages depend on, in
// the dependency's folder and environment, so it works offline from the module cache; it finds
// and classifies license files with go-licenses.
//
// It is the only package that imports go-licenses. It may import artifacts.
package licenses
