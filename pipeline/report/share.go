package report

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// The reports that list every unit (codings.csv, the workbook's Codings
// sheet, project.qdpx) read the units from one shared scan: a producer runs
// Input.EachUnit once and hands batches of units to every renderer, each
// in its own goroutine. Each scan of a national survey's store costs
// seconds (the units, their codings joined by index, the matches decoded),
// and the renderers used to make five of them.

// unitItem is one unit of a shared batch with its coding (ok when it has
// one). Batches are read by every renderer at once and never written after
// they are sent.
type unitItem struct {
	u  study.Unit
	c  study.Coding
	ok bool
}

const shareBatch = 512

var errShareStopped = errors.New("report: shared unit scan stopped")

// unitBatch is a batch of the scan; left counts the readers that have not
// read it yet. The last one hands it back for the next batch: a national
// survey's scan makes hundreds of MB of batches otherwise, and their
// garbage raised the stage's peak heap.
type unitBatch struct {
	items []unitItem
	left  atomic.Int32
}

// unitShare fans one scan out to n readers.
type unitShare struct {
	each    func(fn func(study.Unit, *study.Coding) error) error
	chs     []chan *unitBatch
	free    chan *unitBatch
	stop    chan struct{}
	once    sync.Once
	scanErr error // set before the channels are closed
}

func newUnitShare(each func(fn func(study.Unit, *study.Coding) error) error, n int) *unitShare {
	s := &unitShare{each: each, stop: make(chan struct{}), free: make(chan *unitBatch, 16)}
	for range n {
		s.chs = append(s.chs, make(chan *unitBatch, 8))
	}
	return s
}

// newBatch is a recycled batch, or a new one.
func (s *unitShare) newBatch() *unitBatch {
	select {
	case b := <-s.free:
		return b
	default:
		return &unitBatch{items: make([]unitItem, 0, shareBatch)}
	}
}

// read is called by each reader when it is done with b. The batch's units
// are cleared so a batch waiting for reuse keeps no texts alive; readers
// keep nothing of a unit after their fn returns (Input.EachUnit).
func (s *unitShare) read(b *unitBatch) {
	if b.left.Add(-1) != 0 {
		return
	}
	clear(b.items)
	b.items = b.items[:0]
	select {
	case s.free <- b:
	default:
	}
}

// halt stops the producer (a reader failed); readers still drain.
func (s *unitShare) halt() { s.once.Do(func() { close(s.stop) }) }

// produce runs the scan and closes every reader's channel at the end.
func (s *unitShare) produce() {
	batch := s.newBatch()
	send := func() error {
		// Every reader is counted before the first can read it; one that
		// never gets it (the scan stopped) leaves it to the collector.
		batch.left.Store(int32(len(s.chs)))
		for _, ch := range s.chs {
			select {
			case ch <- batch:
			case <-s.stop:
				return errShareStopped
			}
		}
		batch = s.newBatch()
		return nil
	}
	err := s.each(func(u study.Unit, c *study.Coding) error {
		it := unitItem{u: u}
		if c != nil {
			it.c, it.ok = *c, true
		}
		batch.items = append(batch.items, it)
		if len(batch.items) == shareBatch {
			return send()
		}
		return nil
	})
	if err == nil && len(batch.items) > 0 {
		err = send()
	}
	s.scanErr = err
	for _, ch := range s.chs {
		close(ch)
	}
}

// reader returns reader i's EachUnit; it may be called once.
func (s *unitShare) reader(i int) func(fn func(study.Unit, *study.Coding) error) error {
	used := false
	return func(fn func(study.Unit, *study.Coding) error) error {
		if used {
			return errors.New("report: shared unit scan read twice")
		}
		used = true
		for batch := range s.chs[i] {
			for j := range batch.items {
				it := &batch.items[j]
				var c *study.Coding
				if it.ok {
					c = &it.c
				}
				if err := fn(it.u, c); err != nil {
					s.halt()
					return err
				}
			}
			s.read(batch)
		}
		// A scan stopped because another reader failed returns
		// errShareStopped too, so no reader renames a partial file into
		// place.
		return s.scanErr
	}
}

// firstErr is the first error of errs that is not errShareStopped (which
// only says another reader failed), else the first error.
func firstErr(errs []error) error {
	var stopped error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, errShareStopped):
			stopped = cmp.Or(stopped, err)
		default:
			return err
		}
	}
	return stopped
}

// done is called when reader i's renderer returns: a renderer that failed
// stops the scan, and whatever it did not read is drained so the producer
// never blocks.
func (s *unitShare) done(i int, err error) {
	if err != nil {
		s.halt()
	}
	for b := range s.chs[i] {
		s.read(b)
	}
}

// codingSpool holds the rows of the workbook's Codings sheet (the non-context
// units' four text cells and codes) in a temporary file, for when the
// shared scan passes before the tables the workbook's other sheets need are
// there. It measures the cells' widths on the way.
type codingSpool struct {
	f      *os.File
	widths [4]int
	rows   int // the sheet's rows, unread ones included
	// unread counts rows of copied parts whose units were not read (so
	// not spooled); unspooled says no row was written to f.
	unread    int
	unspooled bool
	// early, when not nil, has compressed the sheet's part on the way.
	early *codingsEarly
}

// spoolCodings spools in's units; with early, it also compresses the
// Codings sheet's part for the matrix m on the way (codingsEarly), copying
// the rows of in.Parts that prev holds.
func spoolCodings(in Input, dir string, early bool, m matrix, prev *reuse) (*codingSpool, error) {
	f, err := os.CreateTemp(dir, ".report.xlsx.units.tmp-*")
	if err != nil {
		return nil, err
	}
	sp := &codingSpool{f: f}
	if early {
		sp.early = newCodingsEarly(m, in.Parts, prev)
		// The spool is only read when the early sheets cannot be used,
		// which short of a failure they always can: the rows are counted
		// and measured but not written, which was a tenth of a rerun's
		// Codings sheet, and a failure fails the workbook. Without parts
		// (tests that compare with a reference rendering from the spool,
		// small callers) the spool is written as before.
		sp.unspooled = len(in.Parts) > 0
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	err = in.eachCodes(func(u study.Unit, codes []string) error {
		if sp.early != nil {
			sp.early.add(dir, u, codes)
		}
		if u.Context {
			return nil
		}
		cells := [4]string{u.ID, u.Respondent, u.Source, firstNonEmpty(u.Question, u.Speaker)}
		for i, t := range cells {
			sp.widths[i] = max(sp.widths[i], utf8.RuneCountInString(t))
		}
		sp.rows++
		if sp.unspooled {
			return nil
		}
		buf = buf[:0]
		for _, t := range cells {
			str(t)
		}
		buf = binary.AppendUvarint(buf, uint64(len(codes)))
		for _, c := range codes {
			str(c)
		}
		_, err := bw.Write(buf)
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && sp.early != nil {
		sp.early.finish(dir, sp)
	}
	return sp, err
}

// each replays the spooled rows as units (ID, Respondent, Source and
// Question set) with their codes, as Input.EachCodes; codes are interned.
func (sp *codingSpool) each(fn func(study.Unit, []string) error) error {
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(sp.f, 1<<20)
	intern := map[string]string{}
	var buf []byte
	str := func() (string, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return "", err
		}
		buf = slices.Grow(buf[:0], int(n))[:n]
		if _, err := io.ReadFull(br, buf); err != nil {
			return "", err
		}
		return string(buf), nil
	}
	var codes []string
	for {
		var u study.Unit
		var err error
		if u.ID, err = str(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		for _, dst := range []*string{&u.Respondent, &u.Source, &u.Question} {
			if *dst, err = str(); err != nil {
				return noEOF(err)
			}
		}
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return noEOF(err)
		}
		codes = codes[:0]
		for range n {
			c, err := str()
			if err != nil {
				return noEOF(err)
			}
			if v, ok := intern[c]; ok {
				c = v
			} else {
				intern[c] = c
			}
			codes = append(codes, c)
		}
		if err := fn(u, codes); err != nil {
			return err
		}
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (sp *codingSpool) close() {
	if sp.early != nil {
		sp.early.close()
	}
	_ = sp.f.Close()
	_ = os.Remove(sp.f.Name())
}
