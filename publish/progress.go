package publish

import (
	"fmt"
	"io"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/releasekit/releasekit/internal/humanize"
)

// Progress reports the bytes sent by each push: on a terminal a bar per push, redrawn in place;
// elsewhere (CI logs) a plain line each time a push passes a quarter of its bytes.
type Progress struct {
	w    io.Writer
	bars bool

	mu    sync.Mutex
	items []*progressItem
	drawn int
}

type progressItem struct {
	name            string
	complete, total int64
	quarter         int
	done            bool
}

// NewProgress reports to w, with bars when w is a terminal (the caller knows; the library does
// not look).
func NewProgress(w io.Writer, bars bool) *Progress {
	return &Progress{w: w, bars: bars}
}

// track returns the channel go-containerregistry sends name's updates to, and the function to
// call when the push is over.
func (p *Progress) track(name string) (chan<- v1.Update, func()) {
	it := &progressItem{name: name}
	p.mu.Lock()
	p.items = append(p.items, it)
	p.mu.Unlock()
	ch := make(chan v1.Update, 16)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for u := range ch {
			if u.Error != nil {
				continue
			}
			p.update(it, u.Complete, u.Total, false)
		}
	}()
	return ch, func() {
		close(ch)
		<-finished
		p.update(it, it.complete, it.total, true)
	}
}

func (p *Progress) update(it *progressItem, complete, total int64, done bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	it.complete, it.total = complete, total
	if p.bars {
		it.done = done
		p.redraw()
		return
	}
	q := 0
	if total > 0 {
		q = int(4 * complete / total)
	}
	switch {
	case done && !it.done:
		it.done = true
		fmt.Fprintf(p.w, "pushed  %s  %s\n", it.name, humanize.Bytes(it.complete))
	case !done && q > it.quarter && q < 4:
		it.quarter = q
		fmt.Fprintf(p.w, "pushing %s  %s of %s (%d%%)\n", it.name, humanize.Bytes(complete), humanize.Bytes(total), 25*q)
	}
}

// redraw rewrites every bar in place; p.mu is held.
func (p *Progress) redraw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	const width = 30
	for _, it := range p.items {
		filled := width
		if !it.done && it.total > 0 {
			filled = int(width * it.complete / it.total)
		}
		fmt.Fprintf(&b, "\x1b[2K%-50s [%s%s] %s / %s\n", it.name,
			strings.Repeat("=", filled), strings.Repeat(" ", width-filled), humanize.Bytes(it.complete), humanize.Bytes(it.total))
	}
	p.drawn = len(p.items)
	io.WriteString(p.w, b.String())
}
