// Package yamledit changes scalar values of a YAML file in place, keeping every other byte:
// comments, blank lines, key order and the quoting of the values it writes. Values are located
// with the yaml.v3 Node API and the new text is spliced into the original bytes.
//
// It imports no releasekit package.
package yamledit
