package releasekit

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const module = "github.com/releasekit/releasekit"

// allowed lists, for each top-level package, the packages its non-test files may import: a
// package named here and its subpackages. A package's subpackages share its row and may import
// the package itself, unless they have a row of their own.
var allowed = map[string][]string{
	"":          {},
	"manifest":  {},
	"resolve":   {"manifest"},
	"digest":    {"manifest"},
	"artifacts": {"manifest", "resolve", "digest"},
	// The release directory stays light: publish imports it without the build.
	"artifacts/release": {"manifest", "digest"},
	// validate reads a release with what it is made of, never the build.
	"validate": {"manifest", "resolve", "digest", "artifacts/release", "artifacts/dashboard", "artifacts/provenance", "artifacts/sbom", "artifacts/scan"},
	"publish":  {"manifest", "digest", "artifacts/release"},
	"branch":   {"manifest", "resolve"},
	"internal": {},
	"examples": {"manifest", "resolve", "digest", "artifacts", "validate", "publish", "branch"},
	"bench":    {"manifest", "resolve", "digest", "artifacts", "validate", "publish", "branch", "examples/sample"},
}

// confined lists heavy third-party imports and the only packages that may import them, so that
// importing the rest of the library stays light. An empty list forbids the import.
var confined = []struct {
	prefix string
	only   []string
}{
	{"helm.sh/helm/v3/pkg/action", nil}, // pulls the Kubernetes client
	{"k8s.io/client-go", nil},
	{"helm.sh/helm/v3", []string{"artifacts/chart"}},
	{"github.com/goreleaser/nfpm/v2", []string{"artifacts/pkg"}},
	{"github.com/google/go-licenses", []string{"artifacts/licenses"}},
	{"github.com/google/go-github", []string{"publish/github", "publish/config", "branch/github", "examples/"}},
	{"gocloud.dev", []string{"publish/blob", "examples/"}},
	{"github.com/sigstore/", []string{"publish/sign", "publish/config", "examples/"}},
	{"github.com/secure-systems-lab/", []string{"publish/sign"}},
}

// violations returns every import of pkgs (package dir relative to the module → its imports)
// that breaks the rules above, sorted.
func violations(pkgs map[string][]string) []string {
	var out []string
	for dir, imports := range pkgs {
		top, _, _ := strings.Cut(dir, "/")
		row := top
		for d := dir; d != top; d = path.Dir(d) {
			if _, ok := allowed[d]; ok {
				row = d
				break
			}
		}
		rules, ok := allowed[row]
		if !ok {
			out = append(out, fmt.Sprintf("%s: top-level package %q has no import rule", dir, top))
			continue
		}
		for _, imp := range imports {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				target, _, _ := strings.Cut(rel, "/")
				switch {
				case target == "internal" && top == "examples":
					out = append(out, fmt.Sprintf("%s imports %s: examples use the public API only", dir, imp))
				case target == "internal" || target == top && row == top:
				case !slices.ContainsFunc(rules, func(r string) bool { return rel == r || strings.HasPrefix(rel, r+"/") }):
					out = append(out, fmt.Sprintf("%s imports %s: %s may import only %v", dir, imp, orRoot(row), rules))
				}
				continue
			}
			for _, c := range confined {
				if imp != c.prefix && !strings.HasPrefix(imp, c.prefix+"/") {
					continue
				}
				if !slices.ContainsFunc(c.only, func(o string) bool { return dir == o || strings.HasPrefix(dir, o) && strings.HasSuffix(o, "/") }) {
					out = append(out, fmt.Sprintf("%s imports %s: only %v may", dir, imp, c.only))
				}
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func orRoot(top string) string {
	if top == "" {
		return "the root package"
	}
	return top
}

// moduleImports reads the imports of every non-test Go file under root, by package directory.
func moduleImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		dir := path.Clean(filepath.ToSlash(rel))
		if dir == "." {
			dir = ""
		}
		for _, imp := range f.Imports {
			s, _ := strconv.Unquote(imp.Path.Value)
			if !slices.Contains(pkgs[dir], s) {
				pkgs[dir] = append(pkgs[dir], s)
			}
		}
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestImportDirection(t *testing.T) {
	pkgs := moduleImports(t, ".")
	for _, want := range []string{"manifest", "resolve", "artifacts", "artifacts/release", "digest", "publish", "branch", "validate", "validate/policy", "internal"} {
		if _, ok := pkgs[want]; !ok {
			t.Errorf("package %s is missing", want)
		}
	}
	if v := violations(pkgs); len(v) > 0 {
		t.Errorf("import rules broken:\n%s", strings.Join(v, "\n"))
	}
}

func TestImportRulesCatchViolations(t *testing.T) {
	tests := []struct {
		name string
		pkgs map[string][]string
		want []string
	}{
		{"manifest imports resolve", map[string][]string{"manifest": {module + "/resolve"}},
			[]string{"manifest imports " + module + "/resolve: manifest may import only []"}},
		{"internal imports manifest", map[string][]string{"internal/gitx": {module + "/manifest"}},
			[]string{"internal/gitx imports " + module + "/manifest: internal may import only []"}},
		{"example imports internal", map[string][]string{"examples/build": {module + "/internal/gitx"}},
			[]string{"examples/build imports " + module + "/internal/gitx: examples use the public API only"}},
		{"digest imports artifacts", map[string][]string{"digest": {module + "/artifacts"}},
			[]string{"digest imports " + module + "/artifacts: digest may import only [manifest]"}},
		{"helm outside its package", map[string][]string{"artifacts": {"helm.sh/helm/v3/pkg/chart"}},
			[]string{"artifacts imports helm.sh/helm/v3/pkg/chart: only [artifacts/chart] may"}},
		{"helm action anywhere", map[string][]string{"artifacts/chart": {"helm.sh/helm/v3/pkg/action"}},
			[]string{"artifacts/chart imports helm.sh/helm/v3/pkg/action: only [] may"}},
		{"the release directory imports the build", map[string][]string{"artifacts/release": {module + "/artifacts"}},
			[]string{"artifacts/release imports " + module + "/artifacts: artifacts/release may import only [manifest digest]"}},
		{"publish imports the build", map[string][]string{"publish": {module + "/artifacts"}},
			[]string{"publish imports " + module + "/artifacts: publish may import only [manifest digest artifacts/release]"}},
		{"validate imports the build", map[string][]string{"validate": {module + "/artifacts"}},
			[]string{"validate imports " + module + "/artifacts: validate may import only [manifest resolve digest artifacts/release artifacts/dashboard artifacts/provenance artifacts/sbom artifacts/scan]"}},
		{"unknown top-level package", map[string][]string{"util": nil},
			[]string{`util: top-level package "util" has no import rule`}},
		{"allowed", map[string][]string{
			"publish/github":  {module + "/publish", module + "/artifacts/release", "github.com/google/go-github/v92/github"},
			"artifacts/chart": {"helm.sh/helm/v3/pkg/chart"},
			"examples/demo":   {module + "/resolve", "gocloud.dev/blob/fileblob"},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, violations(tt.pkgs)); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEveryPackageHasDoc(t *testing.T) {
	for dir := range moduleImports(t, ".") {
		if strings.HasPrefix(dir, "examples/") || strings.HasPrefix(dir, "bench") {
			continue
		}
		if _, err := os.Stat(filepath.Join(filepath.FromSlash(dir), "doc.go")); err != nil {
			t.Errorf("package %q has no doc.go", dir)
		}
	}
}
