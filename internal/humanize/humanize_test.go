package humanize

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

type saysTerminal struct{ bytes.Buffer }

func (*saysTerminal) Terminal() bool { return true }

func TestTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for w, want := range map[io.Writer]bool{&bytes.Buffer{}: false, f: false, &saysTerminal{}: true} {
		if got := Terminal(w); got != want {
			t.Errorf("Terminal(%T) = %v, want %v", w, got, want)
		}
	}
}
