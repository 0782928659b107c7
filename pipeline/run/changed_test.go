package run

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// A file that changes between the check and the store pass must not be
// stored: its bytes are no longer the ones the store would record the hash
// of, and the check (repeated IDs among them) did not see them. The run
// fails with a message naming the file, and the store and reports stay the
// last run's; the next run, seeing the new hash, reads the file anew.
func TestFileChangedAfterTheCheckIsNotStored(t *testing.T) {
	cfg := newStudy(t)
	mustRun(t, cfg, Options{})
	before := reportFiles(t, cfg.Output.Dir)

	path := filepath.Join(cfg.Dir, "data/b.csv")
	for _, changed := range []struct{ name, body string }{
		// A clean file: before the store pass checked the bytes, it was
		// stored under the hash of the file that was checked.
		{"one row more", surveyCSV(100, 13)},
		// A repeated ID, which the check would refuse and the store pass
		// no longer looks for.
		{"a repeated ID", surveyCSV(100, 12) + "R_0100,subsidie,a,b\n"},
	} {
		writeFile(t, path, surveyCSV(100, 12))
		checkpointHook = func(p string) {
			if p == "read" {
				writeFile(t, path, changed.body)
			}
		}
		_, err := Run(context.Background(), cfg, Options{})
		checkpointHook = nil
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "data/b.csv changed while it was being read") {
			t.Fatalf("%s after the check: run gave %v", changed.name, err)
		}
		sameReports(t, before, reportFiles(t, cfg.Output.Dir))
	}

	// Now the file is checked as it is: its repeated ID is refused.
	if _, err := Run(context.Background(), cfg, Options{}); err == nil || !strings.Contains(err.Error(), "duplicate respondent ID") {
		t.Fatalf("next run: %v, want the repeated ID refused", err)
	}
	writeFile(t, path, surveyCSV(100, 12))
	if sum := mustRun(t, cfg, Options{}); sum.FilesNew != 1 || sum.Respondents != 24+12+1 {
		t.Fatalf("run after the fix: %+v", sum)
	}
}
