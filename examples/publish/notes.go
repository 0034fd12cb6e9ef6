package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/releasekit/releasekit/artifacts/release"
	"github.com/releasekit/releasekit/publish/notes"
)

// releaseNotes are the GitHub release's notes: the -notes-file, or the changes in the
// -notes-git repository up to the commit the release records for its main dependency, or none.
func releaseNotes(ctx context.Context, c config, rel *release.Dir) (string, error) {
	switch {
	case c.notesFile != "" && c.notesGit != "":
		return "", usageError{errors.New("give -notes-file or -notes-git, not both")}
	case c.notesFile != "":
		f, err := os.Open(c.notesFile)
		if err != nil {
			return "", usageError{err}
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, notes.MaxBody+1))
		if err != nil {
			return "", usageError{err}
		}
		if len(data) > notes.MaxBody {
			return "", usageError{fmt.Errorf("-notes-file: larger than %d bytes", notes.MaxBody)}
		}
		return string(data), nil
	case c.notesGit != "":
		name, err := mainDependency(rel, c.notesDependency, c.github)
		if err != nil {
			return "", usageError{err}
		}
		changes, err := notes.FromGit(ctx, c.notesGit, rel.Manifest.Dependencies[name].Sha, rel.Manifest.Version)
		if err != nil {
			return "", err
		}
		return changes.Markdown(), nil
	}
	return "", nil
}

// mainDependency is the dependency whose commits the notes list: the one named, else the only
// one, else the one whose git URL is the GitHub repository's.
func mainDependency(rel *release.Dir, name, repository string) (string, error) {
	deps := rel.Manifest.Dependencies
	if name != "" {
		if _, ok := deps[name]; !ok {
			return "", fmt.Errorf("-notes-dependency %s: not a dependency of the release", name)
		}
		return name, nil
	}
	var match []string
	for n, d := range deps {
		url := strings.TrimSuffix(strings.TrimSuffix(d.Git, "/"), ".git")
		if len(deps) == 1 || (repository != "" && strings.HasSuffix(url, "/"+repository)) {
			match = append(match, n)
		}
	}
	if len(match) != 1 {
		return "", errors.New("-notes-git: which dependency's commits? give -notes-dependency")
	}
	return match[0], nil
}
