package artifacts

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/releasekit/releasekit/internal/humanize"
)

// progress tells people what the build does: one line per artifact and, on a terminal, a bar
// below the lines.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	bar   bool
	total int
	n     int
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, bar: w != nil && humanize.Terminal(w)}
}

func (p *progress) line(verb, rel string, size int64, took time.Duration) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if p.bar {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%-7s %-48s %10s %8s\n", verb, rel, humanize.Bytes(size), took.Round(time.Millisecond))
	if p.bar && p.total > 0 {
		const width = 30
		done := min(p.n*width/p.total, width)
		fmt.Fprintf(p.w, "[%s%s] %d/%d", strings.Repeat("#", done), strings.Repeat(".", width-done), p.n, p.total)
	}
}

func (p *progress) done() {
	if p != nil && p.w != nil && p.bar {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
