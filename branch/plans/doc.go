// Package plans holds the branch plans of the systems releasekit branches as they do:
// Istio's five steps (istio.yaml) and Kubernetes-CSI's maintenance branches (csi.yaml).
// [Load] reads one by name, so that a driver runs Istio's plan without a file, as Istio's
// release-builder runs its steps.
package plans
