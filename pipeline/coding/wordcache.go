package coding

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// wordCache maps folded words to what a matcher knows about them. It is
// read once per word form of every unit by every worker, so reading takes
// no lock and no interface conversion: an insert-only open-addressing
// table of atomic pointers, which sync.Map's lookup cost three times as
// much as. Entries are never removed, so a reader that finds an empty
// slot knows the word is absent.
type wordCache struct {
	seed uint64
	tab  atomic.Pointer[wordTable]
	grow sync.Mutex // serialises growing
	max  int        // slots at most
}

type wordTable struct {
	mask  uint64
	slots []atomic.Pointer[wordEntry]
	n     atomic.Int64
}

type wordEntry struct {
	hash uint64
	word string
	info *wordInfo
}

const (
	minWordSlots = 1 << 12
	// maxWordSlots bounds the cache (at 3/4 full, about 1.5 million
	// words), so odd input (random strings, a corpus of part numbers)
	// cannot take all memory; words beyond are looked up each time.
	maxWordSlots = 1 << 21
)

func newWordCache() *wordCache {
	c := &wordCache{seed: maphash.Comparable(maphash.MakeSeed(), 0), max: maxWordSlots}
	c.tab.Store(newWordTable(minWordSlots))
	return c
}

func newWordTable(n int) *wordTable {
	return &wordTable{mask: uint64(n - 1), slots: make([]atomic.Pointer[wordEntry], n)}
}

// get returns the cached info for w, computing and caching it with
// compute when absent.
func (c *wordCache) get(w string, compute func(string) *wordInfo) *wordInfo {
	t := c.tab.Load()
	h := wordHash(c.seed, w)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := t.slots[i].Load()
		if e == nil {
			break
		}
		if e.hash == h && e.word == w {
			return e.info
		}
	}
	// w may point into the unit's text, which the cache must not keep
	// alive, or into a buffer the next unit overwrites, which compute's
	// info (a stem may be w itself) must not share.
	w = strings.Clone(w)
	wi := compute(w)
	c.put(t, &wordEntry{hash: h, word: w, info: wi})
	return wi
}

// put adds e to t, or to its successor when t is three quarters full.
// Losing an entry to a concurrent growth only costs a later recompute.
func (c *wordCache) put(t *wordTable, e *wordEntry) {
	if t.n.Load() >= int64(len(t.slots))/4*3 {
		if t = c.grown(t); t == nil {
			return
		}
	}
	for i := e.hash & t.mask; ; i = (i + 1) & t.mask {
		if t.slots[i].CompareAndSwap(nil, e) {
			t.n.Add(1)
			return
		}
		// Another worker filled the slot first, perhaps with this word.
		if o := t.slots[i].Load(); o.hash == e.hash && o.word == e.word {
			return
		}
	}
}

// grown returns the table that replaces t, twice its size, or nil when
// the cache is at its bound.
func (c *wordCache) grown(t *wordTable) *wordTable {
	c.grow.Lock()
	defer c.grow.Unlock()
	if cur := c.tab.Load(); cur != t {
		if cur.n.Load() >= int64(len(cur.slots))/4*3 {
			return nil // grown by another worker and full again: wait for the next put
		}
		return cur
	}
	if len(t.slots) >= c.max {
		return nil
	}
	nt := newWordTable(2 * len(t.slots))
	for i := range t.slots {
		e := t.slots[i].Load()
		if e == nil {
			continue
		}
		for j := e.hash & nt.mask; ; j = (j + 1) & nt.mask {
			if nt.slots[j].Load() == nil {
				nt.slots[j].Store(e)
				nt.n.Add(1)
				break
			}
		}
	}
	c.tab.Store(nt)
	return nt
}

// wordHash hashes w under seed as wyhash does (a multiply-fold of its
// first and last eight bytes, or of each sixteen and the last sixteen): words are
// short, and hash/maphash's calls down to the runtime's hash took two
// fifths of a look-up.
func wordHash(seed uint64, w string) uint64 {
	const (
		k0 = 0xa0761d6478bd642f
		k1 = 0xe7037ed1a0b428db
		k2 = 0x8ebc6af09c88c6e3
	)
	b := unsafe.Slice(unsafe.StringData(w), len(w))
	n := len(b)
	seed ^= k0
	var a, z uint64
	switch {
	case n > 16:
		for i := 0; i+16 < n; i += 16 {
			seed = mix(binary.LittleEndian.Uint64(b[i:])^k1, binary.LittleEndian.Uint64(b[i+8:])^seed)
		}
		// The last sixteen bytes, which may overlap the blocks before.
		a, z = binary.LittleEndian.Uint64(b[n-16:]), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 8:
		a, z = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		a, z = uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n > 0:
		a = uint64(b[0])<<16 | uint64(b[n>>1])<<8 | uint64(b[n-1])
	}
	return mix(k1^uint64(n), mix(a^k1, z^seed)^k2)
}

// mix is wyhash's multiply-fold: the high and low halves of a*b, xored.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}
