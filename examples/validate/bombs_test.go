package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// tarGz writes entries (name → size of zeros, or content) as a .tar.gz at p. A negative size
// writes only a header that claims -size bytes, as a truncated bomb does.
func tarGz(t *testing.T, p string, entries []struct {
	name string
	size int64
	data string
}) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		size := e.size
		if e.data != "" {
			size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o755, Size: max(size, -size), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.data != "":
			io.WriteString(tw, e.data)
		case size > 0:
			io.Copy(tw, io.LimitReader(zeros{}, size))
		default:
			tw.Flush()
			gz.Close()
			return
		}
	}
	tw.Close()
	gz.Close()
}

// rpmBomb is an rpm whose header points 60,000 string-array tags of 2^32 entries at one 32 MiB
// store of NUL bytes.
func rpmBomb() []byte {
	var b bytes.Buffer
	lead := make([]byte, 96)
	copy(lead, []byte{0xed, 0xab, 0xee, 0xdb})
	b.Write(lead)
	header := func(count uint32, size uint32, tag func(i int) int32, values int32) {
		b.Write([]byte{0x8e, 0xad, 0xe8, 1, 0, 0, 0, 0})
		binary.Write(&b, binary.BigEndian, count)
		binary.Write(&b, binary.BigEndian, size)
		for i := range int(count) {
			binary.Write(&b, binary.BigEndian, []int32{tag(i), 8, 0, values})
		}
		b.Write(make([]byte, size))
	}
	header(1, 8, func(int) int32 { return 1000 }, 1) // a signature of one empty string
	header(60000, 32<<20, func(i int) int32 { return int32(1000 + i%200) }, -1)
	return b.Bytes()
}

// TestBombs validates a hostile release with the real binary: a 3 GiB binary claimed by a tiny
// archive, a chart whose values expand to 200 MiB, sources whose manifest expands to 300 MiB, an
// rpm header bomb and an index.json descriptor of 10^15 bytes. Each is reported with the file and
// the limit, and the validator's peak RSS stays under 256 MiB.
func TestBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads bombs")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "validate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rel := filepath.Join(dir, "release")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(rel, "helm"), 0o755))
	must(os.MkdirAll(filepath.Join(rel, "rpm"), 0o755))
	must(os.MkdirAll(filepath.Join(rel, "docker", "blobs", "sha256"), 0o755))
	type entry = struct {
		name string
		size int64
		data string
	}
	tarGz(t, filepath.Join(rel, "app-1.0.0-linux-amd64.tar.gz"), []entry{{name: "app", size: -(3 << 30)}})
	tarGz(t, filepath.Join(rel, "helm", "app-1.0.0.tgz"), []entry{
		{name: "app/Chart.yaml", data: "name: app\nversion: 1.0.0\nappVersion: 1.0.0\n"}, {name: "app/values.yaml", size: 200 << 20}})
	tarGz(t, filepath.Join(rel, "sources.tar.gz"), []entry{{name: "manifest.yaml", size: 300 << 20}})
	must(os.WriteFile(filepath.Join(rel, "rpm", "app.rpm"), rpmBomb(), 0o644))
	blob := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
	blobSum := fmt.Sprintf("%x", sha256.Sum256(blob))
	must(os.WriteFile(filepath.Join(rel, "docker", "blobs", "sha256", blobSum), blob, 0o644))
	must(os.WriteFile(filepath.Join(rel, "docker", "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	must(os.WriteFile(filepath.Join(rel, "docker", "index.json"), []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`+
		`{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:`+blobSum+`","size":1000000000000000,"annotations":{"org.opencontainers.image.ref.name":"registry.example/app:1.0.0"}}]}`), 0o644))

	sums := map[string]string{}
	sum := func(p string) string {
		data, err := os.ReadFile(filepath.Join(rel, p))
		must(err)
		return fmt.Sprintf("%x", sha256.Sum256(data))
	}
	for _, p := range []string{"app-1.0.0-linux-amd64.tar.gz", "helm/app-1.0.0.tgz", "sources.tar.gz", "rpm/app.rpm"} {
		sums[p] = sum(p)
	}
	var manifest strings.Builder
	fmt.Fprintf(&manifest, `version: 1.0.0
docker: registry.example
releaseTime: "2024-05-01T12:00:00Z"
dependencies:
  app:
    git: https://example.com/app.git
    sha: 0123456789abcdef0123456789abcdef01234567
    resolved: {from: tag v1.0.0, commitTime: "2024-05-01T12:00:00Z"}
build:
  binaries:
  - {name: app, package: ./cmd/app, platforms: [linux/amd64]}
  archives:
  - {name: app, binaries: [app], platforms: [linux/amd64]}
  packages:
  - {name: app, formats: [rpm], contents: [{binary: app, dst: /usr/bin/app}], platforms: [linux/amd64]}
  images:
  - {name: app, binaries: [app], platforms: [linux/amd64]}
  charts:
  - {name: app, path: charts/app}
artifacts:
  - {image: registry.example/app:1.0.0, kind: docker, digest: "sha256:%s"}
`, blobSum)
	var paths []string
	for p := range sums {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		kind := map[string]string{"helm": "helm", "rpm": "rpm", "sources.tar.gz": "sources"}[strings.Split(p, "/")[0]]
		if kind == "" {
			kind = "archive"
		}
		fmt.Fprintf(&manifest, "  - {path: %s, kind: %s, sha256: %s}\n", p, kind, sums[p])
	}
	must(os.WriteFile(filepath.Join(rel, "manifest.yaml"), []byte(manifest.String()), 0o644))
	filepath.WalkDir(rel, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			r, _ := filepath.Rel(rel, p)
			sums[filepath.ToSlash(r)] = sum(filepath.ToSlash(r))
		}
		return err
	})
	paths = paths[:0]
	for p := range sums {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var list strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&list, "%s  %s\n", sums[p], p)
	}
	must(os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(list.String()), 0o644))

	cmd := exec.Command(bin, "-release", rel, "-run=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("report:\n%s", out.String())
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit %d (%v), want 1: the release fails validation", code, err)
	}
	for _, want := range []string{
		`app-1.0.0-linux-amd64.tar.gz: app: entry "app": 3221225472 bytes, larger than 1073741824`,
		`app-1.0.0.tgz: entry "app/values.yaml": 209715200 bytes, larger than 16777216`,
		`sources.tar.gz: larger than 16777216 bytes`,
		`rpm/app.rpm: rpm header: more than 4194304 values`,
		`the index says 1000000000000000 bytes`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	t.Logf("peak RSS of validate: %d MiB", rss>>10)
	if rss > 256<<10 {
		t.Errorf("peak RSS %d MiB, want at most 256 MiB", rss>>10)
	}
}
