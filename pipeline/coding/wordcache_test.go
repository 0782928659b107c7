package coding

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Workers reading and filling the cache at once, through several growths,
// must each get every word's own info, and the cache must stop growing at
// its bound.
func TestWordCacheUnderConcurrentGrowth(t *testing.T) {
	c := newWordCache()
	const words = 5 * minWordSlots
	compute := func(w string) *wordInfo { return &wordInfo{stem: w} }
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 {
				for i := range words {
					w := fmt.Sprint("w", (i*7+g*13+round)%words)
					if got := c.get(w, compute); got.stem != w {
						errs <- fmt.Sprintf("get(%q) = info of %q", w, got.stem)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	tab := c.tab.Load()
	if len(tab.slots) < words/3*4 {
		t.Errorf("the table has %d slots for %d words: it did not grow", len(tab.slots), words)
	}
	computed := 0
	counting := func(w string) *wordInfo { computed++; return compute(w) }
	for i := range words {
		c.get(fmt.Sprint("w", i), counting)
	}
	// Entries put into a table while it was being replaced may be lost;
	// nearly all must be there.
	if computed > words/10 {
		t.Errorf("%d of %d words were not cached", computed, words)
	}
}

func TestWordCacheStopsAtItsBound(t *testing.T) {
	c := newWordCache()
	c.max = 4 * minWordSlots
	for i := range c.max {
		c.get(fmt.Sprint(i), func(w string) *wordInfo { return &wordInfo{stem: w} })
	}
	tab := c.tab.Load()
	if len(tab.slots) != c.max || tab.n.Load() > int64(c.max)/4*3 {
		t.Errorf("the cache holds %d words in %d slots; want at most 3/4 of %d", tab.n.Load(), len(tab.slots), c.max)
	}
	if got := c.get("x", func(w string) *wordInfo { return &wordInfo{stem: "fresh"} }); got.stem != "fresh" {
		t.Errorf("a word beyond the bound gets %q", got.stem)
	}
}

// wordHash must read every byte of a word and its length: words that
// differ in one byte, or are prefixes of each other, must not collide (a
// collision costs only a probe, but one byte left unread would make every
// word differing there collide).
func TestWordHashReadsEveryByte(t *testing.T) {
	seen := map[uint64]string{}
	add := func(w string) {
		h := wordHash(12345, w)
		if o, ok := seen[h]; ok && o != w {
			t.Fatalf("wordHash(%q) == wordHash(%q)", w, o)
		}
		seen[h] = w
	}
	for n := 0; n <= 70; n++ {
		base := []byte(strings.Repeat("a", n))
		add(string(base))
		for i := range n {
			for _, c := range []byte("bz0é") {
				w := slices.Clone(base)
				w[i] = c
				add(string(w))
			}
		}
	}
	if wordHash(1, "werkdruk") == wordHash(2, "werkdruk") {
		t.Error("the seed does not change the hash")
	}
}
