package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func TestUnitFilesNamesTheFileThatHoldsEachUnit(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	units := []study.Unit{{ID: "s/R-1/q", Source: "s", File: "a.csv", Respondent: "R-1", Question: "q", Text: "x"}}
	if _, err := s.ReplaceFile(ctx, FileRecord{Source: "s", Path: "a.csv", SHA256: "h"}, []study.Respondent{{ID: "R-1", Source: "s", File: "a.csv"}}, units); err != nil {
		t.Fatal(err)
	}
	got, err := s.UnitFiles(ctx, []string{"s/R-1/q", "s/R-2/q"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["s/R-1/q"] != "s\x00a.csv" {
		t.Errorf("got %q, want only s/R-1/q in a.csv", got)
	}
}

func TestUnitsToCodeReadsInPagesAndSeesEveryUnitOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("e", "a.csv", 7) // 14 units over several pages of 3
	sv.store(t, s)
	old := toCodePage
	toCodePage = 3
	defer func() { toCodePage = old }()
	var got []string
	err := s.UnitsToCode(ctx, "cb1", func(u study.Unit) error {
		got = append(got, u.ID)
		// Coding while the scan goes on, as the orchestrator does.
		return s.SaveCodings(ctx, "cb1", []study.Coding{{UnitID: u.ID, Codes: []string{"x"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, u := range sv.units {
		if !u.Context {
			want = append(want, u.ID)
		}
	}
	if len(got) != len(want) || len(want) <= 3 {
		t.Fatalf("got %d units %v, want each of the %d once", len(got), got, len(want))
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("unit %s given twice", id)
		}
		seen[id] = true
	}
	again := 0
	if err := s.UnitsToCode(ctx, "cb1", func(study.Unit) error { again++; return nil }); err != nil || again != 0 {
		t.Errorf("after coding every unit, %d are still to code (%v)", again, err)
	}
}
