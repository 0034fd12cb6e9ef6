// Package policy checks version policy across the components of a composite release: a release
// must bump at least as much as its largest component bump ([Classify], [Check]), its components'
// dependsOn structure must hold, and image names and tool-set hashes derive from component
// versions ([ImageName], [SetHash]). It reads Giant Swarm Release resources and resolved
// releasekit manifests ([ReadRelease], [FromManifest]).
//
// It reads what it is given and nothing else: no files, network or clock. It may import
// manifest.
package policy
