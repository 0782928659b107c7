package ingest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// naiveRepeats is what idLines must find, from a map of every ID.
func naiveRepeats(ids []string, lines []int) []*repeatedID {
	at := map[string]*repeatedID{}
	var order []*repeatedID
	for i, id := range ids {
		d := at[id]
		if d == nil {
			d = &repeatedID{id: id}
			at[id] = d
			order = append(order, d)
		}
		d.lines = append(d.lines, lines[i])
	}
	var out []*repeatedID
	for _, d := range order {
		if len(d.lines) > 1 {
			out = append(out, d)
		}
	}
	return out
}

// idLines sorts the IDs with their lines, in memory or in runs on disk; it
// must report every repeated ID with its text and all its lines, in order
// of first appearance, wherever the runs split an ID's rows.
func TestIDLinesFindsEveryRepeat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for round := range 300 {
		n := rng.IntN(5000)
		distinct := 1 + rng.IntN(n+1)
		unique := round%3 == 0 // as a real export
		if unique {
			distinct = n
		}
		s := idLines{limit: []int{0, 1, 64, 4096}[rng.IntN(4)]}
		ids, lines := make([]string, n), make([]int, n)
		line := 1 + rng.IntN(3)
		for i := range n {
			ids[i] = fmt.Sprintf("R_%x", rng.IntN(distinct))
			if unique {
				ids[i] = fmt.Sprintf("R_%x", i)
			}
			lines[i] = line
			s.add(ids[i], line)
			line += 1 + rng.IntN(3) // multi-line records skip lines
		}
		got, err := s.repeated()
		if err != nil {
			t.Fatal(err)
		}
		want := naiveRepeats(ids, lines)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d, %d rows of %d IDs: got %d repeats, want %d; first got %+v, want %+v",
				round, n, distinct, len(got), len(want), first(got), first(want))
		}
	}
}

func first(ds []*repeatedID) *repeatedID {
	if len(ds) == 0 {
		return nil
	}
	return ds[0]
}
