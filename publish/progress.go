package publish

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/releasekit/releasekit/internal/humanize"
)

// progress reports the bytes sent by each push: on a terminal a bar per push, redrawn in place;
// elsewhere (CI logs) a plain line each time a push passes a quarter of its bytes.
type progress struct {
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

// progressKey holds, in the context of Publisher.Apply, the progress of each writer, so that the
// targets given one writer draw one set of bars.
type progressKey struct{}

type progressSet struct {
	mu sync.Mutex
	by map[io.Writer]*progress
}

func withProgressSet(ctx context.Context) context.Context {
	return context.WithValue(ctx, progressKey{}, &progressSet{by: map[io.Writer]*progress{}})
}

// progressFor returns the progress that reports to w: the one the targets of this Apply share,
// or a new one.
func progressFor(ctx context.Context, w io.Writer) *progress {
	set, ok := ctx.Value(progressKey{}).(*progressSet)
	if !ok || !reflect.TypeOf(w).Comparable() {
		return &progress{w: w, bars: humanize.Terminal(w)}
	}
	set.mu.Lock()
	defer set.mu.Unlock()
	p := set.by[w]
	if p == nil {
		p = &progress{w: w, bars: humanize.Terminal(w)}
		set.by[w] = p
	}
	return p
}

// track returns the channel go-containerregistry sends name's updates to, and the function to
// call when the push is over.
func (p *progress) track(name string) (chan<- v1.Update, func()) {
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

func (p *progress) update(it *progressItem, complete, total int64, done bool) {
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
func (p *progress) redraw() {
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
