package resolve

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// ModuleVersion returns the version at which the go.mod file data (named file in errors)
// requires module path, following a replace of that path by another version.
func ModuleVersion(data []byte, file, path string) (string, error) {
	f, err := modfile.Parse(file, data, nil)
	if err != nil {
		return "", err
	}
	version := ""
	for _, r := range f.Require {
		if r.Mod.Path == path {
			version = r.Mod.Version
		}
	}
	for _, r := range f.Replace {
		if r.Old.Path == path && (r.Old.Version == "" || r.Old.Version == version) && r.New.Path == path && r.New.Version != "" {
			version = r.New.Version
		}
	}
	if version == "" {
		return "", fmt.Errorf("%s not required in %s", path, file)
	}
	return version, nil
}

// MainModuleHost returns the first element of the module path declared in go.mod data.
func MainModuleHost(data []byte, file string) (string, error) {
	p := modfile.ModulePath(data)
	if p == "" {
		return "", fmt.Errorf("%s declares no module", file)
	}
	host, _, _ := strings.Cut(p, "/")
	return host, nil
}

// VersionRevision returns what a module version names in its repository: the commit prefix of a
// pseudo-version, or the tag of a release version.
func VersionRevision(version string) (rev string, isTag bool, err error) {
	if module.IsPseudoVersion(version) {
		rev, err := module.PseudoVersionRev(version)
		return rev, false, err
	}
	return strings.TrimSuffix(version, "+incompatible"), true, nil
}

// depsEntry is one element of an istio.deps file.
type depsEntry struct {
	RepoName      string `json:"repoName"`
	LastStableSHA string `json:"lastStableSHA"`
}

// DepsSHA returns lastStableSHA of the entry whose repoName is repo in a deps file (a JSON list).
func DepsSHA(data []byte, file, repo string) (string, error) {
	var entries []depsEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	for _, e := range entries {
		if e.RepoName == repo {
			if e.LastStableSHA == "" {
				return "", fmt.Errorf("%s: entry %q has no lastStableSHA", file, repo)
			}
			return e.LastStableSHA, nil
		}
	}
	return "", fmt.Errorf("no entry with repoName %q in %s", repo, file)
}

// WorkspaceSHA returns the 40-hex SHA assigned to key (KEY = "…") in a Bazel WORKSPACE file.
func WorkspaceSHA(data []byte, file, key string) (string, error) {
	re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(key) + `\s*=\s*"([0-9a-f]{40})"`)
	m := re.FindSubmatch(data)
	if m == nil {
		return "", fmt.Errorf("no %s = \"<sha>\" in %s", key, file)
	}
	return string(m[1]), nil
}
