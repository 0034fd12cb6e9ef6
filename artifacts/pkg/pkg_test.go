package pkg_test

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/releasekit/releasekit/artifacts"
	"github.com/releasekit/releasekit/artifacts/pkg"
	"github.com/releasekit/releasekit/manifest"
)

func spec(t *testing.T, format, arch string) *artifacts.PackageSpec {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		// Host times and modes must not reach the package.
		if err := os.Chtimes(p, time.Now(), time.Now()); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return &artifacts.PackageSpec{
		Package: &manifest.Package{
			Name: "hello", Maintainer: "Hello Maintainers <hello@example.com>", Description: "Says hello.",
			Homepage: "https://hello.example", License: "Apache-2.0", Depends: []string{"ca-certificates"},
		},
		Format: format, Arch: arch, Version: "1.2.0-rc.1",
		Time: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Files: []artifacts.PackageFile{
			{Src: write("hello", "#!/bin/sh\necho hello\n", 0o700), Dst: "/usr/bin/hello", Mode: 0o755},
			{Src: write("hello.conf", "port = 8080\n", 0o600), Dst: "/etc/hello/hello.conf", Mode: 0o644, Config: true},
		},
		Scripts: map[string]string{"postinstall": write("postinst.sh", "#!/bin/sh\necho installed\n", 0o755)},
	}
}

func write(t *testing.T, s *artifacts.PackageSpec) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pkg.New().Package(t.Context(), s, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeb(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Fatal("dpkg-deb is needed to read packages back (apt-get install dpkg)")
	}
	data := write(t, spec(t, "deb", "arm64"))
	p := filepath.Join(t.TempDir(), "hello.deb")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg := func(args ...string) string {
		out, err := exec.Command("dpkg-deb", append(args, p)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	fields := map[string]string{}
	for _, f := range []string{"Package", "Version", "Architecture", "Maintainer", "Depends", "Homepage", "Description", "Section", "Priority"} {
		fields[f] = strings.TrimSpace(fieldOf(t, p, f))
	}
	want := map[string]string{
		"Package": "hello", "Version": "1.2.0~rc.1", "Architecture": "arm64",
		"Maintainer": "Hello Maintainers <hello@example.com>", "Depends": "ca-certificates",
		"Homepage": "https://hello.example", "Description": "Says hello.",
		"Section": "default", "Priority": "optional", // never empty
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("control fields (-want +got):\n%s", diff)
	}
	contents := dpkg("--contents")
	for _, line := range []string{
		"-rwxr-xr-x root/root        21 2024-05-01 12:00 ./usr/bin/hello",
		"-rw-r--r-- root/root        12 2024-05-01 12:00 ./etc/hello/hello.conf",
	} {
		if !strings.Contains(contents, line) {
			t.Errorf("contents lack %q:\n%s", line, contents)
		}
	}
	info := dpkg("--info")
	for _, s := range []string{"postinst", "conffiles"} {
		if !strings.Contains(info, s) {
			t.Errorf("control archive lacks %s:\n%s", s, info)
		}
	}
}

func fieldOf(t *testing.T, deb, field string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", "--field", deb, field).Output()
	if err != nil {
		t.Fatalf("dpkg-deb --field %s: %v", field, err)
	}
	return string(out)
}

func TestRPM(t *testing.T) {
	data := write(t, spec(t, "rpm", "amd64"))
	// The lead: magic, then the package's name-version-release at offset 10.
	if !bytes.HasPrefix(data, []byte{0xed, 0xab, 0xee, 0xdb}) {
		t.Fatalf("not an rpm: % x", data[:8])
	}
	if name := string(bytes.TrimRight(data[10:76], "\x00")); name != "hello-1.2.0~rc.1-1" {
		t.Errorf("rpm lead names %q", name)
	}
	// The header is not compressed; the payload is.
	for _, s := range []string{"x86_64", "Apache-2.0", "Says hello.", "ca-certificates", "releasekit"} {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("rpm header lacks %q", s)
		}
	}
	if bytes.Contains(data, []byte(hostname(t))) {
		t.Errorf("rpm records this host's name %q", hostname(t))
	}
}

func hostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil || len(h) < 4 {
		t.Skip("no usable host name")
	}
	return h
}

func TestSameBytes(t *testing.T) {
	for _, format := range []string{"deb", "rpm"} {
		t.Run(format, func(t *testing.T) {
			a := sha256.Sum256(write(t, spec(t, format, "amd64")))
			time.Sleep(1100 * time.Millisecond)
			b := sha256.Sum256(write(t, spec(t, format, "amd64")))
			if a != b {
				t.Errorf("two %s packages of the same spec differ", format)
			}
		})
	}
}
