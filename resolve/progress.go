package resolve

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/releasekit/releasekit/internal/gitx"
)

// fetchProgress reports long fetches to people: a line per fetch at most every interval, with
// git's count of objects and bytes received, and the last one when it ends.
type fetchProgress struct {
	w        io.Writer
	interval time.Duration
	now      func() time.Time
	mu       sync.Mutex
}

// run runs a git fetch (its args start with "fetch" and hold --quiet), reporting progress for
// label when there is a writer.
func (p *fetchProgress) run(ctx context.Context, g *gitx.Git, label string, args ...string) error {
	if p == nil || p.w == nil {
		_, err := g.Run(ctx, args...)
		return err
	}
	loud := make([]string, len(args))
	for i, a := range args {
		if a == "--quiet" {
			a = "--progress"
		}
		loud[i] = a
	}
	// The last count of objects and bytes received is always shown: it is the fetch's size.
	var received, printed string
	var shown time.Time
	err := g.RunProgress(ctx, func(line string) {
		if !strings.HasPrefix(line, "Receiving objects") {
			return
		}
		received = line
		if now := p.now(); now.Sub(shown) >= p.interval {
			shown, printed = now, line
			p.print(label, line)
		}
	}, loud...)
	if err == nil && received != printed {
		p.print(label, received)
	}
	return err
}

func (p *fetchProgress) print(label, line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "fetch %s: %s\n", label, line)
}
