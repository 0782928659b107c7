package run

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRerunWithNothingNewKeepsTheReportFiles(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	html := filepath.Join(cfg.Output.Dir, "report.html")
	old, err := os.Stat(html)
	if err != nil {
		t.Fatal(err)
	}
	second := mustRun(t, cfg, Options{})
	now, err := os.Stat(html)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(old, now) {
		t.Error("report.html was rewritten although nothing changed")
	}
	if second.Respondents != first.Respondents || second.Units != first.Units || second.CodesApplied != first.CodesApplied || second.Reports != first.Reports {
		t.Errorf("cached summary %+v differs from the rendered one %+v", second, first)
	}
}

func TestEditedReportIsRenderedAgain(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	before := reportFiles(t, cfg.Output.Dir)
	md := filepath.Join(cfg.Output.Dir, "report.md")
	if err := os.WriteFile(md, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, cfg, Options{})
	sameReports(t, before, reportFiles(t, cfg.Output.Dir))
}

func TestChangedReportSettingRendersAgain(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	cfg.Output.CSVDelimiter = ";"
	mustRun(t, cfg, Options{})
	b, err := os.ReadFile(filepath.Join(cfg.Output.Dir, "prevalence.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !containsByte(b, ';') {
		t.Errorf("prevalence.csv still uses ',' after csv_delimiter became ';':\n%s", b)
	}
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}
