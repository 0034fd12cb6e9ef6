package humanize

import (
	"fmt"
	"io"
	"os"
)

// Bytes formats n bytes with a binary unit: "512 B", "1.5 KiB", "2.3 MiB", "1.0 GiB".
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Terminal reports whether w is a terminal, where progress is drawn as bars redrawn in place: an
// *os.File on a character device, or a writer that says so with a Terminal() bool method (a
// wrapper of one, or a test's).
func Terminal(w io.Writer) bool {
	if t, ok := w.(interface{ Terminal() bool }); ok {
		return t.Terminal()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
