package store

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
)

// claimHashes answers whether two files claimed IDs of the same 64-bit
// hash, for Claims, in memory that does not grow with the claims: a full
// buffer of claims is sorted by hash and written to a temporary file as a
// run, and at the end the runs are read back one slice of the hash range
// at a time, a little of each run at a time, each slice sorted and checked
// as a run is (an external sort that stops at the first shared hash).
// Holding every claim's hash in memory took 16 bytes a claim, 33 MB at
// 1,000,000 survey responses (1.9 million units), growing with the corpus
// (issue 10); now the buffer and the sort's space take 2.3 MB, and each
// run 6 KB while it is read back (30 runs at 1.9 million claims).
type claimHashes struct {
	buf []claimHash
	// max is how many claims buf takes before it is written out.
	max int
	// shared is set once two files are known to claim a hash; nothing
	// needs to be kept after that.
	shared bool
	spill  *os.File
	// removed: spill's name is gone already.
	removed bool
	runs    []claimRun
	end     int64 // where the next run goes in spill
	enc     []byte
	// tmp and count are sortRun's.
	tmp   []claimHash
	count []int32
}

type claimHash struct {
	h    uint64
	file int32
}

// claimRun is a sorted run in the spill file: n claims at off.
type claimRun struct {
	off int64
	n   int
}

const (
	// claimBufLen is how many claims the buffer holds (1 MB). More means
	// fewer runs to merge but more memory; at 1.9 million claims it makes
	// 30 runs.
	claimBufLen = 1 << 16
	// claimRecLen is a claim's size in the spill file: hash and file.
	claimRecLen = 12
	// claimReadLen is how many claims a run's reader holds while merging.
	claimReadLen = 512
)

// add records that file claims an ID of hash h.
func (c *claimHashes) add(h uint64, file int) error {
	if c.shared {
		return nil
	}
	if c.max == 0 {
		c.max = claimBufLen
	}
	if c.buf == nil {
		c.buf = make([]claimHash, 0, min(c.max, 1024))
	}
	c.buf = append(c.buf, claimHash{h, int32(file)})
	if len(c.buf) < c.max {
		return nil
	}
	return c.writeRun()
}

// sortRun sorts buf by hash and drops repeats of a (hash, file) pair,
// setting shared if two files claim a hash.
func (c *claimHashes) sortRun() { c.sortRunFrom(64 - radixBits) }

// sortRunFrom is sortRun for hashes that share the bits above shift +
// radixBits.
func (c *claimHashes) sortRunFrom(shift uint) {
	c.radixSort(shift)
	out := c.buf[:0]
	for i, x := range c.buf {
		if i > 0 && x.h == out[len(out)-1].h {
			if x.file != out[len(out)-1].file {
				c.shared = true
				return
			}
			continue
		}
		out = append(out, x)
	}
	c.buf = out
}

// radixBits is how many of a hash's top bits radixSort distributes by.
const radixBits = 16

// radixSort sorts buf by hash: one counting pass over radixBits of the
// hashes from bit shift up, which are uniform, leaves about one claim a
// bucket for an insertion sort to order. The bits above them must be the
// same in every hash. slices.SortFunc took 220 ns a claim, as much as the
// claim's insert.
func (c *claimHashes) radixSort(shift uint) {
	if len(c.buf) < 256 {
		slices.SortFunc(c.buf, func(a, b claimHash) int { return cmp.Compare(a.h, b.h) })
		return
	}
	if c.count == nil {
		c.count = make([]int32, 1<<radixBits+1)
	}
	count := c.count
	clear(count)
	const mask = 1<<radixBits - 1
	for _, x := range c.buf {
		count[x.h>>shift&mask+1]++
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	c.tmp = slices.Grow(c.tmp[:0], len(c.buf))[:len(c.buf)]
	tmp := c.tmp
	for _, x := range c.buf {
		b := x.h >> shift & mask
		tmp[count[b]] = x
		count[b]++
	}
	// count[b] is now where bucket b ends.
	start := int32(0)
	for _, end := range count[:len(count)-1] {
		for i := start + 1; i < end; i++ {
			for j := i; j > start && tmp[j].h < tmp[j-1].h; j-- {
				tmp[j], tmp[j-1] = tmp[j-1], tmp[j]
			}
		}
		start = end
	}
	c.buf, c.tmp = tmp, c.buf
}

// writeRun sorts the buffer and appends it to the spill file as a run.
func (c *claimHashes) writeRun() error {
	c.sortRun()
	if c.shared {
		c.buf = nil
		return nil
	}
	if c.spill == nil {
		f, err := os.CreateTemp("", "veldstem-claims-*")
		if err != nil {
			return err
		}
		c.spill = f
		// Unlinked while open where the system allows it, so a killed
		// run leaves nothing behind; elsewhere close removes it.
		c.removed = os.Remove(f.Name()) == nil
	}
	const chunk = 4096
	for start := 0; start < len(c.buf); start += chunk {
		part := c.buf[start:min(start+chunk, len(c.buf))]
		c.enc = c.enc[:0]
		for _, x := range part {
			c.enc = binary.LittleEndian.AppendUint64(c.enc, x.h)
			c.enc = binary.LittleEndian.AppendUint32(c.enc, uint32(x.file))
		}
		if _, err := c.spill.WriteAt(c.enc, c.end+int64(start)*claimRecLen); err != nil {
			return err
		}
	}
	c.runs = append(c.runs, claimRun{c.end, len(c.buf)})
	c.end += int64(len(c.buf)) * claimRecLen
	c.buf = c.buf[:0]
	return nil
}

// maybeShared reports whether two files claimed IDs of the same hash. It
// is called once, after the last add.
func (c *claimHashes) maybeShared() (bool, error) {
	if c.shared {
		return true, nil
	}
	if len(c.runs) == 0 {
		c.sortRun()
		return c.shared, nil
	}
	if len(c.buf) > 0 {
		if err := c.writeRun(); err != nil || c.shared {
			return c.shared, err
		}
	}
	// The runs are read in slices of the hashes' range, each small enough
	// for the buffer (radixBits of prefix), and every slice is sorted and
	// checked as a run is: a merge of the runs' claims in a heap took
	// twice as long as everything else (a third of a claim's insert).
	total := 0
	readers := make([]*runReader, len(c.runs))
	for i, r := range c.runs {
		total += r.n
		readers[i] = &runReader{f: c.spill, run: r}
		if err := readers[i].next(); err != nil {
			return false, err
		}
	}
	prefix := uint(0)
	for prefix < radixBits && total>>prefix > c.max/2 {
		prefix++
	}
	for s := uint64(0); s < 1<<prefix; s++ {
		c.buf = c.buf[:0]
		for _, r := range readers {
			for !r.done && r.cur.h>>(64-prefix) == s {
				c.buf = append(c.buf, r.cur)
				if err := r.next(); err != nil {
					return false, err
				}
			}
		}
		c.sortRunFrom(64 - prefix - radixBits)
		if c.shared {
			return true, nil
		}
	}
	return false, nil
}

// close removes the spill file.
func (c *claimHashes) close() {
	if c.spill != nil {
		c.spill.Close()
		if !c.removed {
			os.Remove(c.spill.Name())
		}
		c.spill = nil
	}
	c.buf = nil
}

// runReader reads a run of the spill file a few claims at a time.
type runReader struct {
	f    *os.File
	run  claimRun
	read int // claims of run read into buf so far
	buf  []byte
	at   int // next claim's offset in buf
	cur  claimHash
	done bool
}

// next moves cur to the run's next claim, or sets done.
func (r *runReader) next() error {
	if r.at == len(r.buf) {
		if r.read == r.run.n {
			r.done = true
			return nil
		}
		n := min(claimReadLen, r.run.n-r.read)
		if cap(r.buf) < n*claimRecLen {
			r.buf = make([]byte, n*claimRecLen)
		}
		r.buf = r.buf[:n*claimRecLen]
		if _, err := r.f.ReadAt(r.buf, r.run.off+int64(r.read)*claimRecLen); err != nil {
			if err == io.EOF {
				err = fmt.Errorf("claims spill file ends early")
			}
			return err
		}
		r.read += n
		r.at = 0
	}
	b := r.buf[r.at : r.at+claimRecLen]
	r.cur = claimHash{binary.LittleEndian.Uint64(b), int32(binary.LittleEndian.Uint32(b[8:]))}
	r.at += claimRecLen
	return nil
}
