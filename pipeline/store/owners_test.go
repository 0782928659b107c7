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
