package run

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// storedCodings reads every current coding of cfg's store.
func storedCodings(t *testing.T, storePath, codebookPath string) []study.Coding {
	t.Helper()
	cb, err := coding.Load(codebookPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(storePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []study.Coding
	if err := st.Codings(context.Background(), cb.Hash, func(c study.Coding) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// Files new to the store are coded while stored; --full recodes every unit
// in the coding pass instead. Both must store the same codings, and the
// summary must count the units coded either way.
func TestCodingWhileStoringEqualsTheCodingPass(t *testing.T) {
	cfg := newStudy(t)
	writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), surveyCSV(100, 12))
	// A rule on a closed answer makes the coder look up respondents, which
	// the coding while storing finds in the unit's own batch.
	writeFile(t, cfg.Codebook, testCodebook+`  - id: tendered
    label: {nl: Aanbesteed, en: Tendered}
    description: Werkt onder een aanbesteding.
    rules: ['Q_mode == "aanbesteding"']
`)
	first := mustRun(t, cfg, Options{})
	fused := storedCodings(t, cfg.Store.Path, cfg.Codebook)

	full := mustRun(t, cfg, Options{Full: true})
	pass := storedCodings(t, cfg.Store.Path, cfg.Codebook)

	if len(fused) == 0 {
		t.Fatal("no codings after the first run")
	}
	byRule := 0
	for _, c := range fused {
		for _, code := range c.Codes {
			if code == "tendered" {
				byRule++
			}
		}
	}
	if byRule == 0 {
		t.Fatal("the closed-answer rule coded no unit while storing")
	}
	if !reflect.DeepEqual(fused, pass) {
		t.Fatalf("codings differ: coded while storing %d, in the coding pass %d", len(fused), len(pass))
	}
	if first.UnitsCoded != len(fused) || full.UnitsCoded != len(pass) {
		t.Fatalf("units coded: first run %d, --full %d; codings %d", first.UnitsCoded, full.UnitsCoded, len(fused))
	}
}
