package run

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

type codedFact struct {
	f     analysis.UnitFact
	coded bool
	label string
}

// randomFacts makes n facts like a store's: runs of one source and
// respondent, IDs sharing prefixes, codes from a small set, empty strings.
func randomFacts(rng *rand.Rand, n int) []codedFact {
	codes := []string{"werkdruk", "kwaliteit", "keuzevrijheid", "", "é€😀"}
	var out []codedFact
	src, resp := "enquete", "R-1"
	for i := range n {
		if rng.IntN(20) == 0 {
			src = []string{"enquete", "interviews", ""}[rng.IntN(3)]
		}
		if rng.IntN(3) == 0 {
			resp = fmt.Sprintf("R-%d", rng.IntN(1000))
		}
		f := analysis.UnitFact{ID: fmt.Sprintf("%s/%s/Q%d", src, resp, i%7), Source: src, Respondent: resp,
			Context: rng.IntN(5) == 0, Survey: rng.IntN(2) == 0, Good: rng.IntN(2) == 0}
		coded := rng.IntN(4) != 0
		if coded {
			for range rng.IntN(4) {
				f.Codes = append(f.Codes, codes[rng.IntN(len(codes))])
			}
			for range rng.IntN(3) {
				f.Shown = append(f.Shown, codes[rng.IntN(len(codes))])
			}
		}
		out = append(out, codedFact{f, coded, []string{"Q_open1", "Q_open2", "", "Interviewer", "R"}[rng.IntN(5)]})
	}
	return out
}

// writeFacts writes parts of facts to a facts file at path.
func writeFacts(t *testing.T, path string, parts map[string][]codedFact, order []string) {
	t.Helper()
	w, err := newFactsWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range order {
		w.begin(key)
		for _, cf := range parts[key] {
			w.add(&cf.f, cf.coded, cf.label)
		}
	}
	if err := w.commit(path); err != nil {
		t.Fatal(err)
	}
}

func readFacts(t *testing.T, ff *factsFile, key string) []codedFact {
	t.Helper()
	var got []codedFact
	if err := ff.each(key, func(f *analysis.UnitFact, coded bool, label string) error {
		c := *f
		c.Codes, c.Shown = append([]string(nil), f.Codes...), append([]string(nil), f.Shown...)
		got = append(got, codedFact{c, coded, label})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// normal is how a fact reads back: empty lists as nil.
func normal(fs []codedFact) []codedFact {
	out := make([]codedFact, len(fs))
	for i, cf := range fs {
		cf.f.Codes, cf.f.Shown = append([]string(nil), cf.f.Codes...), append([]string(nil), cf.f.Shown...)
		out[i] = cf
	}
	return out
}

// Facts read back as they were written, part by part, and a kept part is
// carried into the next file byte for byte.
func TestFactsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db.facts")
	rng := rand.New(rand.NewPCG(1, 2))
	// "a" is written in several pieces (factsChunk).
	parts := map[string][]codedFact{"a": randomFacts(rng, 20000), "b": nil, "c": randomFacts(rng, 3)}
	writeFacts(t, path, parts, []string{"a", "b", "c"})
	ff := openFacts(path)
	if ff == nil {
		t.Fatal("facts file not opened")
	}
	for key, want := range parts {
		if !ff.has(key) {
			t.Fatalf("part %s missing", key)
		}
		if got := readFacts(t, ff, key); !reflect.DeepEqual(got, normal(want)) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("part %s: read back differs", key)
		}
	}
	if ff.has("d") {
		t.Error("has an unknown part")
	}

	next := filepath.Join(dir, "next.facts")
	w, err := newFactsWriter(next)
	if err != nil {
		t.Fatal(err)
	}
	w.keep(ff, "c")
	w.begin("d")
	d := randomFacts(rng, 10)
	for _, cf := range d {
		w.add(&cf.f, cf.coded, cf.label)
	}
	w.keep(ff, "a")
	if err := w.commit(next); err != nil {
		t.Fatal(err)
	}
	ff.close()
	nf := openFacts(next)
	if nf == nil {
		t.Fatal("next facts file not opened")
	}
	defer nf.close()
	for key, want := range map[string][]codedFact{"a": parts["a"], "c": parts["c"], "d": d} {
		if got := readFacts(t, nf, key); !reflect.DeepEqual(got, normal(want)) {
			t.Errorf("next file, part %s: read back differs", key)
		}
	}
	if nf.has("b") {
		t.Error("a part not kept is still there")
	}
}

// Any damage to a facts file makes openFacts refuse it (a rerun then reads
// the units), rather than hand the analysis wrong facts.
func TestDamagedFactsAreNotUsed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db.facts")
	rng := rand.New(rand.NewPCG(3, 4))
	writeFacts(t, path, map[string][]codedFact{"a": randomFacts(rng, 50), "b": randomFacts(rng, 50)}, []string{"a", "b"})
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		b := bytes.Clone(good)
		b[i] ^= 0x5a
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if ff := openFacts(path); ff != nil {
			ff.close()
			t.Fatalf("byte %d of %d changed: the facts file was still used", i, len(b))
		}
	}
	for _, n := range []int{0, 1, len(good) / 2, len(good) - 1} {
		if err := os.WriteFile(path, good[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		if ff := openFacts(path); ff != nil {
			ff.close()
			t.Fatalf("cut to %d bytes: the facts file was still used", n)
		}
	}
	if openFacts(filepath.Join(dir, "none")) != nil {
		t.Error("a missing facts file was opened")
	}
}

// The decoder never panics or allocates without bound on any bytes, and
// what it accepts it re-encodes to the same facts.
func FuzzFactDecoder(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	enc := newFactEncoder()
	for _, cf := range randomFacts(rng, 20) {
		enc.add(&cf.f, cf.coded, cf.label)
	}
	f.Add(enc.buf)
	f.Add([]byte{})
	f.Add([]byte{0x30, 0, 1, 'a', 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := newFactDecoder(bufio.NewReader(bytes.NewReader(b)))
		var facts []codedFact
		for range 1000 {
			fct, coded, label, err := dec.next()
			if err != nil {
				break
			}
			c := *fct
			c.Codes, c.Shown = append([]string(nil), fct.Codes...), append([]string(nil), fct.Shown...)
			facts = append(facts, codedFact{c, coded, label})
		}
		enc := newFactEncoder()
		for _, cf := range facts {
			enc.add(&cf.f, cf.coded, cf.label)
		}
		again := newFactDecoder(bufio.NewReader(bytes.NewReader(enc.buf)))
		for i, want := range facts {
			got, coded, label, err := again.next()
			if err != nil {
				t.Fatalf("fact %d: re-encoded facts do not decode: %v", i, err)
			}
			c := *got
			c.Codes, c.Shown = append([]string(nil), got.Codes...), append([]string(nil), got.Shown...)
			if !reflect.DeepEqual(codedFact{c, coded, label}, want) {
				t.Fatalf("fact %d: %+v, want %+v", i, c, want)
			}
		}
	})
}

func randomRespondents(rng *rand.Rand, n int) []study.Respondent {
	var out []study.Respondent
	waves := []string{"", "2025", "2026"}
	for i := range n {
		r := study.Respondent{ID: fmt.Sprintf("R-%05d", rng.IntN(100000)), Source: []string{"enquete", "enquete", "interviews"}[i%3],
			File: "f.csv", Wave: waves[rng.IntN(3)]}
		switch rng.IntN(5) {
		case 0:
			r.Weight = 0
		case 1:
			r.Weight = math.NaN()
		case 2:
			r.Weight = -1.5
		default:
			r.Weight = rng.Float64() * 3
		}
		for _, a := range []string{"sector", "regio", "é"} {
			if rng.IntN(3) > 0 {
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[a] = []string{"zorg", "", "Noord-Holland", "😀"}[rng.IntN(4)]
			}
		}
		if rng.IntN(2) == 0 {
			r.Likert = map[string]int{"Q_tevreden": rng.IntN(7) - 1, "Q2": 1 << 40}
		}
		out = append(out, r)
	}
	return out
}

// Respondents read back as written (closed answers are never kept); NaN
// weights keep their bits.
func TestRespondentFactsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db.respondents")
	rng := rand.New(rand.NewPCG(11, 12))
	want := randomRespondents(rng, 5000)
	w, err := newFactsWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	w.begin("k")
	for i := range want {
		w.addRespondent(&want[i])
	}
	w.begin("empty")
	if err := w.commit(path); err != nil {
		t.Fatal(err)
	}
	ff := openFacts(path)
	if ff == nil {
		t.Fatal("not opened")
	}
	defer ff.close()
	var got []study.Respondent
	if err := ff.eachRespondent("k", "f.csv", func(r study.Respondent) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d respondents, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Float64bits(g.Weight) != math.Float64bits(w.Weight) {
			t.Fatalf("respondent %d: weight %v, want %v", i, g.Weight, w.Weight)
		}
		g.Weight, w.Weight = 0, 0
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("respondent %d: %+v, want %+v", i, g, w)
		}
	}
	if !ff.has("empty") || ff.parts["empty"].n != 0 {
		t.Error("the empty part is not kept as empty")
	}
}

// The respondent decoder never panics on any bytes.
func FuzzRespondentDecoder(f *testing.F) {
	enc := newFactEncoder()
	for _, r := range randomRespondents(rand.New(rand.NewPCG(1, 1)), 10) {
		enc.addRespondent(&r)
	}
	f.Add(enc.buf)
	f.Add([]byte{3, 0, 1, 'x', 1, 'e', 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := newFactDecoder(bufio.NewReader(bytes.NewReader(b)))
		for range 1000 {
			if _, err := dec.respondent("f"); err != nil {
				return
			}
		}
	})
}
