package analysis

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// respIndex must answer as a map keyed by (source, ID) would, also when
// keys share a hash: with a hash of only a few values most keys clash.
func TestRespIndexEqualsAMap(t *testing.T) {
	for _, buckets := range []uint64{0, 1, 3, 1 << 62} {
		t.Run(fmt.Sprintf("hash values %d", buckets), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, buckets))
			m := &model{srcIdx: map[string]int32{}}
			x := newRespIndex(m.isResp)
			if buckets > 0 {
				// The index keeps and compares the upper half of a hash.
				x.hashOf = func(k respKey) uint64 { return uint64(len(k.source)*31+len(k.id)) % buckets << 32 }
			}
			want := map[respKey]int32{}
			for range 5000 {
				k := respKey{[]string{"survey", "interviews", "s"}[rng.IntN(3)], fmt.Sprintf("R%d", rng.IntN(3000))}
				next := int32(len(m.resp))
				gotI, gotOK := x.add(k, next)
				wantI, wantOK := want[k]
				if !wantOK {
					wantI = next
				}
				if gotOK != wantOK || gotI != wantI {
					t.Fatalf("add(%v, %d) = %d, %v; want %d, %v", k, next, gotI, gotOK, wantI, wantOK)
				}
				if !gotOK {
					if err := m.addRespondent(k.id, m.sourceIndex(k.source), -1); err != nil {
						t.Fatal(err)
					}
					want[k] = next
				}
			}
			if tags := map[uint64]bool{}; buckets > 0 && buckets < 10 {
				for k := range want {
					tags[x.hashOf(k)>>32] = true
				}
				if len(tags) >= len(want) {
					t.Fatal("no clashes with a tiny hash; the test proves nothing")
				}
			}
		})
	}
}
