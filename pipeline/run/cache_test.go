package run

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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

// A file added after the others, and then an edit to the first file: the
// unchanged files' parts of codings.csv and project.qdpx are copied from
// the last reports, and every report is what a --full run renders.
func TestUnchangedFilesPartsAreCopied(t *testing.T) {
	cfg := newStudy(t)
	var logs bytes.Buffer
	opts := Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	mustRun(t, cfg, opts)
	steps := []struct {
		name, file, body string
		copied, kept     int // parts copied, files whose facts were kept
	}{
		// a.csv and interview1.txt, in the three exports (b.csv sorts
		// after a.csv, so no row moves on the workbook's Codings sheet).
		{"added file", "data/b.csv", surveyCSV(100, 5), 6, 2},
		// b.csv and interview1.txt in codings.csv and the project; on the
		// Codings sheet only the interview, whose source sorts first: b.csv
		// moved up two rows.
		{"edited first file", "data/a.csv", surveyCSV(1, 23), 5, 2},
		// A damaged facts cache is not used (the analysis reads every
		// unit); the exports still copy every part.
		{"damaged facts cache", "", "", 9, 0},
	}
	for _, s := range steps {
		if s.file != "" {
			writeFile(t, filepath.Join(cfg.Dir, s.file), s.body)
		} else {
			damage(t, factsPath(cfg))
			damage(t, respondentFactsPath(cfg))
			// and a report the cache does not vouch for, so they render
			if err := os.Remove(filepath.Join(cfg.Output.Dir, "report.md")); err != nil {
				t.Fatal(err)
			}
		}
		logs.Reset()
		mustRun(t, cfg, opts)
		m := regexp.MustCompile(`parts_copied=(\d+) facts_kept=(\d+) respondents_kept=(\d+)`).FindStringSubmatch(logs.String())
		if k := strconv.Itoa(s.kept); m == nil || m[1] != strconv.Itoa(s.copied) || m[2] != k || m[3] != k {
			t.Errorf("%s: log %q, want parts_copied=%d facts_kept=%d respondents_kept=%[3]d", s.name, logs.String(), s.copied, s.kept)
		}
		got := reportFiles(t, cfg.Output.Dir)
		mustRun(t, cfg, Options{Full: true})
		sameReports(t, reportFiles(t, cfg.Output.Dir), got)
	}
}

// damage flips a byte in the middle of the file at path.
func damage(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The pass that proves no stored unit lacks a coding is skipped only when
// the last run finished with the same codebook and fingerprint and this
// run stored only new files (coded while stored); the reports are a --full
// run's either way.
func TestCodingCheckSkippedOnlyAfterAGoodRun(t *testing.T) {
	cfg := newStudy(t)
	var logs bytes.Buffer
	opts := Options{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	mustRun(t, cfg, opts)
	skipped := func() bool { return strings.Contains(logs.String(), "others_coded_by_the_last_run=true") }
	steps := []struct {
		name, file, body string
		fails, skip      bool
	}{
		{"new file after a good run", "data/b.csv", surveyCSV(100, 5), false, true},
		{"changed file", "data/a.csv", surveyCSV(1, 23), false, false},
		{"a run that fails", "data/bad.csv", "Q1,Q2\nonly,answers\n", true, false},
		{"new file after a failed run", "data/bad.csv", "", false, false},
		{"new file after a good run again", "data/c.csv", surveyCSV(200, 3), false, true},
	}
	for _, s := range steps {
		path := filepath.Join(cfg.Dir, s.file)
		if s.body == "" {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(cfg.Dir, "data/d.csv"), surveyCSV(300, 2))
		} else {
			writeFile(t, path, s.body)
		}
		logs.Reset()
		_, err := Run(context.Background(), cfg, opts)
		if (err != nil) != s.fails {
			t.Fatalf("%s: err = %v", s.name, err)
		}
		if s.fails {
			continue
		}
		if skipped() != s.skip {
			t.Errorf("%s: coding check skipped = %v, want %v\n%s", s.name, skipped(), s.skip, logs.String())
		}
		got := reportFiles(t, cfg.Output.Dir)
		mustRun(t, cfg, Options{Full: true})
		sameReports(t, reportFiles(t, cfg.Output.Dir), got)
		// The --full run is the last run now: it finished with this
		// codebook and fingerprint.
	}
}
