// Package validate checks a finished release directory against its resolved manifest before it
// is published ([Release]: one [Checker] per kind of output, a text and a JUnit report). Version
// policy across the components of a composite release is its subpackage policy.
//
// It reads the release directory and never writes to it, needs no network, and never runs a
// binary built for another platform. It may import manifest, resolve, digest, artifacts and
// internal packages; charts are rendered through [ChartRenderer], so the helm SDK stays in
// artifacts/chart.
package validate
