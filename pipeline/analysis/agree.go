package analysis

import (
	"github.com/veldstem/veldstem/pipeline/analysis/stats"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Agree compares coder A with coder B as the reference, code by code and
// pooled over codes, on the units B coded that exist among units (context
// turns excluded, as they are never coded). Both codings are rolled up to
// ancestors first, since hand-made gold files often list leaf codes only;
// codes not in the codebook are ignored. A unit missing from a means A
// gave it no codes. Disagreements are sorted by unit ID, then code ID.
func Agree(coderA, coderB string, a, b map[string][]string, units []study.Unit, codes []CodeInfo) Agreement {
	text := map[string]string{}
	for _, u := range units {
		if !u.Context {
			if _, dup := text[u.ID]; !dup {
				text[u.ID] = u.Text
			}
		}
	}
	ag := agree(coderA, coderB, a, b, func(id string) bool { _, ok := text[id]; return ok }, codes)
	for i := range ag.Disagreements {
		ag.Disagreements[i].Text = text[ag.Disagreements[i].UnitID]
	}
	return ag
}

// agree is Agree on the units for which exists holds, with the
// disagreements' texts left empty.
func agree(coderA, coderB string, a, b map[string][]string, exists func(id string) bool, codes []CodeInfo) Agreement {
	m := &model{in: Input{Codes: codes}, codeIdx: map[string]int{}}
	for i, c := range codes {
		if _, dup := m.codeIdx[c.ID]; !dup {
			m.codeIdx[c.ID] = i
		}
	}
	m.lineage = lineage(codes, m.codeIdx)
	var ids []string
	for _, id := range sortedKeys(b) {
		if exists(id) {
			ids = append(ids, id)
		}
	}
	ag := Agreement{CoderA: coderA, CoderB: coderB}
	conf := make([]stats.Confusion, len(codes))
	lexical := sortedKeys(m.codeIdx)
	for _, id := range ids {
		ha, hb := m.codeSet(a[id]), m.codeSet(b[id])
		for c := range codes {
			switch {
			case ha[c] && hb[c]:
				conf[c].YesYes++
			case ha[c]:
				conf[c].YesNo++
			case hb[c]:
				conf[c].NoYes++
			default:
				conf[c].NoNo++
			}
		}
		for _, code := range lexical {
			c := m.codeIdx[code]
			if ha[c] != hb[c] {
				ag.Disagreements = append(ag.Disagreements, Disagreement{UnitID: id, Code: code, A: ha[c], B: hb[c]})
			}
		}
	}
	var pooled stats.Confusion
	for c, code := range codes {
		ag.Rows = append(ag.Rows, agreementRow(code.ID, len(ids), conf[c]))
		pooled = pooled.Add(conf[c])
	}
	ag.Overall = agreementRow("", len(ids), pooled)
	return ag
}

func agreementRow(code string, units int, c stats.Confusion) AgreementRow {
	p, r, f := c.PrecisionRecall()
	row := AgreementRow{Code: code, NUnits: units, Kappa: c.Kappa(), Alpha: c.Alpha(), Precision: p, Recall: r, F1: f}
	if n := c.N(); n > 0 {
		row.PrevA = 100 * float64(c.YesYes+c.YesNo) / float64(n)
		row.PrevB = 100 * float64(c.YesYes+c.NoYes) / float64(n)
	}
	return row
}
