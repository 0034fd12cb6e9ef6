// Package dashboard makes Grafana dashboards ready for grafana.com, as Istio's release builder
// does: the Prometheus data source becomes the ${DS_PROMETHEUS} input that grafana.com asks for
// on import, and the description names the release. Check tells whether a file is such a
// dashboard. It imports only the standard library.
package dashboard
