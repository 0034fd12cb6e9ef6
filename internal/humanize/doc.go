// Package humanize formats quantities for people: progress lines and reports.
//
// It imports no top-level package of the module.
package humanize
