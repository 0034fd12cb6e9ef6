// Package archive writes tar.gz and zip archives that are the same bytes wherever and whenever
// they are made: entries sorted by name, parent folders added, one fixed modification time,
// uid/gid 0 with no user names, modes normalised to 0755 or 0644, and a gzip header with no name
// or time. It also lists archives, refusing entries that would escape the folder they unpack to.
//
// It reads only the files it is given and imports no releasekit package.
package archive
