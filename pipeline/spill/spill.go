package spill

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync/atomic"
)

// File is a temporary file that records are appended to and read
// back from at their offsets. It is unlinked while open where the system
// allows it, so a killed run leaves nothing behind; elsewhere close
// removes it.
type File struct {
	f       *os.File
	removed bool
	end     int64
}

// made counts the temporary files made (Made).
var made atomic.Int64

func NewFile() (*File, error) {
	made.Add(1)
	f, err := os.CreateTemp("", "veldstem-spill-*")
	if err != nil {
		return nil, fmt.Errorf("a temporary file to sort in: %w (set TMPDIR to a writable directory)", err)
	}
	return &File{f: f, removed: os.Remove(f.Name()) == nil}, nil
}

// Append writes b at the end and returns where it starts.
func (s *File) Append(b []byte) (int64, error) {
	off := s.end
	if _, err := s.f.WriteAt(b, off); err != nil {
		return 0, fmt.Errorf("writing a temporary file: %w", err)
	}
	s.end += int64(len(b))
	return off, nil
}

// Section reads n bytes from off, buffered.
func (s *File) Section(off, n int64) *bufio.Reader {
	return bufio.NewReaderSize(io.NewSectionReader(s.f, off, n), 32<<10)
}

// Close closes and removes the file; a nil File is fine.
func (s *File) Close() {
	if s == nil || s.f == nil {
		return
	}
	s.f.Close()
	if !s.removed {
		os.Remove(s.f.Name())
	}
	s.f = nil
}

// ErrShort reports a temporary file that ends inside a record: only a
// disk that lost data can cause it.
var ErrShort = errors.New("a temporary file ends inside a record (was the disk full?)")

// Sorter orders records (a key and a value, both bytes) by key, and
// records with equal keys in the order they were added: an external merge
// sort whose memory does not grow with the records. A buffer of them is
// sorted and, when full, written to a temporary file as a run; reading
// merges the runs, a buffered reader's worth of each at a time.
type Sorter struct {
	// limit is the buffer's size in bytes before it becomes a run.
	limit int
	arena []byte
	refs  []recRef
	spill *File
	runs  []sortedRun
	enc   []byte
}

// recRef is a record in the arena: its key and then its value.
type recRef struct {
	off        uint32
	klen, vlen uint32
}

type sortedRun struct{ off, n int64 }

// BufBytes is a Sorter's default buffer: 1,000,000 respondents' records
// (about 30 bytes each) make 8 runs.
const BufBytes = 4 << 20

// NewSorter returns a Sorter whose buffer takes limit bytes (BufBytes
// when 0).
func NewSorter(limit int) *Sorter {
	if limit <= 0 {
		limit = BufBytes
	}
	return &Sorter{limit: limit}
}

// Add appends a record whose key is a, a zero byte and b: a pair of
// strings orders as the pair does as long as a has no zero byte.
func (s *Sorter) Add(a, b string, val []byte) error {
	off := len(s.arena)
	s.arena = append(s.arena, a...)
	s.arena = append(s.arena, 0)
	s.arena = append(s.arena, b...)
	klen := len(s.arena) - off
	s.arena = append(s.arena, val...)
	s.refs = append(s.refs, recRef{off: uint32(off), klen: uint32(klen), vlen: uint32(len(val))})
	if len(s.arena) >= s.limit {
		return s.writeRun()
	}
	return nil
}

func (s *Sorter) key(r recRef) []byte { return s.arena[r.off : r.off+r.klen] }

// sortRefs orders the buffer's records; offsets grow as records are
// added, so they break ties in the order of adding.
func (s *Sorter) sortRefs() {
	slices.SortFunc(s.refs, func(x, y recRef) int {
		if c := bytes.Compare(s.key(x), s.key(y)); c != 0 {
			return c
		}
		return int(x.off) - int(y.off)
	})
}

// writeRun sorts the buffer and appends it to the temporary file.
func (s *Sorter) writeRun() error {
	if len(s.refs) == 0 {
		return nil
	}
	s.sortRefs()
	if s.spill == nil {
		var err error
		if s.spill, err = NewFile(); err != nil {
			return err
		}
	}
	start := s.spill.end
	s.enc = s.enc[:0]
	for _, r := range s.refs {
		s.enc = binary.AppendUvarint(s.enc, uint64(r.klen))
		s.enc = binary.AppendUvarint(s.enc, uint64(r.vlen))
		s.enc = append(s.enc, s.arena[r.off:r.off+r.klen+r.vlen]...)
		if len(s.enc) >= 64<<10 {
			if _, err := s.spill.Append(s.enc); err != nil {
				return err
			}
			s.enc = s.enc[:0]
		}
	}
	if _, err := s.spill.Append(s.enc); err != nil {
		return err
	}
	s.runs = append(s.runs, sortedRun{start, s.spill.end - start})
	s.arena, s.refs = s.arena[:0], s.refs[:0]
	return nil
}

// Close removes the temporary file, if any.
func (s *Sorter) Close() {
	s.spill.Close()
	s.arena, s.refs, s.enc = nil, nil, nil
}

// Records reads a Sorter's records in order: Next moves to the next
// record and reports whether there is one; Key and Val are valid until
// the next call.
type Records struct {
	s *Sorter
	// In memory: the next ref to read.
	at int
	// From runs: a heap of their readers, by (key, run).
	heap []*runCursor
	key  []byte
	val  []byte
	// buf holds key and val when they come from a run.
	buf []byte
	err error
}

// Records sorts what was added and returns a reader; nothing may be
// added after it.
func (s *Sorter) Records() (*Records, error) {
	it := &Records{s: s}
	if len(s.runs) == 0 {
		s.sortRefs()
		return it, nil
	}
	if err := s.writeRun(); err != nil {
		return nil, err
	}
	s.arena, s.refs, s.enc = nil, nil, nil
	for i, r := range s.runs {
		c := &runCursor{run: i, r: s.spill.Section(r.off, r.n)}
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if ok {
			it.heap = append(it.heap, c)
		}
	}
	for i := len(it.heap)/2 - 1; i >= 0; i-- {
		it.down(i)
	}
	return it, nil
}

func (it *Records) Next() bool {
	if it.err != nil {
		return false
	}
	if len(it.s.runs) == 0 {
		if it.at == len(it.s.refs) {
			return false
		}
		r := it.s.refs[it.at]
		it.at++
		it.key = it.s.arena[r.off : r.off+r.klen]
		it.val = it.s.arena[r.off+r.klen : r.off+r.klen+r.vlen]
		return true
	}
	if len(it.heap) == 0 {
		return false
	}
	top := it.heap[0]
	// The record handed out now is in top's buffer, which top.next would
	// overwrite: top reads into the last one's buffer instead.
	it.key, it.val = top.key, top.val
	it.buf, top.buf = top.buf, it.buf
	ok, err := top.next()
	if err != nil {
		it.err = err
		return false
	}
	if !ok {
		last := len(it.heap) - 1
		it.heap[0] = it.heap[last]
		it.heap = it.heap[:last]
	}
	if len(it.heap) > 0 {
		it.down(0)
	}
	return true
}

func (it *Records) less(a, b *runCursor) bool {
	if c := bytes.Compare(a.key, b.key); c != 0 {
		return c < 0
	}
	return a.run < b.run
}

func (it *Records) down(i int) {
	h := it.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && it.less(h[r], h[l]) {
			m = r
		}
		if !it.less(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// runCursor is a run's next record.
type runCursor struct {
	run      int
	r        *bufio.Reader
	key, val []byte
	// buf holds key and val.
	buf []byte
}

func (c *runCursor) next() (bool, error) {
	klen, err := binary.ReadUvarint(c.r)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, ErrShort
	}
	vlen, err := binary.ReadUvarint(c.r)
	if err != nil || klen > 1<<30 || vlen > 1<<30 {
		return false, ErrShort
	}
	if uint64(cap(c.buf)) < klen+vlen {
		c.buf = make([]byte, klen+vlen)
	}
	c.buf = c.buf[:klen+vlen]
	if _, err := io.ReadFull(c.r, c.buf); err != nil {
		return false, ErrShort
	}
	c.key, c.val = c.buf[:klen:klen], c.buf[klen:]
	return true, nil
}

// Key is the current record's key.
func (it *Records) Key() []byte { return it.key }

// Val is the current record's value.
func (it *Records) Val() []byte { return it.val }

// Err is what stopped Next early, if anything did.
func (it *Records) Err() error { return it.err }

// Runs is how many runs went to the temporary file so far.
func (s *Sorter) Runs() int { return len(s.runs) }

// Made is how many temporary files the package made since the process
// started: tests check with it that their data did spill.
func Made() int64 { return made.Load() }

// Spool holds bytes written in order and reads them back from the start:
// in memory up to Limit bytes (BufBytes when 0), then in a temporary file.
type Spool struct {
	Limit int
	mem   []byte
	file  *File
}

// Write appends b.
func (s *Spool) Write(b []byte) error {
	s.mem = append(s.mem, b...)
	limit := s.Limit
	if limit <= 0 {
		limit = BufBytes
	}
	if len(s.mem) < limit {
		return nil
	}
	return s.flush()
}

func (s *Spool) flush() error {
	if len(s.mem) == 0 {
		return nil
	}
	if s.file == nil {
		var err error
		if s.file, err = NewFile(); err != nil {
			return err
		}
	}
	_, err := s.file.Append(s.mem)
	s.mem = s.mem[:0]
	return err
}

// ByteReader reads a Spool back.
type ByteReader interface {
	io.ByteReader
	io.Reader
}

// Reader reads what was written from the start; nothing may be written
// after it.
func (s *Spool) Reader() (ByteReader, error) {
	if s.file == nil {
		return bytes.NewReader(s.mem), nil
	}
	if err := s.flush(); err != nil {
		return nil, err
	}
	s.mem = nil
	return s.file.Section(0, s.file.end), nil
}

// Close removes the temporary file, if any.
func (s *Spool) Close() { s.file.Close() }
