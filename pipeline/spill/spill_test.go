package spill

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The sorter must give what a stable sort of all records by key gives,
// whether they fit its buffer or spill as many runs: keys that are
// prefixes of others, empty parts, equal keys (in the order added), and
// values of any length.
func TestRecordSorterIsAStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type rec struct {
		key string
		val []byte
	}
	for round := range 300 {
		n := rng.IntN(400)
		limit := []int{0, 1, 40, 1 + rng.IntN(2000)}[rng.IntN(4)]
		s := NewSorter(limit)
		var want []rec
		for i := range n {
			a := []string{"", "a", "ab", "b", "enquete"}[rng.IntN(5)]
			b := strings.Repeat(string(rune('x'+rng.IntN(3))), rng.IntN(4))
			val := fmt.Appendf(nil, "%d:%s", i, strings.Repeat("v", rng.IntN(300)))
			if err := s.Add(a, b, val); err != nil {
				t.Fatal(err)
			}
			want = append(want, rec{a + "\x00" + b, val})
		}
		slices.SortStableFunc(want, func(x, y rec) int { return cmp.Compare(x.key, y.key) })
		it, err := s.Records()
		if err != nil {
			t.Fatal(err)
		}
		var got []rec
		for it.Next() {
			got = append(got, rec{string(it.Key()), slices.Clone(it.Val())})
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("round %d (limit %d, %d runs): records out of order or lost", round, limit, len(s.runs))
		}
		s.Close()
	}
}

// A run that ends inside a record (a disk that lost data) is an error,
// not a panic or a short result.
func TestRunCursorRefusesATruncatedRun(t *testing.T) {
	var enc []byte
	enc = append(enc, 3, 2)
	enc = append(enc, "keyva"...)
	for cut := 1; cut < len(enc); cut++ {
		c := &runCursor{r: bufio.NewReader(bytes.NewReader(enc[:cut]))}
		if _, err := c.next(); !errors.Is(err, ErrShort) {
			t.Errorf("cut at %d: %v, want ErrShort", cut, err)
		}
	}
	c := &runCursor{r: bufio.NewReader(bytes.NewReader(enc))}
	if ok, err := c.next(); !ok || err != nil || string(c.key) != "key" || string(c.val) != "va" {
		t.Errorf("whole record: %v %v %q %q", ok, err, c.key, c.val)
	}
}

// A Spool gives back what was written, in order, from memory or, past its
// limit, from its file.
func TestSpoolGivesBackWhatWasWritten(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, limit := range []int{0, 1, 7, 100} {
		s := &Spool{Limit: limit}
		var want []byte
		for i := range 200 {
			b := bytes.Repeat([]byte{byte(i)}, rng.IntN(20))
			if err := s.Write(b); err != nil {
				t.Fatal(err)
			}
			want = append(want, b...)
		}
		r, err := s.Reader()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("limit %d: %d bytes back, want %d, or different", limit, len(got), len(want))
		}
		if (s.file != nil) != (limit > 0) {
			t.Errorf("limit %d: file %v", limit, s.file != nil)
		}
		s.Close()
	}
}
