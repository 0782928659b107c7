package analysis

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
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
		s := newRecordSorter(limit)
		var want []rec
		for i := range n {
			a := []string{"", "a", "ab", "b", "enquete"}[rng.IntN(5)]
			b := strings.Repeat(string(rune('x'+rng.IntN(3))), rng.IntN(4))
			val := fmt.Appendf(nil, "%d:%s", i, strings.Repeat("v", rng.IntN(300)))
			if err := s.add(a, b, val); err != nil {
				t.Fatal(err)
			}
			want = append(want, rec{a + "\x00" + b, val})
		}
		slices.SortStableFunc(want, func(x, y rec) int { return cmp.Compare(x.key, y.key) })
		it, err := s.records()
		if err != nil {
			t.Fatal(err)
		}
		var got []rec
		for it.next() {
			got = append(got, rec{string(it.key), slices.Clone(it.val)})
		}
		if it.err != nil {
			t.Fatal(it.err)
		}
		if !reflect.DeepEqual(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("round %d (limit %d, %d runs): records out of order or lost", round, limit, len(s.runs))
		}
		s.close()
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
		if _, err := c.next(); !errors.Is(err, errSpillShort) {
			t.Errorf("cut at %d: %v, want errSpillShort", cut, err)
		}
	}
	c := &runCursor{r: bufio.NewReader(bytes.NewReader(enc))}
	if ok, err := c.next(); !ok || err != nil || string(c.key) != "key" || string(c.val) != "va" {
		t.Errorf("whole record: %v %v %q %q", ok, err, c.key, c.val)
	}
}

// Spilling must not change a figure: the tables of studies large and
// small, weighted and not, with unlisted and repeated respondents, are
// the same when every record is a run of its own, when runs hold a few,
// and when all fit in memory.
func TestSpillingGivesTheSameTables(t *testing.T) {
	inputs := map[string]Input{
		"bench":      benchInput(2000, false),
		"weighted":   benchInput(2000, true),
		"unlisted":   withUnlistedRespondents(),
		"pseudonyms": withPseudonyms(benchInput(500, true)),
	}
	rng := rand.New(rand.NewPCG(8, 1))
	for i := range 20 {
		inputs[fmt.Sprintf("quotes%d", i)] = quoteInput(rng)
	}
	for _, name := range sortedKeys(inputs) {
		in := inputs[name]
		want, err := compute(in, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 64, 300} {
			before := spillFiles.Load()
			got, err := compute(in, limit)
			if err != nil {
				t.Fatal(err)
			}
			if spillFiles.Load() == before {
				t.Fatalf("%s, limit %d: nothing spilled; the test proves nothing", name, limit)
			}
			if tablesDigest(t, got) != tablesDigest(t, want) {
				t.Errorf("%s: tables differ when the sorters spill every %d bytes", name, limit)
			}
		}
	}
}

// A zero byte in a source name would break the order of respondent keys.
func TestSourceNameWithAZeroByteIsRefused(t *testing.T) {
	in := Input{Units: []study.Unit{{ID: "u1", Source: "a\x00b", Respondent: "r", Question: "q", Text: "tekst"}}}
	if _, err := Compute(in); err == nil || !strings.Contains(err.Error(), "zero byte") {
		t.Errorf("err = %v, want one about the zero byte", err)
	}
}
