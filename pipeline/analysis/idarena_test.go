package analysis

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// idArena must behave as the IDs' own strings would: the same ID back,
// equality only with itself, and byte order. Packed and spelled-out IDs are
// mixed, with IDs one change away from packing (upper-case hex, a digit
// short or over, another prefix), so a packing that loses or invents
// information fails.
func TestIDArenaActsAsStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	gen := func() string {
		v := rng.Uint64() >> 16
		if rng.IntN(4) == 0 {
			v &= 0xff // many share leading zeros
		}
		switch rng.IntN(8) {
		case 0:
			return fmt.Sprintf("R-%012X", v)
		case 1:
			return fmt.Sprintf("R-%011x", v>>4)
		case 2:
			return fmt.Sprintf("R-%013x", v)
		case 3:
			return fmt.Sprintf("Q-%012x", v)
		case 4:
			return fmt.Sprintf("I-%d", rng.IntN(50))
		case 5:
			return fmt.Sprintf("R-%012x ", v)
		default:
			return fmt.Sprintf("R-%012x", v)
		}
	}
	var a idArena
	type stored struct {
		id    string
		at, n uint32
	}
	var ids []stored
	packed := 0
	for range 4000 {
		id := gen()
		at, n, err := a.add(id)
		if err != nil {
			t.Fatal(err)
		}
		if n&packedID != 0 {
			packed++
		}
		ids = append(ids, stored{id, at, n})
	}
	if packed < 1000 || packed == len(ids) {
		t.Fatalf("%d of %d IDs packed; the test needs both kinds", packed, len(ids))
	}
	for i, x := range ids {
		if got := a.get(x.at, x.n); got != x.id {
			t.Fatalf("get(%q) = %q", x.id, got)
		}
		for range 20 {
			y := ids[rng.IntN(len(ids))]
			if got, want := a.equal(x.at, x.n, y.id), x.id == y.id; got != want {
				t.Fatalf("equal(%q, %q) = %v", x.id, y.id, got)
			}
			if got, want := a.compare(x.at, x.n, y.at, y.n), bytes.Compare([]byte(x.id), []byte(y.id)); got != want {
				t.Fatalf("compare(%q, %q) = %d, want %d", x.id, y.id, got, want)
			}
		}
		if other := gen(); a.equal(x.at, x.n, other) != (other == x.id) {
			t.Fatalf("equal(%q, %q) wrong (#%d)", x.id, other, i)
		}
	}
}

// FuzzIDArena checks the same for any two IDs.
func FuzzIDArena(f *testing.F) {
	f.Add("R-0123456789ab", "R-0123456789ac")
	f.Add("R-ffffffffffff", "R-000000000000")
	f.Add("R-0123456789AB", "R-0123456789ab")
	f.Fuzz(func(t *testing.T, x, y string) {
		var a idArena
		atX, nX, errX := a.add(x)
		atY, nY, errY := a.add(y)
		if errX != nil || errY != nil {
			t.Skip()
		}
		if a.get(atX, nX) != x || a.get(atY, nY) != y {
			t.Fatalf("get lost an ID: %q %q", x, y)
		}
		if a.equal(atX, nX, y) != (x == y) {
			t.Fatalf("equal(%q, %q) wrong", x, y)
		}
		if got, want := a.compare(atX, nX, atY, nY), bytes.Compare([]byte(x), []byte(y)); got != want {
			t.Fatalf("compare(%q, %q) = %d, want %d", x, y, got, want)
		}
	})
}
