package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".veldstem", "state.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// survey builds a survey file of n respondents answering one open question,
// with text that varies by version so tests can change chosen units.
type survey struct {
	source, file string
	units        []study.Unit
	respondents  []study.Respondent
}

func newSurvey(source, file string, n int) *survey {
	sv := &survey{source: source, file: file}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("r%03d", i)
		sv.respondents = append(sv.respondents, study.Respondent{
			ID: id, Source: source, File: file, Wave: "2025", Weight: 1.5,
			Attributes: map[string]string{"sector": "zorg"},
			Likert:     map[string]int{"Q_tevreden": 4},
			Closed:     map[string]string{"Q_werkdruk": "4"},
		})
		sv.units = append(sv.units, study.Unit{
			ID: source + "/" + id + "/Q1", Source: source, File: file, Respondent: id,
			Question: "Q1", QuestionLabel: "Wat kost u de meeste tijd?",
			Position: fmt.Sprintf("row %d", i+1), Seq: i,
			Text: fmt.Sprintf("antwoord %d: de werkdruk is hoog", i), Lang: "nl",
		})
	}
	return sv
}

func (sv *survey) record() FileRecord {
	return FileRecord{Source: sv.source, Path: sv.file, SHA256: fmt.Sprintf("sha-%d", len(sv.units)), Size: 100}
}

func (sv *survey) store(t testing.TB, s *Store) UnitDiff {
	t.Helper()
	d, err := s.ReplaceFile(context.Background(), sv.record(), sv.respondents, sv.units)
	if err != nil {
		t.Fatalf("ReplaceFile %s: %v", sv.file, err)
	}
	return d
}

func codingsFor(units []study.Unit) []study.Coding {
	cs := make([]study.Coding, len(units))
	for i, u := range units {
		cs[i] = study.Coding{UnitID: u.ID, Codes: []string{"werkdruk"},
			Matches: []study.Match{{Code: "werkdruk", Term: "werkdruk", Span: study.Span{Start: 14, End: 22}}}}
	}
	return cs
}

func collectUnits(t testing.TB, each func(context.Context, func(study.Unit) error) error) []string {
	t.Helper()
	var ids []string
	if err := each(context.Background(), func(u study.Unit) error { ids = append(ids, u.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ids
}

func toCode(t testing.TB, s *Store, codebook string) []string {
	t.Helper()
	return collectUnits(t, func(ctx context.Context, fn func(study.Unit) error) error {
		return s.UnitsToCode(ctx, codebook, fn)
	})
}

func codedIDs(t testing.TB, s *Store, codebook string) []string {
	t.Helper()
	var ids []string
	if err := s.Codings(context.Background(), codebook, func(c study.Coding) error {
		ids = append(ids, c.UnitID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func integrity(t testing.TB, s *Store) {
	t.Helper()
	var res string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil {
		t.Fatal(err)
	}
	if res != "ok" {
		t.Fatalf("integrity_check = %q", res)
	}
}
