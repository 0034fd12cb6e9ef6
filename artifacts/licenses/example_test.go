package licenses_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/tools/txtar"

	"github.com/releasekit/releasekit/artifacts/licenses"
)

func ExampleScanner_Scan() {
	dir, _ := os.MkdirTemp("", "licenses-example-")
	defer os.RemoveAll(dir)
	ar, _ := txtar.ParseFile("testdata/project.txtar")
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, f.Data, 0o644)
	}
	found, err := licenses.New().Scan(context.Background(), dir, append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off"), ".")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range found {
		fmt.Println(l.Module, l.Names, l.Type)
	}
	// Output:
	// example.com/app [MIT] notice
	// example.com/lib [WTFPL] forbidden
}
