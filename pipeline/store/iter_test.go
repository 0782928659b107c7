package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func TestUnitsWithCodings(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	sv := newSurvey("survey", "a.csv", 4)
	sv.units[3].Context = true
	sv.store(t, s)
	cs := codingsFor(sv.units[:2])
	cs[1].Matches = append(cs[1].Matches, study.Match{Code: "x<&\"y", Term: "ter\\m \"q\" é\n", Span: study.Span{Start: 1, End: 3}, Negated: true})
	cs[1].Codes = append(cs[1].Codes, "x<&\"y")
	if err := s.SaveCodings(ctx, "cb", cs); err != nil {
		t.Fatal(err)
	}
	// A coding under another codebook is not this one's.
	if err := s.SaveCodings(ctx, "other", codingsFor(sv.units[2:3])); err != nil {
		t.Fatal(err)
	}
	var want []study.Unit
	if err := s.Units(ctx, func(u study.Unit) error { want = append(want, u); return nil }); err != nil {
		t.Fatal(err)
	}
	wantC := map[string]study.Coding{}
	if err := s.Codings(ctx, "cb", func(c study.Coding) error { wantC[c.UnitID] = c; return nil }); err != nil {
		t.Fatal(err)
	}
	var got []study.Unit
	gotC := map[string]study.Coding{}
	if err := s.UnitsWithCodings(ctx, "cb", func(u study.Unit, c *study.Coding) error {
		got = append(got, u)
		if c != nil {
			gotC[u.ID] = *c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("units = %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(gotC, wantC) || len(gotC) != 2 {
		t.Errorf("codings = %+v\nwant %+v", gotC, wantC)
	}

	// UnitsForReports: the same units and codings, without the three
	// fields no report shows.
	var lean []study.Unit
	leanC := map[string]study.Coding{}
	if err := s.UnitsForReports(ctx, "cb", func(u study.Unit, c *study.Coding) error {
		lean = append(lean, u)
		if c != nil {
			leanC[u.ID] = *c
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wantLean []study.Unit
	for _, u := range want {
		u.QuestionLabel, u.Position, u.Lang = "", "", ""
		wantLean = append(wantLean, u)
	}
	if !reflect.DeepEqual(lean, wantLean) || !reflect.DeepEqual(leanC, wantC) {
		t.Errorf("UnitsForReports = %+v, %+v\nwant %+v, %+v", lean, leanC, wantLean, wantC)
	}

	var light []study.Unit
	if err := s.UnitsWithCodes(ctx, "cb", func(u study.Unit, codes []string) error {
		if c, ok := wantC[u.ID]; ok != (codes != nil) || ok && !reflect.DeepEqual(codes, c.Codes) {
			t.Errorf("unit %s: codes %v, want %v", u.ID, codes, c.Codes)
		}
		light = append(light, u)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		w := want[i]
		w.Text = ""
		if i >= len(light) || light[i] != w {
			t.Errorf("UnitsWithCodes unit %d = %+v, want %+v", i, light, w)
		}
	}

	ids := []string{sv.units[2].ID, "nope", sv.units[1].ID}
	var byID []string
	if err := s.UnitsByID(ctx, "cb", ids, func(u study.Unit, c *study.Coding) error {
		byID = append(byID, u.ID)
		if (c != nil) != (u.ID == sv.units[1].ID) {
			t.Errorf("unit %s: coding %v", u.ID, c)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(byID, []string{sv.units[1].ID, sv.units[2].ID}) {
		t.Errorf("UnitsByID = %v", byID)
	}
}

// TestUnitsWithCodingsListsAreTheirOwn checks the codings UnitsWithCodings
// decodes into shared slabs: nil and empty lists stay apart, lists longer
// than a slab takes read back whole, and appending to one unit's lists
// never writes into another's.
func TestUnitsWithCodingsListsAreTheirOwn(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("e", "a.csv", 600) // more lists than a slab holds
	sv.store(t, s)
	in := codingsFor(sv.units)
	in[0] = study.Coding{UnitID: in[0].UnitID}                                              // nil lists
	in[1] = study.Coding{UnitID: in[1].UnitID, Codes: []string{}, Matches: []study.Match{}} // empty ones
	for i := range 2 * slabMatches {
		in[2].Matches = append(in[2].Matches, study.Match{Code: "werkdruk", Term: "werk", Span: study.Span{Start: i, End: i + 4}})
	}
	for i := range 2 * slabCodes {
		in[3].Codes = append(in[3].Codes, fmt.Sprintf("c%d", i))
	}
	if err := s.SaveCodings(ctx, "cb", in); err != nil {
		t.Fatal(err)
	}
	var got []study.Coding
	if err := s.UnitsWithCodings(ctx, "cb", func(_ study.Unit, c *study.Coding) error {
		got = append(got, *c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Fatal("codings read back differ from those saved")
	}
	if got[0].Codes != nil || got[0].Matches != nil || got[1].Codes == nil || got[1].Matches == nil {
		t.Errorf("nil and empty lists: %#v, %#v", got[0], got[1])
	}
	for i := range got {
		got[i].Codes = append(got[i].Codes, "extra")
		got[i].Matches = append(got[i].Matches, study.Match{Code: "extra"})
	}
	for i := range got {
		if c := got[i]; !reflect.DeepEqual(c.Codes[:len(c.Codes)-1], in[i].Codes) && len(in[i].Codes) > 0 ||
			!reflect.DeepEqual(c.Matches[:len(c.Matches)-1], in[i].Matches) && len(in[i].Matches) > 0 {
			t.Fatalf("unit %d: lists changed by appending to others: %v", i, c)
		}
	}
}

// UnitsForReportsIn gives exactly UnitsForReports' units and codings of
// the files asked for, in the same order, whatever order they are asked in.
func TestUnitsForReportsIn(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var all []study.Unit
	for i, sv := range []*survey{newSurvey("b", "w1.csv", 3), newSurvey("a", "w2.csv", 4), newSurvey("a", "w1.csv", 2)} {
		for j := range sv.units { // respondent IDs are unique within a source
			sv.respondents[j].ID = fmt.Sprintf("f%d-%s", i, sv.respondents[j].ID)
			sv.units[j].Respondent = sv.respondents[j].ID
			sv.units[j].ID = sv.source + "/" + sv.units[j].Respondent + "/Q1"
		}
		sv.units[0].Context = true
		sv.store(t, s)
		all = append(all, sv.units...)
	}
	if err := s.SaveCodings(ctx, "cb", codingsFor(all[1:])); err != nil {
		t.Fatal(err)
	}
	type row struct {
		u study.Unit
		c *study.Coding
	}
	collect := func(scan func(fn func(study.Unit, *study.Coding) error) error) []row {
		var rows []row
		if err := scan(func(u study.Unit, c *study.Coding) error {
			r := row{u: u}
			if c != nil {
				cc := *c
				r.c = &cc
			}
			rows = append(rows, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	every := collect(func(fn func(study.Unit, *study.Coding) error) error { return s.UnitsForReports(ctx, "cb", fn) })
	for _, files := range [][]FileKey{
		nil,
		{{"a", "w2.csv"}},
		{{"b", "w1.csv"}, {"a", "w1.csv"}},
		{{"a", "w2.csv"}, {"nope", "x.csv"}, {"b", "w1.csv"}, {"a", "w2.csv"}},
		{{"b", "w1.csv"}, {"a", "w2.csv"}, {"a", "w1.csv"}},
	} {
		var want []row
		for _, r := range every {
			if slices.Contains(files, FileKey{r.u.Source, r.u.File}) {
				want = append(want, r)
			}
		}
		got := collect(func(fn func(study.Unit, *study.Coding) error) error {
			return s.UnitsForReportsIn(ctx, "cb", files, fn)
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("files %v: got %d units, want %d:\n%+v\nwant %+v", files, len(got), len(want), got, want)
		}
	}
	if len(every) != 9 {
		t.Fatalf("UnitsForReports gave %d units, want 9", len(every))
	}
}

// RespondentFactsIn gives RespondentFacts' respondents of the files asked
// for, each once, file by file.
func TestRespondentFactsIn(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	for i, sv := range []*survey{newSurvey("b", "w1.csv", 3), newSurvey("a", "w2.csv", 4), newSurvey("a", "w1.csv", 2)} {
		for j := range sv.units { // respondent IDs are unique within a source
			sv.respondents[j].ID = fmt.Sprintf("f%d-%s", i, sv.respondents[j].ID)
			sv.units[j].Respondent = sv.respondents[j].ID
			sv.units[j].ID = sv.source + "/" + sv.units[j].Respondent + "/Q1"
		}
		sv.store(t, s)
	}
	all := map[FileKey][]study.Respondent{}
	if err := s.RespondentFacts(ctx, func(r study.Respondent) error {
		k := FileKey{r.Source, r.File}
		all[k] = append(all[k], r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, files := range [][]FileKey{nil, {{"a", "w2.csv"}}, {{"b", "w1.csv"}, {"a", "w1.csv"}, {"nope", "x"}}} {
		var want, got []study.Respondent
		for _, f := range files {
			want = append(want, all[f]...)
		}
		if err := s.RespondentFactsIn(ctx, files, func(r study.Respondent) error {
			got = append(got, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("files %v: got %+v\nwant %+v", files, got, want)
		}
	}
	if n := len(all[FileKey{"a", "w2.csv"}]); n != 4 {
		t.Fatalf("RespondentFacts gave %d respondents of a/w2.csv, want 4", n)
	}
}
