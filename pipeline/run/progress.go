package run

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Progress reports the advance of long steps. The CLI picks a bar redrawn in
// place when stderr is a terminal and plain log lines otherwise, so cron
// mail stays readable.
type Progress interface {
	Start(step string, total int) Bar
}

// Bar is one step's progress.
type Bar interface {
	Add(n int)
	Done()
}

type noProgress struct{}

func (noProgress) Start(string, int) Bar { return noBar{} }

type noBar struct{}

func (noBar) Add(int) {}
func (noBar) Done()   {}

// TerminalProgress redraws one line on w (a terminal) per step.
type TerminalProgress struct{ W io.Writer }

// Start begins a bar for step.
func (p TerminalProgress) Start(step string, total int) Bar {
	b := &termBar{w: p.W, step: step, total: total}
	b.draw()
	return b
}

type termBar struct {
	mu          sync.Mutex
	w           io.Writer
	step        string
	total, done int
	last        time.Time
}

func (b *termBar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if time.Since(b.last) > 100*time.Millisecond || b.done >= b.total {
		b.draw()
	}
}

func (b *termBar) draw() {
	b.last = time.Now()
	if b.total <= 0 {
		// A streamed step does not know its total in advance.
		fmt.Fprintf(b.w, "\r%-16s %d", b.step, b.done)
		return
	}
	const width = 30
	filled := width
	pct := 100.0
	if b.total > 0 {
		filled = width * b.done / b.total
		pct = 100 * float64(b.done) / float64(b.total)
	}
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < filled {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(b.w, "\r%-16s [%s] %5.1f%% %d/%d", b.step, bar, pct, b.done, b.total)
}

func (b *termBar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total > 0 {
		b.done = b.total
	}
	b.draw()
	fmt.Fprintln(b.w)
}

// LogProgress logs a step's start and end, and every 10% in between.
type LogProgress struct{ Log *slog.Logger }

// Start begins logging step.
func (p LogProgress) Start(step string, total int) Bar {
	if total > 0 {
		p.Log.Info(step, "total", total)
	}
	return &logBar{log: p.Log, step: step, total: total, start: time.Now()}
}

type logBar struct {
	mu          sync.Mutex
	log         *slog.Logger
	step        string
	total, done int
	decile      int
	start       time.Time
}

func (b *logBar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if b.total >= 10000 {
		if d := 10 * b.done / b.total; d > b.decile && d < 10 {
			b.decile = d
			b.log.Info(b.step, "done", b.done, "total", b.total)
		}
	}
}

func (b *logBar) Done() {}
