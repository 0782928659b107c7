package run

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/store"
)

const testCodebook = `name: test
version: "1"
language: nl
codes:
  - id: workload
    label: {nl: Werkdruk, en: Workload}
    description: Werkdruk.
    terms: {nl: [werkdruk, "*druk", overuren], en: [workload]}
  - id: bureaucracy
    label: {nl: Bureaucratie, en: Bureaucracy}
    description: Administratieve last.
    terms: {nl: [registratie*, formulier*, bureaucratie], en: [paperwork]}
  - id: staff
    label: {nl: Personeel, en: Staff}
    description: Verzuim en verloop.
    terms: {nl: [ziekteverzuim, verloop, burn-out], en: [turnover]}
`

const testConfig = `study: {name: Test, language: nl}
sources:
  - name: survey
    type: survey
    path: data/*.csv
    wave: "2025"
    id_column: ResponseId
    text_columns: [Q1, Q2]
    attributes: {mode: Q_mode}
  - name: interviews
    type: transcript
    path: interviews/*.txt
    interviewer: [Interviewer]
codebook: codes/test.yaml
output: {dir: reports}
store: {path: .veldstem/state.db}
privacy: {min_cell: 3, key_file: .veldstem/key}
`

var answers = []string{
	"De werkdruk is veel te hoog geworden", "Alles moet in formulieren en registratie", "Het verloop in ons team is enorm",
	"Ik maak overuren en de tijdsdruk stijgt", "Veel bureaucratie rond elke cliënt", "Collega's met een burn-out",
	"Het gaat eigenlijk wel goed", "Minder huisbezoeken dan vroeger", "The workload is high and there is too much paperwork",
}

// surveyCSV writes n respondents starting at id first.
func surveyCSV(first, n int) string {
	var b strings.Builder
	b.WriteString("ResponseId,Q_mode,Q1,Q2\n")
	for i := first; i < first+n; i++ {
		mode := []string{"aanbesteding", "subsidie"}[i%2]
		fmt.Fprintf(&b, "R_%04d,%s,%q,%q\n", i, mode, answers[i%len(answers)], answers[(i*7+3)%len(answers)])
	}
	return b.String()
}

// newStudy lays out a small study and returns its loaded config.
func newStudy(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"codes/test.yaml":           testCodebook,
		"config.yaml":               testConfig,
		"data/a.csv":                surveyCSV(1, 24),
		"interviews/interview1.txt": "Interviewer: Hoe gaat het?\nR: De werkdruk is hoog, en de registratie kost veel tijd.\nInterviewer: En verder?\nR: Het verloop is groot.\n",
	}
	for name, body := range files {
		writeFile(t, filepath.Join(dir, name), body)
	}
	return loadConfig(t, dir)
}

func loadConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join(dir, "config.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRun(t *testing.T, cfg *config.Config, opts Options) *Summary {
	t.Helper()
	sum, err := Run(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// reportFiles reads every report file; manifest.json without its run time.
func reportFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "manifest.json" {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"run_at", "RunAt"} {
				delete(m, k)
			}
			b, _ = json.Marshal(m)
		}
		out[e.Name()] = b
	}
	return out
}

func sameReports(t *testing.T, a, b map[string][]byte) {
	t.Helper()
	var names []string
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(a) != len(b) {
		t.Errorf("report sets differ: %d vs %d files", len(a), len(b))
	}
	for _, n := range names {
		if !bytes.Equal(a[n], b[n]) {
			t.Errorf("%s differs between runs", n)
		}
	}
}

func TestRerunWithNothingNewGivesByteIdenticalReports(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	if first.UnitsCoded == 0 || first.FilesNew != 2 {
		t.Fatalf("first run: %+v", first)
	}
	before := reportFiles(t, cfg.Output.Dir)
	if _, ok := before["report.html"]; !ok {
		t.Fatalf("no report.html among %d files", len(before))
	}
	second := mustRun(t, cfg, Options{})
	if second.UnitsCoded != 0 || second.FilesUnchanged != 2 || second.FilesNew+second.FilesChanged+second.FilesRemoved != 0 {
		t.Errorf("second run did work: %+v", second)
	}
	if second.UnitsReused != first.UnitsCoded {
		t.Errorf("second run reused %d units, want %d", second.UnitsReused, first.UnitsCoded)
	}
	sameReports(t, before, reportFiles(t, cfg.Output.Dir))
}

func TestAddedFileCodesOnlyItsUnits(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), surveyCSV(100, 5))
	sum := mustRun(t, cfg, Options{})
	if sum.FilesNew != 1 || sum.FilesUnchanged != 2 {
		t.Errorf("files: %+v", sum)
	}
	if sum.UnitsCoded != 10 {
		t.Errorf("coded %d units, want the new file's 10", sum.UnitsCoded)
	}
	if sum.Respondents != first.Respondents+5 {
		t.Errorf("respondents %d, want %d", sum.Respondents, first.Respondents+5)
	}
}

func TestEditedAnswerRecodesOneUnit(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	csv := surveyCSV(1, 24)
	edited := strings.Replace(csv, "R_0005,subsidie,", "R_0005,subsidie,\"Nu ook ziekteverzuim\",", 1)
	// drop the old Q1 of R_0005 so the row keeps four columns
	lines := strings.Split(edited, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "R_0005,") {
			parts := strings.SplitN(l, "\",\"", 3)
			lines[i] = parts[0] + "\",\"" + parts[2]
		}
	}
	writeFile(t, filepath.Join(cfg.Dir, "data/a.csv"), strings.Join(lines, "\n"))
	sum := mustRun(t, cfg, Options{})
	if sum.FilesChanged != 1 || sum.UnitsCoded != 1 {
		t.Errorf("want 1 changed file and 1 recoded unit, got %+v", sum)
	}
}

func TestChangedCodebookRecodesEverything(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	writeFile(t, cfg.Codebook, testCodebook+"  - id: quality\n    label: {nl: Kwaliteit, en: Quality}\n    terms: {nl: [huisbezoek*]}\n")
	sum := mustRun(t, cfg, Options{})
	if sum.UnitsCoded != first.UnitsCoded || sum.FilesUnchanged != 2 {
		t.Errorf("after a codebook change: %+v, want %d units recoded and no file re-read", sum, first.UnitsCoded)
	}
	b, err := os.ReadFile(filepath.Join(cfg.Output.Dir, "codings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.SplitN(string(b), "\n", 2)[0], "quality") {
		t.Errorf("codings.csv header lacks the new code: %s", strings.SplitN(string(b), "\n", 2)[0])
	}
}

func TestRemovedFileLeavesTheAnalysis(t *testing.T) {
	cfg := newStudy(t)
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), surveyCSV(100, 5))
	first := mustRun(t, cfg, Options{})
	if err := os.Remove(filepath.Join(cfg.Dir, "data/b.csv")); err != nil {
		t.Fatal(err)
	}
	sum := mustRun(t, cfg, Options{})
	if sum.FilesRemoved != 1 || sum.Respondents != first.Respondents-5 {
		t.Errorf("after removing a file: %+v (first %d respondents)", sum, first.Respondents)
	}
}

func TestFullRunRecodesEverything(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	sum := mustRun(t, cfg, Options{Full: true})
	if sum.UnitsCoded != first.UnitsCoded {
		t.Errorf("--full coded %d, want %d", sum.UnitsCoded, first.UnitsCoded)
	}
}

func TestBadInputStopsTheRunBeforeAnythingChanges(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	before := reportFiles(t, cfg.Output.Dir)
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), "ResponseId,Q_mode,Q1,Q2\nR_1,a,b,c,d,e\nR_1,a,b,c\n")
	_, err := Run(context.Background(), cfg, Options{})
	if err == nil {
		t.Fatal("a broken file was accepted")
	}
	if !strings.Contains(err.Error(), "b.csv") {
		t.Errorf("error does not name the file: %v", err)
	}
	sameReports(t, before, reportFiles(t, cfg.Output.Dir))
	st, err := store.Open(cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files, _ := st.Files(context.Background())
	for _, f := range files {
		if strings.HasSuffix(f.Path, "b.csv") {
			t.Error("the broken file reached the store")
		}
	}
}

func TestSecondRunWithNoWaitExitsWhileTheStoreIsLocked(t *testing.T) {
	cfg := newStudy(t)
	if err := os.MkdirAll(filepath.Dir(cfg.Store.Path), 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := store.Lock(cfg.Store.Path, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), cfg, Options{Wait: false})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Errorf("want a lock error naming pid %d, got %v", os.Getpid(), err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Run(context.Background(), cfg, Options{Wait: true, WaitTimeout: time.Minute})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if err := lock.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("waiting run failed: %v", err)
	}
}

func TestOverlappingExportsAreRefusedBeforeAnythingIsStored(t *testing.T) {
	cfg := newStudy(t)
	first := mustRun(t, cfg, Options{})
	// b.csv repeats respondents 20..24 of a.csv, as a second export would.
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), surveyCSV(20, 8))
	_, err := Run(context.Background(), cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), "come from two files") || !strings.Contains(err.Error(), "data/a.csv") || !strings.Contains(err.Error(), "data/b.csv") {
		t.Fatalf("want an error naming both files, got %v", err)
	}
	if err := os.Remove(filepath.Join(cfg.Dir, "data/b.csv")); err != nil {
		t.Fatal(err)
	}
	sum := mustRun(t, cfg, Options{})
	if sum.Units != first.Units || sum.UnitsCoded != 0 {
		t.Errorf("after removing the overlap: %+v, want the first run's %d units untouched", sum, first.Units)
	}
}

func TestInputProblemsArePseudonymizedBeforeTheyAreShown(t *testing.T) {
	cfg := newStudy(t)
	// Duplicate respondent IDs are quoted in the problem text, so personal
	// data typed into the ID column would reach stderr and cron mail.
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), "ResponseId,Q_mode,Q1,Q2\njan@example.nl,a,b,c\njan@example.nl,a,b,c\n")
	_, err := Run(context.Background(), cfg, Options{})
	if err == nil {
		t.Fatal("a ragged file was accepted")
	}
	if strings.Contains(err.Error(), "jan@example.nl") {
		t.Errorf("the problem shows raw personal data: %v", err)
	}
	if !strings.Contains(err.Error(), "b.csv") || !strings.Contains(err.Error(), "[EMAIL-") {
		t.Errorf("the problem should name the file and the pseudonymized duplicate: %v", err)
	}
}

func TestFullRunRendersReportsAgain(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	// A report someone replaced by hand is only rewritten when the cache
	// notices; --full must not depend on that.
	path := filepath.Join(cfg.Output.Dir, "report.md")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	mustRun(t, cfg, Options{Full: true})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().After(old.Add(time.Minute)) {
		t.Error("--full kept the old report.md instead of rendering it")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("--full changed report.md although nothing else changed")
	}
}
