// Package chart packages Helm charts for a release with the helm v3 SDK: it stamps the version,
// appVersion and values, pins every image through a digest.Resolver, writes a .tgz that is the
// same bytes for the same inputs (helm package stamps the current time), and checks the result
// with helm's loader, linter and template engine.
//
// It is the only package that imports helm, and it never imports helm's pkg/action, which pulls
// in the Kubernetes client. It may import manifest, digest, artifacts and internal packages.
package chart
