package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// rawCodings is the codings and coding_terms tables as stored, with the
// units' IDs for their rowids (which SQLite may choose at random).
func rawCodings(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT c.codebook, u.id, hex(c.unit_hash), hex(c.coding), typeof(c.unit_hash) FROM codings c JOIN units u ON u.rowid = c.unit ORDER BY c.codebook, u.id`,
		`SELECT codebook, id, code, coalesce(term, '<null>'), '' FROM coding_terms ORDER BY codebook, id`,
	} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c, d, e string
			if err := rows.Scan(&a, &b, &c, &d, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(a, b, c, d, e))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// Codings a FileTx writes with the rowids and hashes it recorded for the
// units it added are stored exactly as Store.SaveCodings, which looks each
// unit up, stores them: in the run's order, shuffled, for units of an
// earlier batch, for units of a file already stored, and when the rowids
// cannot be predicted.
func TestFileTxCodingsOfAddedUnits(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		// prepare runs on both stores before the file is stored.
		prepare func(t *testing.T, s *Store)
		// wantRecorded: whether the first batch's rowids are recorded.
		wantRecorded bool
	}{
		{"into an empty store", func(*testing.T, *Store) {}, true},
		{"after another file", func(t *testing.T, s *Store) {
			newSurvey("other", "x.csv", 50).store(t, s)
		}, true},
		{"after a rowid near the largest", func(t *testing.T, s *Store) {
			if _, err := s.db.Exec(`INSERT INTO units (rowid, id, source, file, respondent, question, question_label,
	speaker, position, seq, text, lang, context, hash) VALUES (?, 'x/1', 'x', 'x.csv', '1', 'Q', '', '', '', 1, 'x', 'nl', 0, 'ab')`,
				int64(math.MaxInt64-5)); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sv := newSurvey("survey", "wave.csv", 700)
			for i := range sv.units {
				sv.units[i].Context = i%9 == 0
			}
			var coded []study.Coding
			for i, cd := range codingsFor(sv.units) {
				if !sv.units[i].Context {
					cd.Codes = append(cd.Codes, fmt.Sprint("code", i%13))
					coded = append(coded, cd)
				}
			}
			// Batches as the run gives them, but the second one's codings
			// shuffled and the third's with one of the first batch's.
			batches := [][2]int{{0, 250}, {250, 500}, {500, 700}}
			var order [][]study.Coding
			for k, b := range batches {
				var part []study.Coding
				for _, cd := range coded {
					var i int
					fmt.Sscanf(cd.UnitID, "survey/r%d/Q1", &i)
					if i-1 >= b[0] && i-1 < b[1] {
						part = append(part, cd)
					}
				}
				switch k {
				case 1:
					for i := range part {
						j := (i * 7) % len(part)
						part[i], part[j] = part[j], part[i]
					}
				case 2:
					part = append(part, coded[3])
				}
				order = append(order, part)
			}

			fused, _ := openTemp(t)
			c.prepare(t, fused)
			ft, err := fused.BeginFile(ctx, sv.record())
			if err != nil {
				t.Fatal(err)
			}
			defer ft.Rollback()
			for k, b := range batches {
				if err := ft.Add(sv.respondents[b[0]:b[1]], sv.units[b[0]:b[1]]); err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					// The rows still queued are recorded when SaveCodings
					// drains them.
					if err := ft.insertUnits.drain(); err != nil {
						t.Fatal(err)
					}
					if got := len(ft.added.ids) == b[1]-b[0]; got != c.wantRecorded {
						t.Fatalf("%d of %d units recorded, want all: %v", len(ft.added.ids), b[1]-b[0], c.wantRecorded)
					}
				}
				if err := ft.SaveCodings("cb", order[k]); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := ft.Commit(); err != nil {
				t.Fatal(err)
			}

			apart, _ := openTemp(t)
			c.prepare(t, apart)
			sv.store(t, apart)
			for _, part := range order {
				if err := apart.SaveCodings(ctx, "cb", part); err != nil {
					t.Fatal(err)
				}
			}
			got, want := rawCodings(t, fused), rawCodings(t, apart)
			if len(want) < len(coded) {
				t.Fatalf("only %d rows stored", len(want))
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("row %d: got %s, want %s (%d rows, want %d)", i, got[i], want[i], len(got), len(want))
					}
				}
				t.Fatalf("got %d rows, want %d", len(got), len(want))
			}
			if left := toCode(t, fused, "cb"); len(left) != len(toCode(t, apart, "cb")) {
				t.Fatalf("%d units to code after saving every coding", len(left))
			}
		})
	}
}

// A statement whose last rowid is not the one counted stops the record.
func TestAddedUnitsCheckRowids(t *testing.T) {
	a := addedUnits{next: 10}
	args := []any{"a", "0123456789abcdef0000", "b", "fedcba98765432100000"}
	a.inserted(result{last: 11}, 2, 2, 1, args)
	if rowid, prefix, ok := a.find("b"); !ok || rowid != 11 || prefix != 0xfedcba9876543210 {
		t.Fatalf("find(b) = %d, %x, %v", rowid, prefix, ok)
	}
	if rowid, _, ok := a.find("a"); !ok || rowid != 10 {
		t.Fatalf("find(a) = %d, %v", rowid, ok)
	}
	a.inserted(result{last: 20}, 2, 2, 1, []any{"c", "00", "d", "00"})
	if _, _, ok := a.find("a"); ok || a.next != 0 {
		t.Fatalf("record kept after a rowid that was not counted: next %d", a.next)
	}
	a.inserted(result{last: 1}, 1, 2, 1, []any{"e", "0123456789abcdef"})
	if _, _, ok := a.find("e"); ok {
		t.Fatal("recorded after the count was lost")
	}
}

type result struct{ last int64 }

func (r result) LastInsertId() (int64, error) { return r.last, nil }
func (r result) RowsAffected() (int64, error) { return 1, nil }

var _ sql.Result = result{}
