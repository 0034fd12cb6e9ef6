package main

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/releasekit/releasekit/examples/sample"
)

// TestKilled kills the build binary at random points, 20 times, rerunning it after each kill:
// every rerun finishes with no temporary file left and the same SHA256SUMS as a clean build.
func TestKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample 40 times")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "build")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src := filepath.Join(dir, "src", "hello")
	if err := sample.Write(t.Context(), src, nil); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "manifest.yaml")
	if err := os.WriteFile(m, []byte(sample.Manifest(dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := func(out string) *exec.Cmd {
		c := exec.Command(bin, "-manifest", m, "-out", out, "-mirror", sample.URL+"="+src, "-jobs", "2")
		c.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1714564800")
		return c
	}
	clean := filepath.Join(dir, "clean")
	if out, err := cmd(clean).CombinedOutput(); err != nil {
		t.Fatalf("clean build: %v\n%s", err, out)
	}
	want, err := os.ReadFile(filepath.Join(clean, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	out := filepath.Join(dir, "killed")
	for i := range 20 {
		if i%5 == 0 {
			os.RemoveAll(out) // now and then from nothing, so that kills land early in a cold build
			os.RemoveAll(filepath.Join(dir, "work"))
		}
		c := cmd(out)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(1500)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		var stderr bytes.Buffer
		again := cmd(out)
		again.Stderr = &stderr
		if err := again.Run(); err != nil {
			t.Fatalf("rerun %d: %v\n%s", i, err, stderr.String())
		}
		filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
			if err == nil && strings.Contains(e.Name(), ".tmp") {
				t.Errorf("rerun %d: %s is left", i, p)
			}
			return nil
		})
		got, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("rerun %d: SHA256SUMS differs from a clean build's (%v)", i, err)
		}
	}
}
