// Package pkg writes .deb and .rpm packages with nfpm, for [artifacts.WithPackager]. Packages are
// reproducible: every file and the package itself carry the release time, owners are root, and
// the build host is not recorded.
//
// It is the only package that imports nfpm, so that importing artifacts stays light. It may
// import artifacts and manifest.
package pkg
