package release

// License is the license of one module, as a license bundle (licenses/<name>.tar.gz) records it
// in its licenses.json: what the build writes and validate reads back.
type License struct {
	Module  string `json:"module"`
	Version string `json:"version,omitempty"`
	// Names are the SPDX identifiers found, e.g. Apache-2.0.
	Names []string `json:"names"`
	// Type is the license class: notice, permissive, reciprocal, restricted, forbidden,
	// unencumbered or unknown.
	Type string `json:"type"`
	// File is the license text on the host; empty when none was found.
	File string `json:"-"`
	// Path is where the text is in the bundle.
	Path string `json:"path,omitempty"`
}
