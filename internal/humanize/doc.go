// Package humanize formats for people: quantities in progress lines and reports, and whether
// progress goes to a terminal.
//
// It imports no top-level package of the module.
package humanize
