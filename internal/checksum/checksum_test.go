package checksum

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The digests of sha256sum for the same content.
func TestSums(t *testing.T) {
	const hello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" // sha256sum of "hello\n"
	if got := Bytes([]byte("hello\n")); got != hello {
		t.Errorf("Bytes: %s", got)
	}
	if got, err := Reader(strings.NewReader("hello\n")); err != nil || got != hello {
		t.Errorf("Reader: %s, %v", got, err)
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := File(p); err != nil || got != hello {
		t.Errorf("File: %s, %v", got, err)
	}
	if _, err := File(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("File of a missing file: no error")
	}
}
