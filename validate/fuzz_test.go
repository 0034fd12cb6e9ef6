package validate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/manifest"
)

// seedPackages adds a small package in format, written by artifacts/pkg, to a corpus.
func seedPackages(f *testing.F, format string) {
	src := filepath.Join(f.TempDir(), "x")
	if err := os.WriteFile(src, []byte("#!/bin/sh\necho x\n"), 0o755); err != nil {
		f.Fatal(err)
	}
	spec := &artifacts.PackageSpec{
		Package: &manifest.Package{Name: "x", Maintainer: "X <x@example.com>", Description: "x", License: "MIT"},
		Format:  format, Arch: "amd64", Version: "1.0.0", Time: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		Files: []artifacts.PackageFile{{Src: src, Dst: "/usr/bin/x", Mode: 0o755}}, Scripts: map[string]string{},
	}
	var buf bytes.Buffer
	if err := pkg.New().Package(f.Context(), spec, &buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("!<arch>\n"))
	f.Add([]byte{0xed, 0xab, 0xee, 0xdb})
}

// FuzzReadDeb: the deb reader fails or returns what it read, never panics or runs away.
func FuzzReadDeb(f *testing.F) {
	seedPackages(f, "deb")
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := readDebFrom(bytes.NewReader(data))
		if err == nil && info == nil {
			t.Fatal("no error and no package")
		}
	})
}

// FuzzReadRpm: the rpm reader fails or returns what it read, never panics or runs away.
func FuzzReadRpm(f *testing.F) {
	seedPackages(f, "rpm")
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := readRpmFrom(bytes.NewReader(data))
		if err == nil && info == nil {
			t.Fatal("no error and no package")
		}
	})
}
