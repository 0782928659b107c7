package coding

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// holdoutCodes are the top-level codes data/validation/holdout.csv codes,
// in its column order.
var holdoutCodes = []string{"workload", "quality", "client_choice", "tendering", "market", "bureaucracy", "autonomy", "staff"}

// TestHoldoutAgreement codes the held-out set (data/validation/holdout.csv,
// written and human-coded blind to the codebook's terms; see HOLDOUT.md)
// with the real codebook and logs per-code precision, recall, F1 and
// Cohen's kappa against the human coding.
//
// The figures are reported, not pinned: the test only fails when the
// codebook or engine is plainly broken (mean F1 under holdoutFloor, or a
// code that never fires correctly). Do not tune the codebook on this file;
// once it has been used for tuning it no longer measures generalisation.
func TestHoldoutAgreement(t *testing.T) {
	const holdoutFloor = 0.5

	cb, err := Load("../../codes/aanbesteding.yaml")
	if err != nil {
		t.Fatalf("Load codebook: %v", err)
	}
	for _, c := range holdoutCodes {
		if _, ok := cb.Code(c); !ok {
			t.Fatalf("codebook has no code %q", c)
		}
	}
	coder, err := Compile(cb)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}

	f, err := os.Open("../../data/validation/holdout.csv")
	if err != nil {
		t.Fatalf("open holdout: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read holdout: %v", err)
	}
	if len(rows) < 2 {
		t.Fatalf("holdout has no units")
	}
	head := rows[0]
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, h := range append([]string{"id", "text"}, holdoutCodes...) {
		if _, ok := col[h]; !ok {
			t.Fatalf("holdout header %v lacks column %q", head, h)
		}
	}

	type counts struct{ tp, fp, fn, tn int }
	per := make([]counts, len(holdoutCodes))
	var perLang = map[string]*counts{}
	seen := map[string]bool{}
	for ln, r := range rows[1:] {
		id, text := r[col["id"]], r[col["text"]]
		if seen[id] {
			t.Fatalf("line %d: duplicate id %q", ln+2, id)
		}
		seen[id] = true
		lang := DetectLanguage(text)
		got := coder.Code(study.Unit{ID: id, Text: text, Lang: lang}, nil)
		lk := lang
		if lk == "" {
			lk = "?"
		}
		if perLang[lk] == nil {
			perLang[lk] = &counts{}
		}
		for i, c := range holdoutCodes {
			var gold bool
			switch v := strings.TrimSpace(r[col[c]]); v {
			case "1":
				gold = true
			case "0":
			default:
				t.Fatalf("line %d (%s): %s = %q, want 0 or 1", ln+2, id, c, v)
			}
			auto := got.Has(c)
			for _, k := range []*counts{&per[i], perLang[lk]} {
				switch {
				case gold && auto:
					k.tp++
				case !gold && auto:
					k.fp++
				case gold && !auto:
					k.fn++
				default:
					k.tn++
				}
			}
		}
	}
	n := len(rows) - 1

	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	prf := func(k counts) (p, r, f1 float64) {
		p = div(float64(k.tp), float64(k.tp+k.fp))
		r = div(float64(k.tp), float64(k.tp+k.fn))
		f1 = div(2*p*r, p+r)
		return
	}
	kappa := func(k counts) float64 {
		tot := float64(k.tp + k.fp + k.fn + k.tn)
		po := float64(k.tp+k.tn) / tot
		pe := (float64(k.tp+k.fp)*float64(k.tp+k.fn) + float64(k.fn+k.tn)*float64(k.fp+k.tn)) / (tot * tot)
		return div(po-pe, 1-pe)
	}

	t.Logf("holdout: %d units, codebook %s", n, cb.Version)
	t.Logf("%-14s %5s %5s %4s %4s %4s %6s %6s %6s %6s", "code", "gold", "auto", "tp", "fp", "fn", "prec", "recall", "f1", "kappa")
	var sumF1 float64
	var all counts
	for i, c := range holdoutCodes {
		k := per[i]
		p, r, f1 := prf(k)
		sumF1 += f1
		all.tp, all.fp, all.fn, all.tn = all.tp+k.tp, all.fp+k.fp, all.fn+k.fn, all.tn+k.tn
		t.Logf("%-14s %5d %5d %4d %4d %4d %6.3f %6.3f %6.3f %6.3f", c, k.tp+k.fn, k.tp+k.fp, k.tp, k.fp, k.fn, p, r, f1, kappa(k))
		if k.tp == 0 {
			t.Errorf("%s: no correct positive on the holdout set; codebook or engine broken?", c)
		}
	}
	macro := sumF1 / float64(len(holdoutCodes))
	mp, mr, mf := prf(all)
	t.Logf("%-14s %5d %5d %4d %4d %4d %6.3f %6.3f %6.3f %6.3f", "micro", all.tp+all.fn, all.tp+all.fp, all.tp, all.fp, all.fn, mp, mr, mf, kappa(all))
	t.Logf("macro F1 %.3f (floor %.2f)", macro, holdoutFloor)
	for _, l := range []string{"nl", "en", "?"} {
		if k := perLang[l]; k != nil {
			p, r, f1 := prf(*k)
			t.Logf("lang %-2s: %3d units, micro prec %.3f recall %.3f f1 %.3f", l, (k.tp+k.fp+k.fn+k.tn)/len(holdoutCodes), p, r, f1)
		}
	}
	if macro < holdoutFloor {
		t.Errorf("macro F1 %.3f below floor %.2f: codebook or engine broken?", macro, holdoutFloor)
	}
}
