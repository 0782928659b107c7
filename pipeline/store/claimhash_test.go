package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestClaimHashesOracle compares maybeShared with a map of every claim, on
// random claims from a few files with few distinct hashes (so shared ones
// are common), spilled in runs of every size from one claim to more than
// all, and on large sets of distinct hashes (enough for the radix sort
// and for slices of the hashes' range when merging) where at most one
// hash recurs, at random places: a hash two files share must be found
// whatever runs its claims are in, and none may be found when none is.
func TestClaimHashesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 3000 {
		n := rng.IntN(200)
		files := 1 + rng.IntN(4)
		distinct := uint64(1 + rng.IntN(4*n+1))
		spill := []int{1, 2, 3, 5, 16, 1000}[trial%6]
		large := trial%10 == 0
		if large {
			n = 1 + rng.IntN(20000)
			distinct = 1 << 62
			spill = []int{300, 1000, 4000, claimBufLen}[trial/10%4]
		}
		c := claimHashes{max: spill}
		owner := map[uint64]int{}
		want := false
		var claims []claimHash
		claim := func(h uint64, file int) {
			claims = append(claims, claimHash{h, int32(file)})
			if f, ok := owner[h]; ok && f != file {
				want = true
			}
			owner[h] = file
			if err := c.add(h, file); err != nil {
				t.Fatal(err)
			}
		}
		// Hashes spread over the whole range, so the comparisons see high
		// bits too.
		hs := make([]uint64, n)
		for i := range hs {
			hs[i] = rng.Uint64N(distinct) * 0x9e3779b97f4a7c15
		}
		if large {
			hs = slices.Insert(hs, rng.IntN(n+1), hs[rng.IntN(n)])
		}
		for _, h := range hs {
			claim(h, rng.IntN(files))
		}
		got, err := c.maybeShared()
		c.close()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("trial %d (%d claims, runs of %d): maybeShared = %v, want %v", trial, len(claims), spill, got, want)
		}
	}
}

// TestClaimHashesSharedAcrossRuns places the one hash two files share in
// the first and the last of many runs.
func TestClaimHashesSharedAcrossRuns(t *testing.T) {
	for _, shared := range []bool{false, true} {
		c := claimHashes{max: 100}
		if err := c.add(42, 0); err != nil {
			t.Fatal(err)
		}
		for i := range 10000 {
			if err := c.add(uint64(1000+i*7919), i%3); err != nil {
				t.Fatal(err)
			}
		}
		last := 0
		if shared {
			last = 2
		}
		if err := c.add(42, last); err != nil {
			t.Fatal(err)
		}
		if len(c.runs) < 100 {
			t.Fatalf("%d runs, want 100", len(c.runs))
		}
		got, err := c.maybeShared()
		c.close()
		if err != nil || got != shared {
			t.Errorf("%s: maybeShared = %v, %v; want %v", fmt.Sprint("shared ", shared), got, err, shared)
		}
	}
}
