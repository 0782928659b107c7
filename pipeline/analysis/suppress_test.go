package analysis

import (
	"math/rand/v2"
	"testing"
)

func TestSuppressGridExamples(t *testing.T) {
	sens := func(n int) bool { return n > 0 && n < 5 }
	cases := []struct {
		name string
		n    [][]int
		tot  []int
		want [][]bool
	}{
		{"a table without small cells hides nothing", [][]int{{10, 12}}, []int{20, 20}, [][]bool{{false, false}}},
		{"zeros are shown", [][]int{{0, 12}, {0, 0}}, []int{20, 20}, [][]bool{{false, false}, {false, false}}},
		{"a lone small cell takes the smallest other cell of its row with it", [][]int{{3, 12, 9}}, []int{20, 20, 20}, [][]bool{{true, false, true}}},
		{"a small complement counts as a small cell", [][]int{{18, 10}}, []int{20, 20}, [][]bool{{true, true}}},
		{"columns are protected too", [][]int{{3, 6}, {8, 9}}, []int{20, 20}, [][]bool{{true, true}, {true, true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := suppressGrid(c.n, c.tot, nil, 0, sens)
			for r := range got {
				for k := range got[r] {
					if got[r][k] != c.want[r][k] {
						t.Fatalf("got %v, want %v", got, c.want)
					}
				}
			}
		})
	}
	t.Run("a small hidden remainder forces one suppression in its row", func(t *testing.T) {
		got := suppressGrid([][]int{{10, 12}}, []int{20, 20}, []int{2}, 10, sens)
		if !got[0][0] || got[0][1] {
			t.Errorf("got %v", got)
		}
	})
}

// TestSuppressGridProperty checks, over random tables, that every small
// cell is hidden and that no hidden cell that needs protection is the only
// unknown in a row (whose total is published) or column.
func TestSuppressGridProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 3000 {
		minCell := 2 + rng.IntN(9)
		sens := func(n int) bool { return n > 0 && n < minCell }
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		tot := make([]int, cols)
		for c := range tot {
			tot[c] = rng.IntN(40)
		}
		n := make([][]int, rows)
		rest := make([]int, rows)
		restTot := 0
		if rng.IntN(2) == 0 {
			restTot = rng.IntN(12)
		}
		for r := range n {
			n[r] = make([]int, cols)
			for c := range n[r] {
				if tot[c] > 0 {
					n[r][c] = rng.IntN(tot[c] + 1)
				}
			}
			if restTot > 0 {
				rest[r] = rng.IntN(restTot + 1)
			}
		}
		s := suppressGrid(n, tot, rest, restTot, sens)
		for r := range n {
			hidden, suppressed := 0, 0
			for c := range n[r] {
				if (sens(n[r][c]) || sens(tot[c]-n[r][c])) && !s[r][c] {
					t.Fatalf("iter %d: small cell %d/%d at (%d,%d) shown", iter, n[r][c], tot[c], r, c)
				}
				if s[r][c] {
					suppressed++
				}
			}
			hidden = suppressed
			restNeeds := false
			if restTot > 0 {
				hidden++
				restNeeds = sens(rest[r]) || sens(restTot-rest[r])
			}
			if hidden == 1 && (suppressed == 1 || restNeeds) && suppressed < cols {
				t.Fatalf("iter %d: row %d of %v (tot %v, rest %d/%d) has one recoverable hidden cell: %v", iter, r, n, tot, rest[r], restTot, s)
			}
		}
		if rows < 2 {
			continue
		}
		for c := range cols {
			suppressed := 0
			for r := range n {
				if s[r][c] {
					suppressed++
				}
			}
			if suppressed == 1 {
				t.Fatalf("iter %d: column %d has a single suppressed cell: %v", iter, c, s)
			}
		}
	}
}
