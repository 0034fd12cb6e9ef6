// Package ci holds CI configurations that run releasekit's example mains on existing engines:
// a GitHub Actions workflow, a Tekton pipeline and Prow jobs, each a release split across
// machines as shards (examples/build -kinds/-platforms/-names) merged (-merge), validated and
// published, and a presubmit that builds what a change can change (-changed). Its tests check
// each file against its engine's schema.
package ci
