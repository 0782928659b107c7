package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("a fresh store gets the folder 0700 and the latest schema", func(t *testing.T) {
		s, path := openTemp(t)
		if got := s.SchemaVersion(); got != len(migrations) || got == 0 {
			t.Errorf("SchemaVersion = %d, want %d", got, len(migrations))
		}
		fi, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("folder mode = %v, want 0700", fi.Mode().Perm())
		}
		for _, name := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(name); err != nil {
				t.Error(err)
			} else if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", filepath.Base(name), fi.Mode().Perm())
			}
		}
		var mode string
		var pages int
		if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q (%v), want wal", mode, err)
		}
		if err := s.db.QueryRow(`PRAGMA page_size`).Scan(&pages); err != nil || pages != pageSize {
			t.Errorf("page_size = %d (%v), want %d", pages, err, pageSize)
		}
	})
	t.Run("reopening keeps the data and does not migrate again", func(t *testing.T) {
		s, path := openTemp(t)
		newSurvey("enquete", "a.csv", 3).store(t, s)
		s.Close()
		for range 2 {
			s2, err := Open(path)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			files, err := s2.Files(ctx)
			if err != nil || len(files) != 1 || files[0].Units != 3 {
				t.Errorf("Files after reopen = %+v, %v", files, err)
			}
			var rows int
			s2.db.QueryRow(`SELECT COUNT(*) FROM schema_version`).Scan(&rows)
			if rows != 1 || s2.SchemaVersion() != len(migrations) {
				t.Errorf("schema_version rows = %d, version %d", rows, s2.SchemaVersion())
			}
			s2.Close()
		}
	})
	t.Run("a store from a newer veldstem is refused with the versions named", func(t *testing.T) {
		s, path := openTemp(t)
		if _, err := s.db.Exec(`UPDATE schema_version SET version = 99`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(path)
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open = %v, want ErrNewerSchema", err)
		}
		if !strings.Contains(err.Error(), "version 99") || !strings.Contains(err.Error(), "upgrade veldstem") {
			t.Errorf("message %q should name the version and the remedy", err)
		}
	})
	t.Run("a path the driver would cut is refused", func(t *testing.T) {
		if _, err := Open(filepath.Join(t.TempDir(), "state?.db")); err == nil {
			t.Error("Open accepted a path with '?'")
		}
	})
}

func TestReplaceFile(t *testing.T) {
	const cb = "codebook-1"
	tests := []struct {
		name string
		// edit changes a stored 4-unit survey (units r001..r004).
		edit     func(sv *survey)
		want     UnitDiff
		keepCode []string // units whose codings must survive
	}{
		{
			name:     "storing the same file again changes nothing",
			edit:     func(sv *survey) {},
			want:     UnitDiff{Unchanged: 4},
			keepCode: []string{"e/r001/Q1", "e/r002/Q1", "e/r003/Q1", "e/r004/Q1"},
		},
		{
			name:     "an edited answer loses its coding and the rest keep theirs",
			edit:     func(sv *survey) { sv.units[1].Text = "geen tijd voor cliënten" },
			want:     UnitDiff{Changed: 1, Unchanged: 3},
			keepCode: []string{"e/r001/Q1", "e/r003/Q1", "e/r004/Q1"},
		},
		{
			name:     "a corrected closed answer recodes that respondent's units",
			edit:     func(sv *survey) { sv.respondents[2].Closed = map[string]string{"Q_werkdruk": "1"} },
			want:     UnitDiff{Changed: 1, Unchanged: 3},
			keepCode: []string{"e/r001/Q1", "e/r002/Q1", "e/r004/Q1"},
		},
		{
			name: "a unit moved to another row keeps its coding",
			edit: func(sv *survey) {
				sv.units[0].Seq, sv.units[0].Position = 10, "row 11"
			},
			want:     UnitDiff{Unchanged: 4},
			keepCode: []string{"e/r002/Q1", "e/r003/Q1", "e/r004/Q1", "e/r001/Q1"},
		},
		{
			name: "dropped rows are removed with their codings and added rows are new",
			edit: func(sv *survey) {
				more := newSurvey("e", "a.csv", 6)
				sv.units = append(sv.units[2:], more.units[4:]...)
				sv.respondents = append(sv.respondents[2:], more.respondents[4:]...)
			},
			want:     UnitDiff{New: 2, Unchanged: 2, Removed: 2},
			keepCode: []string{"e/r003/Q1", "e/r004/Q1"},
		},
		{
			name: "a reweighted respondent and an answer given to a new speaker label are stored",
			edit: func(sv *survey) {
				sv.respondents[3].Weight = 0.25
				sv.respondents[0].Attributes = map[string]string{"sector": "onderwijs"}
				sv.units[3].Speaker, sv.units[3].Position = "R", "row 5b"
			},
			want:     UnitDiff{Changed: 1, Unchanged: 3},
			keepCode: []string{"e/r001/Q1", "e/r002/Q1", "e/r003/Q1"},
		},
		{
			name: "an emptied file removes every unit",
			edit: func(sv *survey) {
				sv.units, sv.respondents = nil, nil
			},
			want: UnitDiff{Removed: 4},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, _ := openTemp(t)
			sv := newSurvey("e", "a.csv", 4)
			if d := sv.store(t, s); d != (UnitDiff{New: 4}) {
				t.Fatalf("first store diff = %+v, want 4 new", d)
			}
			if err := s.SaveCodings(ctx, cb, codingsFor(sv.units)); err != nil {
				t.Fatal(err)
			}
			tt.edit(sv)
			if got := sv.store(t, s); got != tt.want {
				t.Errorf("diff = %+v, want %+v", got, tt.want)
			}
			kept := codedIDs(t, s, cb)
			want := slices.Clone(tt.keepCode)
			slices.Sort(want)
			slices.Sort(kept)
			if !slices.Equal(kept, want) {
				t.Errorf("codings kept for %v, want %v", kept, want)
			}
			// Every unit without a kept coding is due for coding, and no other.
			var wantToCode []string
			for _, u := range sv.units {
				if !slices.Contains(tt.keepCode, u.ID) {
					wantToCode = append(wantToCode, u.ID)
				}
			}
			got := toCode(t, s, cb)
			slices.Sort(got)
			slices.Sort(wantToCode)
			if !slices.Equal(got, wantToCode) {
				t.Errorf("UnitsToCode = %v, want %v", got, wantToCode)
			}
			// The store holds exactly the new content, in its order.
			wantUnits := slices.Clone(sv.units)
			slices.SortFunc(wantUnits, func(a, b study.Unit) int { return a.Seq - b.Seq })
			var units []study.Unit
			s.Units(ctx, func(u study.Unit) error { units = append(units, u); return nil })
			if !slices.Equal(units, wantUnits) {
				t.Errorf("Units = %+v\nwant %+v", units, wantUnits)
			}
			var resp []study.Respondent
			s.Respondents(ctx, func(r study.Respondent) error { resp = append(resp, r); return nil })
			if !reflect.DeepEqual(resp, sv.respondents) && (len(resp) != 0 || len(sv.respondents) != 0) {
				t.Errorf("Respondents = %+v\nwant %+v", resp, sv.respondents)
			}
			files, _ := s.Files(ctx)
			if len(files) != 1 || files[0].Units != len(sv.units) || files[0].Respondents != len(sv.respondents) {
				t.Errorf("Files = %+v, want counts %d units %d respondents", files, len(sv.units), len(sv.respondents))
			}
			// No orphans: stored codings all belong to stored units.
			var orphans int
			s.db.QueryRow(`SELECT COUNT(*) FROM codings WHERE unit_id NOT IN (SELECT id FROM units)`).Scan(&orphans)
			if orphans != 0 {
				t.Errorf("%d codings of removed units remain", orphans)
			}
		})
	}
}

func TestReplaceFileRefusesInconsistentInput(t *testing.T) {
	tests := []struct {
		name string
		edit func(sv *survey)
		want string
	}{
		{"a unit of another file is refused", func(sv *survey) { sv.units[1].File = "b.csv" }, `unit "e/r002/Q1" belongs to e/b.csv`},
		{"a respondent of another source is refused", func(sv *survey) { sv.respondents[0].Source = "x" }, `respondent "r001" belongs to x/a.csv`},
		{"a duplicate unit id is refused", func(sv *survey) { sv.units[2].ID = sv.units[0].ID }, `unit "e/r001/Q1" appears twice (at row 4)`},
		{"a duplicate respondent is refused", func(sv *survey) { sv.respondents[2].ID = "r001" }, `respondent "r001" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			before := newSurvey("e", "a.csv", 1)
			before.store(t, s)
			sv := newSurvey("e", "a.csv", 3)
			tt.edit(sv)
			_, err := s.ReplaceFile(context.Background(), sv.record(), sv.respondents, sv.units)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if ids := collectUnits(t, s.Units); !slices.Equal(ids, []string{"e/r001/Q1"}) {
				t.Errorf("units after refused replace = %v, want the previous one", ids)
			}
		})
	}
}

func TestRemoveFile(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	a, b := newSurvey("e", "a.csv", 3), newSurvey("e", "b.csv", 2)
	for i := range b.units { // distinct IDs in b
		b.units[i].ID += "b"
		b.respondents[i].ID += "b"
		b.units[i].Respondent += "b"
	}
	a.store(t, s)
	b.store(t, s)
	s.SaveCodings(ctx, "cb", codingsFor(a.units))

	t.Run("removing a file deletes its units, respondents and codings only", func(t *testing.T) {
		n, err := s.RemoveFile(ctx, "e", "a.csv")
		if err != nil || n != 3 {
			t.Fatalf("RemoveFile = %d, %v; want 3", n, err)
		}
		if ids := collectUnits(t, s.Units); !slices.Equal(ids, []string{"e/r001/Q1b", "e/r002/Q1b"}) {
			t.Errorf("units left = %v", ids)
		}
		var resp []string
		s.Respondents(ctx, func(r study.Respondent) error { resp = append(resp, r.ID); return nil })
		if !slices.Equal(resp, []string{"r001b", "r002b"}) {
			t.Errorf("respondents left = %v", resp)
		}
		var codings int
		s.db.QueryRow(`SELECT COUNT(*) FROM codings`).Scan(&codings)
		if codings != 0 {
			t.Errorf("%d codings left", codings)
		}
		files, _ := s.Files(ctx)
		if len(files) != 1 || files[0].Path != "b.csv" {
			t.Errorf("files left = %+v", files)
		}
	})
	t.Run("removing a file the store does not hold removes nothing", func(t *testing.T) {
		n, err := s.RemoveFile(ctx, "e", "nope.csv")
		if err != nil || n != 0 {
			t.Errorf("RemoveFile = %d, %v", n, err)
		}
	})
}

func TestCodings(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("e", "a.csv", 3)
	sv.units[2].Context = true
	sv.store(t, s)
	all := []string{"e/r001/Q1", "e/r002/Q1"}

	t.Run("context units are never due for coding", func(t *testing.T) {
		if got := toCode(t, s, "cb1"); !slices.Equal(got, all) {
			t.Errorf("UnitsToCode = %v, want %v", got, all)
		}
	})
	t.Run("saved codings read back exactly and are no longer due", func(t *testing.T) {
		in := []study.Coding{
			{UnitID: "e/r002/Q1", Codes: []string{"tijd", "werkdruk"}, Matches: []study.Match{
				{Code: "werkdruk", Term: "werkdruk", Span: study.Span{Start: 3, End: 11}},
				{Code: "tijd", Term: "geen tijd", Span: study.Span{Start: 20, End: 29}, Negated: true},
			}},
			{UnitID: "e/r001/Q1", Codes: []string{}},
		}
		if err := s.SaveCodings(ctx, "cb1", in); err != nil {
			t.Fatal(err)
		}
		var out []study.Coding
		s.Codings(ctx, "cb1", func(c study.Coding) error { out = append(out, c); return nil })
		want := []study.Coding{in[1], in[0]} // unit order, not save order
		if !reflect.DeepEqual(out, want) {
			t.Errorf("Codings = %+v, want %+v", out, want)
		}
		if got := toCode(t, s, "cb1"); len(got) != 0 {
			t.Errorf("UnitsToCode after saving = %v, want none", got)
		}
	})
	t.Run("a new codebook makes every unit due again", func(t *testing.T) {
		if got := toCode(t, s, "cb2"); !slices.Equal(got, all) {
			t.Errorf("UnitsToCode(cb2) = %v, want %v", got, all)
		}
	})
	t.Run("a coding of an unknown unit fails the whole batch", func(t *testing.T) {
		err := s.SaveCodings(ctx, "cb2", []study.Coding{{UnitID: "e/r001/Q1"}, {UnitID: "ghost"}})
		if err == nil || !strings.Contains(err.Error(), `"ghost"`) {
			t.Fatalf("err = %v, want it to name the unit", err)
		}
		if got := codedIDs(t, s, "cb2"); len(got) != 0 {
			t.Errorf("codings saved from a failed batch: %v", got)
		}
	})
	t.Run("pruning keeps only the named codebook", func(t *testing.T) {
		s.SaveCodings(ctx, "cb2", codingsFor(sv.units[:1]))
		if err := s.PruneCodings(ctx, "cb2"); err != nil {
			t.Fatal(err)
		}
		if got := codedIDs(t, s, "cb1"); len(got) != 0 {
			t.Errorf("cb1 codings after prune = %v", got)
		}
		if got := codedIDs(t, s, "cb2"); !slices.Equal(got, all[:1]) {
			t.Errorf("cb2 codings after prune = %v", got)
		}
	})
	t.Run("a callback error stops the scan and comes back unchanged", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := s.UnitsToCode(ctx, "cb3", func(study.Unit) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("err = %v after %d calls, want stop after 1", err, calls)
		}
	})
	t.Run("the coder may save while UnitsToCode streams", func(t *testing.T) {
		var seen []string
		err := s.UnitsToCode(ctx, "cb4", func(u study.Unit) error {
			seen = append(seen, u.ID)
			return s.SaveCodings(ctx, "cb4", codingsFor([]study.Unit{u}))
		})
		if err != nil || !slices.Equal(seen, all) {
			t.Errorf("streamed %v, %v", seen, err)
		}
		if got := codedIDs(t, s, "cb4"); !slices.Equal(got, all) {
			t.Errorf("saved %v", got)
		}
	})
}

func TestOrder(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	// Stored in an order unlike the wanted one: later files first, seqs reversed.
	b := newSurvey("z-interviews", "b.vtt", 2)
	a := newSurvey("a-enquete", "a.csv", 3)
	slices.Reverse(a.units)
	slices.Reverse(a.respondents)
	// r003 (stored first) gets r002's seq: the tie must go by id, not by
	// the order of storing.
	a.units[0].Seq = a.units[1].Seq
	b.store(t, s)
	a.store(t, s)

	wantUnits := []string{"a-enquete/r001/Q1", "a-enquete/r002/Q1", "a-enquete/r003/Q1",
		"z-interviews/r001/Q1", "z-interviews/r002/Q1"}
	t.Run("units come by source, file, seq and then id", func(t *testing.T) {
		if got := collectUnits(t, s.Units); !slices.Equal(got, wantUnits) {
			t.Errorf("Units = %v, want %v", got, wantUnits)
		}
		if got := toCode(t, s, "cb"); !slices.Equal(got, wantUnits) {
			t.Errorf("UnitsToCode = %v, want %v", got, wantUnits)
		}
	})
	t.Run("respondents come by source and id", func(t *testing.T) {
		var got []string
		s.Respondents(ctx, func(r study.Respondent) error { got = append(got, r.Source+"/"+r.ID); return nil })
		want := []string{"a-enquete/r001", "a-enquete/r002", "a-enquete/r003", "z-interviews/r001", "z-interviews/r002"}
		if !slices.Equal(got, want) {
			t.Errorf("Respondents = %v, want %v", got, want)
		}
	})
	t.Run("codings come in unit order whatever order they were saved in", func(t *testing.T) {
		cs := codingsFor(b.units)
		cs = append(cs, codingsFor(a.units)...)
		s.SaveCodings(ctx, "cb", cs)
		if got := codedIDs(t, s, "cb"); !slices.Equal(got, wantUnits) {
			t.Errorf("Codings = %v, want %v", got, wantUnits)
		}
	})
	t.Run("files come by source and path", func(t *testing.T) {
		files, _ := s.Files(ctx)
		var got []string
		for _, f := range files {
			got = append(got, f.Source+"/"+f.Path)
		}
		if want := []string{"a-enquete/a.csv", "z-interviews/b.vtt"}; !slices.Equal(got, want) {
			t.Errorf("Files = %v, want %v", got, want)
		}
	})
}

func TestRespondentsRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	sv := newSurvey("e", "a.csv", 2)
	sv.respondents[1].Attributes, sv.respondents[1].Likert, sv.respondents[1].Closed = nil, nil, nil
	sv.respondents[1].Weight = 0
	sv.store(t, s)
	var got []study.Respondent
	s.Respondents(context.Background(), func(r study.Respondent) error { got = append(got, r); return nil })
	if !reflect.DeepEqual(got, sv.respondents) {
		t.Errorf("Respondents = %+v\nwant %+v", got, sv.respondents)
	}
	var units []study.Unit
	s.Units(context.Background(), func(u study.Unit) error { units = append(units, u); return nil })
	if !reflect.DeepEqual(units, sv.units) {
		t.Errorf("Units = %+v\nwant %+v", units, sv.units)
	}
}

func TestUnitHash(t *testing.T) {
	base := study.Unit{ID: "s/r1/Q1", Source: "s", File: "a.csv", Respondent: "r1", Question: "Q1",
		QuestionLabel: "Waarom?", Position: "row 2", Seq: 1, Text: "te druk", Lang: "nl"}
	tests := []struct {
		name    string
		edit    func(u *study.Unit)
		changes bool
	}{
		{"a different text changes the hash", func(u *study.Unit) { u.Text = "te rustig" }, true},
		{"a different language changes the hash", func(u *study.Unit) { u.Lang = "en" }, true},
		{"a different question label changes the hash", func(u *study.Unit) { u.QuestionLabel = "Hoe?" }, true},
		{"a different speaker changes the hash", func(u *study.Unit) { u.Speaker = "I" }, true},
		{"marking it context changes the hash", func(u *study.Unit) { u.Context = true }, true},
		{"moving text between fields changes the hash", func(u *study.Unit) { u.Question, u.QuestionLabel = "Q1Waarom?", "" }, true},
		{"a new position does not change the hash", func(u *study.Unit) { u.Position, u.Seq = "row 9", 8 }, false},
		{"a new file does not change the hash", func(u *study.Unit) { u.File = "b.csv" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := base
			tt.edit(&u)
			if changed := UnitHash(u) != UnitHash(base); changed != tt.changes {
				t.Errorf("hash changed = %v, want %v", changed, tt.changes)
			}
		})
	}
	if h := UnitHash(base); len(h) != 64 {
		t.Errorf("UnitHash = %q, want 64 hex digits", h)
	}
}

func TestReplaceFileRefusesIDsOfAnotherFile(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// second is stored after a.csv (respondents r001..r003) is.
		second func() *survey
		want   string
	}{
		{
			name:   "a second wave with the same unit IDs is refused, naming the file that holds them",
			second: func() *survey { return newSurvey("e", "wave2.csv", 2) },
			want:   `unit "e/r001/Q1" is also in e/a.csv`,
		},
		{
			name: "a respondent ID of another file is refused even when the units differ",
			second: func() *survey {
				sv := newSurvey("e", "wave2.csv", 2)
				for i := range sv.units {
					sv.units[i].ID += "-w2"
				}
				return sv
			},
			want: `respondent "r001" is also in e/a.csv`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			first := newSurvey("e", "a.csv", 3)
			first.store(t, s)
			sv := tt.second()
			_, err := s.ReplaceFile(ctx, sv.record(), sv.respondents, sv.units)
			if !errors.Is(err, ErrDuplicateID) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrDuplicateID containing %q", err, tt.want)
			}
			var units []study.Unit
			s.Units(ctx, func(u study.Unit) error { units = append(units, u); return nil })
			if !slices.Equal(units, first.units) {
				t.Errorf("units after the refusal = %+v, want a.csv's untouched", units)
			}
			if files, _ := s.Files(ctx); len(files) != 1 {
				t.Errorf("files after the refusal = %+v", files)
			}
		})
	}
	t.Run("a renamed file is accepted once the old name is removed", func(t *testing.T) {
		s, _ := openTemp(t)
		newSurvey("e", "a.csv", 3).store(t, s)
		if _, err := s.RemoveFile(ctx, "e", "a.csv"); err != nil {
			t.Fatal(err)
		}
		if d := newSurvey("e", "renamed.csv", 3).store(t, s); d.New != 3 {
			t.Errorf("diff = %+v, want 3 new", d)
		}
	})
}

// ReleaseMemory leaves no idle connection holding a page cache, and the
// store keeps working afterwards.
func TestReleaseMemoryClosesIdleConnections(t *testing.T) {
	s, _ := openTemp(t)
	newSurvey("survey", "a.csv", 20).store(t, s)
	if s.db.Stats().Idle == 0 {
		t.Fatal("no idle connection after storing; the test proves nothing")
	}
	s.ReleaseMemory()
	if idle := s.db.Stats().Idle; idle != 0 {
		t.Fatalf("%d idle connections after ReleaseMemory", idle)
	}
	if n := len(collectUnits(t, s.Units)); n != 20 {
		t.Fatalf("after ReleaseMemory: %d units, want 20", n)
	}
}

// RespondentFacts hands out the same respondents as Respondents, without
// their closed answers, in the order they were stored: with IDs stored out
// of (source, id) order and from two files, its order differs while the
// set does not.
func TestRespondentFactsAreRespondentsWithoutClosedAnswers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	b := newSurvey("e", "b.csv", 3)
	a := newSurvey("e", "a.csv", 2)
	for i := range a.respondents {
		a.respondents[i].ID = "z" + a.respondents[i].ID
	}
	for i := range a.units {
		a.units[i].Respondent = "z" + a.units[i].Respondent
		a.units[i].ID = "e/" + a.units[i].Respondent + "/" + a.units[i].Question
	}
	a.store(t, s)
	b.store(t, s)
	var want, got []study.Respondent
	if err := s.Respondents(ctx, func(r study.Respondent) error { want = append(want, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.RespondentFacts(ctx, func(r study.Respondent) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	key := func(r study.Respondent) string { return r.Source + "/" + r.ID }
	if len(got) != len(want) || len(got) != 5 {
		t.Fatalf("RespondentFacts gave %d respondents, Respondents %d, want 5", len(got), len(want))
	}
	byKey := map[string]study.Respondent{}
	for _, r := range want {
		r.Closed = nil
		byKey[key(r)] = r
	}
	for _, r := range got {
		if !reflect.DeepEqual(r, byKey[key(r)]) {
			t.Errorf("RespondentFacts gave %+v, want %+v", r, byKey[key(r)])
		}
	}
	if key(got[0]) == key(want[0]) {
		t.Errorf("RespondentFacts starts with %s like Respondents; the test means to read in storage order", key(got[0]))
	}
}
