package analysis

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

var testCodes = []CodeInfo{
	{ID: "werkdruk", LabelNL: "Werkdruk", LabelEN: "Workload"},
	{ID: "werkdruk.uren", LabelNL: "Lange uren", LabelEN: "Long hours", Parent: "werkdruk", Depth: 1},
	{ID: "regeldruk", LabelNL: "Regeldruk", LabelEN: "Red tape"},
	{ID: "niemand", LabelNL: "Door niemand genoemd", LabelEN: "Mentioned by nobody"},
}

// respondentSpec is one test respondent: who they are and which codes
// their single survey answer carries.
type respondentSpec struct {
	id, sector, wave string
	weight           float64
	codes            []string
	likert           int
}

// buildInput turns specs into an Input the way ingest and coding would:
// one unit per respondent, codings with matches whose spans cover the
// word "druk" in the text.
func buildInput(specs []respondentSpec) Input {
	in := Input{Study: "test", Language: "nl", Codes: testCodes, Attributes: []string{"sector"},
		Likert: []LikertSpec{{Item: "q1", Label: "Tevreden", Scale: []string{"1", "2", "3", "4", "5"}}},
		Files:  map[string]int{"enquete": 1}}
	for _, s := range specs {
		r := study.Respondent{ID: s.id, Source: "enquete", Wave: s.wave, Weight: s.weight, Attributes: map[string]string{}, Likert: map[string]int{}}
		if s.sector != "" {
			r.Attributes["sector"] = s.sector
		}
		if s.likert > 0 {
			r.Likert["q1"] = s.likert
		}
		in.Respondents = append(in.Respondents, r)
		u := study.Unit{Source: "enquete", Respondent: s.id, Question: "open1",
			Text: "Respondent " + s.id + " schrijft over druk op het werk en wat dat met het team doet."}
		u.ID = study.MakeUnitID(u)
		in.Units = append(in.Units, u)
		c := study.Coding{UnitID: u.ID, Codes: s.codes}
		for _, code := range s.codes {
			at := len("Respondent " + s.id + " schrijft over ")
			c.Matches = append(c.Matches, study.Match{Code: code, Term: "druk", Span: study.Span{Start: at, End: at + 4}})
		}
		in.Codings = append(in.Codings, c)
	}
	return in
}

// standardSpecs: 40 respondents in zorg and onderwijs (20 each), werkdruk
// much more common in zorg (16/20) than onderwijs (4/20), regeldruk equal
// (10/20 each), and 3 respondents in politie, a group below MinCell.
func standardSpecs() []respondentSpec {
	var specs []respondentSpec
	for i := range 20 {
		s := respondentSpec{id: fmt.Sprintf("z%02d", i), sector: "zorg", wave: "2024", likert: 1 + i%5}
		if i < 16 {
			s.codes = append(s.codes, "werkdruk")
		}
		if i < 8 {
			s.codes = append(s.codes, "werkdruk.uren")
		}
		if i%2 == 0 {
			s.codes = append(s.codes, "regeldruk")
		}
		specs = append(specs, s)
	}
	for i := range 20 {
		s := respondentSpec{id: fmt.Sprintf("o%02d", i), sector: "onderwijs", wave: "2025", likert: 1 + (i*3)%5}
		if i < 4 {
			s.codes = append(s.codes, "werkdruk")
		}
		if i%2 == 1 {
			s.codes = append(s.codes, "regeldruk")
		}
		specs = append(specs, s)
	}
	for i := range 3 {
		specs = append(specs, respondentSpec{id: fmt.Sprintf("p%02d", i), sector: "politie", wave: "2025", codes: []string{"regeldruk"}})
	}
	return specs
}

// assertFinite fails on any NaN or Inf anywhere in v.
func assertFinite(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, x reflect.Value)
	walk = func(path string, x reflect.Value) {
		switch x.Kind() {
		case reflect.Float64:
			if f := x.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				t.Errorf("%s = %v", path, f)
			}
		case reflect.Pointer:
			if !x.IsNil() {
				walk(path, x.Elem())
			}
		case reflect.Struct:
			for i := range x.NumField() {
				walk(path+"."+x.Type().Field(i).Name, x.Field(i))
			}
		case reflect.Slice:
			for i := range x.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), x.Index(i))
			}
		}
	}
	walk("Tables", reflect.ValueOf(v))
}

func prevalenceOf(t *Tables, code string, level Level) Prevalence {
	for _, p := range t.Prevalence {
		if p.Code == code && p.Level == level {
			return p
		}
	}
	return Prevalence{}
}

func cellOf(b Breakdown, code, group string) (BreakdownCell, bool) {
	for _, c := range b.Cells {
		if c.Code == code && c.Group == group {
			return c, true
		}
	}
	return BreakdownCell{}, false
}

func testOf(b Breakdown, code string) Test {
	for _, tst := range b.Tests {
		if tst.Code == code {
			return tst
		}
	}
	return Test{}
}
