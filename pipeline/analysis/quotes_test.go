package analysis

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedPicks is how quotes chose before quotePicker: a stable sort of all
// candidates (good first, then hash, then unit ID), walked in order taking
// the first candidate of each respondent until per are taken.
func sortedPicks(cands []quoteCand, ids []string, per int) []quoteCand {
	sorted := slices.Clone(cands)
	slices.SortStableFunc(sorted, func(a, b quoteCand) int {
		if a.good != b.good {
			if a.good {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(ids[a.u], ids[b.u]))
	})
	var out []quoteCand
	used := map[[2]string]bool{}
	for _, c := range sorted {
		if len(out) == per {
			break
		}
		if used[[2]string{c.src, c.resp}] {
			continue
		}
		used[[2]string{c.src, c.resp}] = true
		out = append(out, c)
	}
	return out
}

func TestQuotePickerMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	for round := range 20000 {
		// Small ranges make ties common: equal hashes with different IDs,
		// equal IDs (duplicate unit IDs) with different respondents, the
		// same respondent ID in two sources, and several candidates per
		// respondent.
		n := rng.IntN(40)
		hashes := 1 + rng.IntN(6)
		ids := 1 + rng.IntN(8)
		resps := 1 + rng.IntN(10)
		per := 1 + rng.IntN(5)
		cands := make([]quoteCand, n)
		unitIDs := make([]string, n)
		for i := range cands {
			unitIDs[i] = fmt.Sprintf("u%d", rng.IntN(ids))
			cands[i] = quoteCand{u: int32(i), src: fmt.Sprintf("s%d", rng.IntN(2)), resp: fmt.Sprintf("r%d", rng.IntN(resps)), good: rng.IntN(3) > 0,
				hash: uint64(rng.IntN(hashes)), id: unitIDs[i]}
		}
		p := quotePicker{per: per}
		for round%2 == 1 && len(p.picks) < per {
			// A reused picker must forget the last code's picks.
			p.picks = append(p.picks, quoteCand{src: "-", resp: "-", good: true})
		}
		p.reset()
		for _, c := range cands {
			// quotes skips a candidate that is not good when the picks are
			// full of good ones, without offering it.
			if p.full() && !c.good && p.worst().good {
				continue
			}
			p.offer(c)
		}
		want := sortedPicks(cands, unitIDs, per)
		if !slices.Equal(p.picks, want) {
			t.Fatalf("round %d, per %d, candidates %+v:\npicked %+v\nsorted %+v", round, per, cands, p.picks, want)
		}
	}
}

func TestQuoteHashIsFNV1a(t *testing.T) {
	// FNV-1a of "werkdruk\x00survey/R-1/Q1", computed byte by byte.
	h := uint64(14695981039346656037)
	for _, b := range []byte("werkdruk\x00survey/R-1/Q1") {
		h = (h ^ uint64(b)) * 1099511628211
	}
	if got := quoteHash("werkdruk", "survey/R-1/Q1"); got != h {
		t.Errorf("quoteHash = %#x, want %#x", got, h)
	}
}
