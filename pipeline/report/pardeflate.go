package report

import (
	"bytes"
	"runtime"
	"sync"

	kflate "github.com/klauspost/compress/flate"
)

// The Codings sheet is the one export a rerun renders again whole when a
// new input file sorts before the others: every row's number moves, so no
// part can be copied, and deflating its ~330 MB at level 5 on one
// goroutine was the rerun's critical path (0.9 s of a 2.1 s rerun at
// 200,000 responses, with the second core half idle). A part of the sheet
// is therefore deflated in chunks of parChunk bytes counted from the
// part's start, each by a fresh compressor ending in a sync flush, on
// every core; chunk boundaries depend only on the part's bytes, so a full
// run and a rerun write the same bytes, and a part no longer than one
// chunk is deflated exactly as before. Restarting the dictionary every
// half MiB costs 0.3% of the size (31.54 -> 31.63 MB at 200,000
// responses). A sheet keeps 2×cores+1 chunks in flight, ~3 MB on two
// cores, and lets them go when it is finished.
var parChunk = 512 << 10 // a variable so tests can make chunks of a few bytes

// parDeflate compresses a segDeflater's chunks concurrently and writes
// them to its output in order.
type parDeflate struct {
	buf   []byte         // the open chunk
	jobs  chan *parJob   // to the compressors
	order chan *parJob   // to the writer, in the order submitted
	free  chan *parJob   // spent jobs, with their buffers
	busy  sync.WaitGroup // jobs not yet written
	// err is the first error, set by the writer goroutine before its
	// busy.Done and read by end after busy.Wait.
	err error
}

type parJob struct {
	in    []byte
	final bool // ends the stream (Close) instead of a sync flush
	out   bytes.Buffer
	done  chan struct{}
	err   error
}

// startPar makes d deflate in parallel chunks (see parChunk). It must be
// called before the first Write.
func (d *segDeflater) startPar(level int) {
	workers := max(1, runtime.GOMAXPROCS(0))
	p := &parDeflate{jobs: make(chan *parJob, workers), order: make(chan *parJob, 2*workers),
		free: make(chan *parJob, 2*workers+1)}
	for range cap(p.free) {
		p.free <- &parJob{done: make(chan struct{}, 1)}
	}
	for range workers {
		go func() {
			var fw *kflate.Writer
			for j := range p.jobs {
				if fw == nil {
					fw, j.err = kflate.NewWriter(&j.out, level)
				} else {
					fw.Reset(&j.out)
				}
				if j.err == nil {
					_, j.err = fw.Write(j.in)
				}
				if j.err == nil {
					if j.final {
						j.err = fw.Close()
					} else {
						j.err = fw.Flush()
					}
				}
				j.done <- struct{}{}
			}
		}()
	}
	go func() {
		for j := range p.order {
			<-j.done
			err := j.err
			if err == nil {
				_, err = d.out.Write(j.out.Bytes())
			}
			if err != nil && p.err == nil {
				p.err = err
			}
			j.in, j.final, j.err = j.in[:0], false, nil
			j.out.Reset()
			p.free <- j
			p.busy.Done()
		}
	}()
	d.par = p
}

// write adds b to the open chunk, submitting every full one.
func (p *parDeflate) write(b []byte) {
	for len(b) > 0 {
		k := min(len(b), parChunk-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == parChunk {
			p.submit(false)
		}
	}
}

// submit hands the open chunk, possibly empty, to the compressors.
func (p *parDeflate) submit(final bool) {
	j := <-p.free
	// The chunk's buffer goes with the job, and the spent job's becomes
	// the open chunk: no byte is copied twice.
	j.in, p.buf = p.buf, j.in[:0]
	j.final = final
	p.busy.Add(1)
	p.order <- j
	p.jobs <- j
}

// end submits the part's last chunk, ending the stream when final, and
// returns when every chunk is written, with the first error.
func (p *parDeflate) end(final bool) error {
	p.submit(final)
	p.busy.Wait()
	return p.err
}

// stopPar ends d's chunk goroutines, if it has them; they finish the
// chunks still in flight (after a failure) on their own. d is not used
// after.
func (d *segDeflater) stopPar() {
	if d.par != nil {
		close(d.par.jobs)
		close(d.par.order)
		d.par = nil
	}
}
