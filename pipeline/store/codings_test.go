package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// codingCases are codings whose storage is easy to get wrong.
func codingCases() map[string]study.Coding {
	long := study.Coding{Codes: []string{}}
	for i := range 300 { // entry ids past one varint byte
		code := fmt.Sprintf("c%03d", i%150)
		long.Matches = append(long.Matches, study.Match{Code: code, Term: fmt.Sprintf("t%d", i), Span: study.Span{Start: i * 1000, End: i*1000 + 7}})
		if i < 150 {
			long.Codes = append(long.Codes, code)
		}
	}
	return map[string]study.Coding{
		"nil lists":             {},
		"empty lists":           {Codes: []string{}, Matches: []study.Match{}},
		"codes without matches": {Codes: []string{"parent", "child"}},
		"matches without codes": {Matches: []study.Match{{Code: "a", Term: "b", Span: study.Span{Start: 1, End: 2}, Negated: true}}},
		"issue 10 example": {Codes: []string{"market", "production_norms"}, Matches: []study.Match{
			{Code: "market", Term: "markt*", Span: study.Span{Start: 35, End: 47}},
			{Code: "production_norms", Term: `/\b\d{2,3} ?(%|procent) (van de tijd )?(declarabel|productief)/`, Span: study.Span{Start: 187, End: 201}},
		}},
		"order, repeats and negation kept as given": {Codes: []string{"z", "a", "z"}, Matches: []study.Match{
			{Code: "z", Term: "zz", Span: study.Span{Start: 50, End: 60}, Negated: true},
			{Code: "a", Term: "aa", Span: study.Span{Start: 10, End: 12}},
			{Code: "z", Term: "zz", Span: study.Span{Start: 50, End: 60}},
			{Code: "z", Term: "zz", Span: study.Span{Start: 50, End: 60}, Negated: true},
		}},
		"a code's own name as a term, and an empty term": {Codes: []string{"werkdruk"}, Matches: []study.Match{
			{Code: "werkdruk", Term: "werkdruk", Span: study.Span{Start: 0, End: 8}},
			{Code: "werkdruk", Term: "", Span: study.Span{Start: 0, End: 0}},
			{Code: "", Term: "werkdruk", Span: study.Span{Start: 0, End: 8}},
		}},
		"odd spans": {Matches: []study.Match{
			{Code: "a", Term: "b", Span: study.Span{Start: -1, End: 12}},
			{Code: "a", Term: "b", Span: study.Span{Start: 9, End: 3}},
			{Code: "a", Term: "b", Span: study.Span{Start: math.MaxInt, End: math.MinInt}},
			{Code: "a", Term: "b", Span: study.Span{Start: math.MinInt, End: math.MaxInt}},
		}},
		"strings JSON would escape": {Codes: []string{"x<&\"y"}, Matches: []study.Match{
			{Code: "x<&\"y", Term: "ter\\m \"q\" é\n\x00\u2028 \U0001F600", Span: study.Span{Start: 1, End: 3}},
		}},
		"300 matches": long,
	}
}

func TestCodingRoundTrip(t *testing.T) {
	ids := newTermIDs(nil)
	blobs := map[string][]byte{}
	for name, c := range codingCases() {
		blobs[name] = ids.encode(nil, c)
	}
	dict := terms(ids.added)
	for name, c := range codingCases() {
		t.Run(name, func(t *testing.T) {
			var got study.Coding
			if err := dict.decode(blobs[name], &got, true); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("decoded %#v\nwant %#v", got, c)
			}
			var codes study.Coding
			if err := dict.decode(blobs[name], &codes, false); err != nil || !reflect.DeepEqual(codes, study.Coding{Codes: c.Codes}) {
				t.Errorf("codes only: %#v, %v", codes, err)
			}
		})
	}
	if b := newTermIDs(nil).encode(nil, codingCases()["issue 10 example"]); len(b) > 12 {
		t.Errorf("the issue's example takes %d bytes (%x), want at most 12", len(b), b)
	}
}

// TestCodingsRoundTripThroughTheStore saves every case and reads it back
// through each read method, across several SaveCodings calls, so that
// entries added by one call are found by the next.
func TestCodingsRoundTripThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	cases := codingCases()
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range cases {
			if !yield(n) {
				return
			}
		}
	})
	sv := newSurvey("e", "a.csv", len(names))
	sv.store(t, s)
	want := map[string]study.Coding{}
	for i, name := range names {
		c := cases[name]
		c.UnitID = sv.units[i].ID
		want[c.UnitID] = c
		if err := s.SaveCodings(ctx, "cb", []study.Coding{c}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	check := func(method string, got map[string]study.Coding) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			for id, c := range want {
				if !reflect.DeepEqual(got[id], c) {
					t.Errorf("%s: unit %s = %#v\nwant %#v", method, id, got[id], c)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: %d codings, want %d", method, len(got), len(want))
			}
		}
	}
	got := map[string]study.Coding{}
	if err := s.Codings(ctx, "cb", func(c study.Coding) error { got[c.UnitID] = c; return nil }); err != nil {
		t.Fatal(err)
	}
	check("Codings", got)
	got = map[string]study.Coding{}
	if err := s.UnitsWithCodings(ctx, "cb", func(_ study.Unit, c *study.Coding) error { got[c.UnitID] = *c; return nil }); err != nil {
		t.Fatal(err)
	}
	check("UnitsWithCodings", got)
	got = map[string]study.Coding{}
	ids := slices.Collect(func(yield func(string) bool) {
		for id := range want {
			if !yield(id) {
				return
			}
		}
	})
	if err := s.UnitsByID(ctx, "cb", ids, func(_ study.Unit, c *study.Coding) error { got[c.UnitID] = *c; return nil }); err != nil {
		t.Fatal(err)
	}
	check("UnitsByID", got)
	if err := s.UnitsWithCodes(ctx, "cb", func(u study.Unit, codes []string) error {
		if !reflect.DeepEqual(codes, want[u.ID].Codes) {
			t.Errorf("UnitsWithCodes: unit %s: %#v, want %#v", u.ID, codes, want[u.ID].Codes)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var books, seq int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM codebooks), (SELECT seq FROM sqlite_sequence WHERE name = 'codebooks')`).Scan(&books, &seq); err != nil {
		t.Fatal(err)
	}
	if books != 1 || seq != 1 {
		t.Errorf("%d codebooks, sequence at %d after %d saves under one; want 1 and 1", books, seq, len(names))
	}
	// Every distinct (code, term) and code stored once, however many
	// codings use it.
	var entries, distinct int
	if err := s.db.QueryRow(`SELECT count(*), count(DISTINCT code || '|' || coalesce(term, '(code)')) FROM coding_terms`).Scan(&entries, &distinct); err != nil {
		t.Fatal(err)
	}
	if entries != distinct {
		t.Errorf("coding_terms has %d entries for %d distinct ones", entries, distinct)
	}
}

func TestDecodeRefusesDamagedCodings(t *testing.T) {
	ids := newTermIDs(nil)
	good := ids.encode(nil, study.Coding{Codes: []string{"a"}, Matches: []study.Match{{Code: "a", Term: "x", Span: study.Span{Start: 1, End: 2}}}})
	dict := terms(ids.added)
	if !slices.Equal(good, []byte{1, 2, 0, 2, 2, 2, 2}) {
		t.Fatalf("format changed: %v; update the damaged blobs below", good)
	}
	for name, b := range map[string][]byte{
		"empty":                        {},
		"unknown format":               {2, 2, 0, 2, 2, 2, 2},
		"truncated":                    good[:len(good)-1],
		"trailing bytes":               append(slices.Clone(good), 0),
		"code id past the dictionary":  {1, 2, 9, 1},
		"code id naming a term entry":  {1, 2, 1, 1},
		"match id naming a code entry": {1, 1, 2, 0, 2, 2},
		"match id past the dictionary": {1, 1, 2, 20, 2, 2},
		"count larger than the blob":   {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"match count past the blob":    {1, 1, 3, 2, 2, 2},
		"overlong varint":              {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	} {
		var c study.Coding
		if err := dict.decode(b, &c, true); !errors.Is(err, errBadCoding) {
			t.Errorf("%s (%v): err = %v, want errBadCoding", name, b, err)
		}
	}
}

// FuzzDecodeCoding feeds the decoder what a damaged store file could hold:
// it must return an error or a coding, never panic, and whatever it decodes
// must encode to a blob that decodes the same.
func FuzzDecodeCoding(f *testing.F) {
	ids := newTermIDs(nil)
	for _, c := range codingCases() {
		f.Add(ids.encode(nil, c))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	dict := terms(slices.Clone(ids.added))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c study.Coding
		if err := dict.decode(b, &c, true); err != nil {
			if !errors.Is(err, errBadCoding) {
				t.Fatalf("error %v does not wrap errBadCoding", err)
			}
			return
		}
		again := newTermIDs(dict)
		var c2 study.Coding
		if err := dict.decode(again.encode(nil, c), &c2, true); err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("re-encoded %#v decodes to %#v, %v", c, c2, err)
		}
		if len(again.added) != 0 {
			t.Fatalf("decoded entries not in the dictionary: %v", again.added)
		}
	})
}

// TestDamagedCodingNamesTheUnit stores a blob SaveCodings would not write
// and reads it through every method.
func TestDamagedCodingNamesTheUnit(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("e", "a.csv", 3)
	sv.store(t, s)
	if err := s.SaveCodings(ctx, "cb", codingsFor(sv.units)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`UPDATE codings SET coding = x'01020763' WHERE unit = (SELECT rowid FROM units WHERE id = 'e/r002/Q1')`); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() error{
		"Codings": func() error { return s.Codings(ctx, "cb", func(study.Coding) error { return nil }) },
		"UnitsWithCodings": func() error {
			return s.UnitsWithCodings(ctx, "cb", func(study.Unit, *study.Coding) error { return nil })
		},
		"UnitsWithCodes": func() error {
			return s.UnitsWithCodes(ctx, "cb", func(study.Unit, []string) error { return nil })
		},
		"UnitsByID": func() error {
			return s.UnitsByID(ctx, "cb", []string{"e/r002/Q1"}, func(study.Unit, *study.Coding) error { return nil })
		},
	} {
		err := read()
		if !errors.Is(err, errBadCoding) || !strings.Contains(fmt.Sprint(err), `"e/r002/Q1"`) {
			t.Errorf("%s: err = %v, want errBadCoding naming unit e/r002/Q1", name, err)
		}
	}
}

// TestMigrationFromVersion1 opens a store left at schema version 1 with
// JSON codings: it is upgraded, and the next run codes every unit again.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/state.db"
	if err := create(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version VALUES (1)`,
		migrations[0],
		`INSERT INTO units (id, source, file, respondent, question, question_label, speaker, position, seq, text, lang, context, hash)
		 VALUES ('e/r001/Q1', 'e', 'a.csv', 'r001', 'Q1', '', '', 'row 2', 1, 'de werkdruk is hoog', 'nl', 0, '` + strings.Repeat("1f", 32) + `'),
		        ('e/r002/Q1', 'e', 'a.csv', 'r002', 'Q1', '', '', 'row 3', 2, 'geen werkdruk', 'nl', 0, '` + strings.Repeat("2e", 32) + `')`,
		`INSERT INTO codings (unit_id, codebook_hash, unit_hash, codes, matches) VALUES
		 ('e/r001/Q1', 'cb', '` + strings.Repeat("1f", 32) + `', '["werkdruk"]', '[{"c":"werkdruk","t":"werkdruk","s":3,"e":11}]'),
		 ('e/r002/Q1', 'cb', '` + strings.Repeat("2e", 32) + `', '[]', '[]')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.SchemaVersion() != len(migrations) {
		t.Errorf("SchemaVersion = %d, want %d", s.SchemaVersion(), len(migrations))
	}
	if got := toCode(t, s, "cb"); !slices.Equal(got, []string{"e/r001/Q1", "e/r002/Q1"}) {
		t.Errorf("UnitsToCode after the upgrade = %v, want every unit", got)
	}
	if got := codedIDs(t, s, "cb"); len(got) != 0 {
		t.Errorf("codings after the upgrade = %v, want none", got)
	}
	var units []study.Unit
	if err := s.Units(ctx, func(u study.Unit) error { units = append(units, u); return nil }); err != nil || len(units) != 2 {
		t.Fatalf("units after the upgrade: %d, %v", len(units), err)
	}
	if err := s.SaveCodings(ctx, "cb", codingsFor(units)); err != nil {
		t.Fatal(err)
	}
	if got := toCode(t, s, "cb"); len(got) != 0 {
		t.Errorf("UnitsToCode after recoding = %v", got)
	}
	integrity(t, s)
}

// TestCodingsFollowTheirUnits checks that codings, keyed by unit rowid,
// stay with the unit they were computed for as files change.
func TestCodingsFollowTheirUnits(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	rowid := func(id string) int64 {
		t.Helper()
		var r int64
		if err := s.db.QueryRow(`SELECT rowid FROM units WHERE id = ?`, id).Scan(&r); err != nil {
			t.Fatalf("rowid of %s: %v", id, err)
		}
		return r
	}
	codingRows := func() int {
		t.Helper()
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM codings`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := newSurvey("e", "a.csv", 3)
	a.store(t, s)
	if err := s.SaveCodings(ctx, "cb", codingsFor(a.units)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCodings(ctx, "old", codingsFor(a.units)); err != nil {
		t.Fatal(err)
	}

	t.Run("a removed unit's rowid given to a new unit comes without the old coding", func(t *testing.T) {
		last := rowid("e/r003/Q1")
		shorter := newSurvey("e", "a.csv", 2)
		if d := shorter.store(t, s); d.Removed != 1 {
			t.Fatalf("diff = %+v", d)
		}
		if n := codingRows(); n != 4 {
			t.Errorf("%d coding rows after removing a unit, want 4 (2 units × 2 codebooks)", n)
		}
		// Same content as the removed unit, so the same hash: only the
		// deleted coding row tells the two apart.
		b := newSurvey("f", "b.csv", 3)
		b.units = b.units[2:]
		b.respondents = b.respondents[2:]
		b.units[0].Text = a.units[2].Text
		b.store(t, s)
		if got := rowid(b.units[0].ID); got != last {
			t.Fatalf("the new unit got rowid %d, not the removed unit's %d; the test no longer exercises reuse", got, last)
		}
		if got := codedIDs(t, s, "cb"); !slices.Equal(got, []string{"e/r001/Q1", "e/r002/Q1"}) {
			t.Errorf("codings = %v", got)
		}
		if got := toCode(t, s, "cb"); !slices.Equal(got, []string{b.units[0].ID}) {
			t.Errorf("UnitsToCode = %v, want the new unit", got)
		}
		if _, err := s.RemoveFile(ctx, "f", "b.csv"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a changed unit loses its stale codings, an unchanged one keeps them", func(t *testing.T) {
		changed := newSurvey("e", "a.csv", 2)
		changed.units[0].Text += " en de administratie"
		if d := changed.store(t, s); d.Changed != 1 || d.Unchanged != 1 {
			t.Fatalf("diff = %+v", d)
		}
		if n := codingRows(); n != 2 {
			t.Errorf("%d coding rows, want 2 (the unchanged unit's)", n)
		}
		if got := codedIDs(t, s, "cb"); !slices.Equal(got, []string{"e/r002/Q1"}) {
			t.Errorf("codings = %v", got)
		}
		if got := toCode(t, s, "cb"); !slices.Equal(got, []string{"e/r001/Q1"}) {
			t.Errorf("UnitsToCode = %v", got)
		}
	})
	t.Run("removing a file removes its codings", func(t *testing.T) {
		if _, err := s.RemoveFile(ctx, "e", "a.csv"); err != nil {
			t.Fatal(err)
		}
		if n := codingRows(); n != 0 {
			t.Errorf("%d coding rows after removing every unit", n)
		}
	})
	t.Run("pruning drops the other codebooks' dictionaries too", func(t *testing.T) {
		if err := s.PruneCodings(ctx, "cb"); err != nil {
			t.Fatal(err)
		}
		var books, entries int
		if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM codebooks WHERE hash <> 'cb'), (SELECT count(*) FROM coding_terms
			WHERE codebook NOT IN (SELECT id FROM codebooks WHERE hash = 'cb'))`).Scan(&books, &entries); err != nil {
			t.Fatal(err)
		}
		if books != 0 || entries != 0 {
			t.Errorf("after pruning: %d other codebooks, %d of their entries", books, entries)
		}
	})
	integrity(t, s)
}
