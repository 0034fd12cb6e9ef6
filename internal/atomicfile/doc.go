// Package atomicfile writes files so that they appear complete or not at all: data goes to a
// temporary file in the same directory, which is synced, closed and renamed over the target.
//
// It imports no releasekit package.
package atomicfile
