package analysis

import (
	"fmt"
	"math"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func TestAgree(t *testing.T) {
	// Wikipedia's Cohen's kappa example (kappa 0.4) laid out as 50 units:
	// both code 20, only A 5, only B 10, neither 15.
	codes := []CodeInfo{{ID: "k"}}
	var units []study.Unit
	a, b := map[string][]string{}, map[string][]string{}
	for i := range 50 {
		id := fmt.Sprintf("u%02d", i)
		units = append(units, study.Unit{ID: id, Text: "tekst " + id})
		b[id] = nil
		switch {
		case i < 20:
			a[id], b[id] = []string{"k"}, []string{"k"}
		case i < 25:
			a[id] = []string{"k"}
		case i < 35:
			b[id] = []string{"k"}
		}
	}
	units = append(units, study.Unit{ID: "ctx", Context: true})
	b["ctx"] = []string{"k"}     // context turns are never compared
	b["missing"] = []string{"k"} // gold for a unit that no longer exists
	ag := Agree("veldstem", "gold", a, b, units, codes)
	row := ag.Rows[0]
	t.Run("kappa is 0.4 on the 50 units both coders saw", func(t *testing.T) {
		if row.NUnits != 50 || math.Abs(row.Kappa-0.4) > 1e-12 {
			t.Errorf("got %+v", row)
		}
	})
	t.Run("precision and recall measure A against B", func(t *testing.T) {
		if math.Abs(row.Precision-0.8) > 1e-12 || math.Abs(row.Recall-20.0/30) > 1e-12 || row.PrevA != 50 || row.PrevB != 60 {
			t.Errorf("got %+v", row)
		}
	})
	t.Run("one code pooled equals that code", func(t *testing.T) {
		o := ag.Overall
		o.Code = row.Code
		if o != row {
			t.Errorf("overall %+v, row %+v", ag.Overall, row)
		}
	})
	t.Run("disagreements are listed by unit with their text", func(t *testing.T) {
		if len(ag.Disagreements) != 15 || ag.Disagreements[0].UnitID != "u20" || !ag.Disagreements[0].A || ag.Disagreements[0].B || ag.Disagreements[0].Text != "tekst u20" {
			t.Errorf("got %d: %+v", len(ag.Disagreements), ag.Disagreements[0])
		}
	})
	t.Run("a gold file listing only a child still agrees on its parent", func(t *testing.T) {
		ag := Agree("veldstem", "gold",
			map[string][]string{"u1": {"werkdruk", "werkdruk.uren"}},
			map[string][]string{"u1": {"werkdruk.uren"}},
			[]study.Unit{{ID: "u1"}}, testCodes)
		if len(ag.Disagreements) != 0 || ag.Overall.F1 != 1 {
			t.Errorf("got %+v", ag)
		}
	})
}
