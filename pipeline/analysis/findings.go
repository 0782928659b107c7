package analysis

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// findings writes 3 to 6 sentences from the tables, never from anything
// the tables do not show: suppressed figures are skipped, differences are
// only claimed when the BH-adjusted p is below 0.05, and wave changes only
// when the interval excludes 0.
func (m *model) findings(t *Tables, overall groupCount) []string {
	nl := m.in.Language != "en"
	num := func(x float64, dec int) string {
		s := fmt.Sprintf("%.*f", dec, x)
		if nl {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	pct := func(x float64) string { return num(x, 0) + "%" }
	pval := func(p float64) string {
		if p < 0.001 {
			return "< " + num(0.001, 3)
		}
		return "= " + num(p, 3)
	}
	var out []string

	sources := 0
	for _, s := range t.Sources {
		if s.Units > 0 {
			sources++
		}
	}
	if nl {
		out = append(out, fmt.Sprintf("De analyse omvat %d respondenten met %d gecodeerde antwoorden of fragmenten uit %d %s.",
			overall.size, m.nUnits, sources, plural(sources, "bron", "bronnen")))
	} else {
		out = append(out, fmt.Sprintf("The analysis covers %d respondents with %d coded answers or fragments from %d %s.",
			overall.size, m.nUnits, sources, plural(sources, "source", "sources")))
	}

	var top []Prevalence
	for _, p := range t.Prevalence {
		if p.Level == RespondentLevel && !p.Suppressed && p.N > 0 {
			top = append(top, p)
		}
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].Pct > top[j].Pct })
	if len(top) > 3 {
		top = top[:3]
	}
	if len(top) > 0 {
		parts := make([]string, len(top))
		for i, p := range top {
			ci := "95%-BI"
			if !nl {
				ci = "95% CI"
			}
			parts[i] = fmt.Sprintf("%s (%s, %s %s–%s)", m.label(p.Code), pct(p.Pct), ci, num(p.CILow, 0), pct(p.CIHigh))
		}
		if nl {
			out = append(out, "Het vaakst genoemd: "+list(parts, "en")+".")
		} else {
			out = append(out, "Mentioned most often: "+list(parts, "and")+".")
		}
	}

	type sig struct {
		attr, code string
		padj       float64
		order      int
		hi, lo     BreakdownCell
	}
	var sigs []sig
	tested := false
	for k, b := range t.Breakdowns {
		for c, tst := range b.Tests {
			if !tst.Valid {
				continue
			}
			tested = true
			if tst.PAdj >= 0.05 {
				continue
			}
			var shown []BreakdownCell
			for _, cell := range b.Cells {
				if cell.Code == tst.Code && !cell.Suppressed {
					shown = append(shown, cell)
				}
			}
			if len(shown) < 2 {
				continue
			}
			hi, lo := shown[0], shown[0]
			for _, cell := range shown[1:] {
				if cell.Pct > hi.Pct {
					hi = cell
				}
				if cell.Pct < lo.Pct {
					lo = cell
				}
			}
			sigs = append(sigs, sig{attr: b.Attribute, code: tst.Code, padj: tst.PAdj, order: k*len(b.Tests) + c, hi: hi, lo: lo})
		}
	}
	sort.SliceStable(sigs, func(i, j int) bool {
		if sigs[i].padj != sigs[j].padj {
			return sigs[i].padj < sigs[j].padj
		}
		return sigs[i].order < sigs[j].order
	})
	for i, s := range sigs {
		if i == 2 {
			break
		}
		if nl {
			out = append(out, fmt.Sprintf("%s verschilt naar %s (gecorrigeerde p %s): het hoogst bij %s (%s), het laagst bij %s (%s).",
				m.label(s.code), s.attr, pval(s.padj), s.hi.Group, pct(s.hi.Pct), s.lo.Group, pct(s.lo.Pct)))
		} else {
			out = append(out, fmt.Sprintf("%s differs by %s (adjusted p %s): highest in %s (%s), lowest in %s (%s).",
				m.label(s.code), s.attr, pval(s.padj), s.hi.Group, pct(s.hi.Pct), s.lo.Group, pct(s.lo.Pct)))
		}
	}
	if tested && len(sigs) == 0 {
		if nl {
			out = append(out, "Na correctie voor meervoudig toetsen zijn er geen significante verschillen tussen groepen.")
		} else {
			out = append(out, "After correction for multiple testing, no differences between groups are significant.")
		}
	}

	var changes []WaveChange
	for _, c := range t.WaveChanges {
		if c.CILow > 0 || c.CIHigh < 0 {
			changes = append(changes, c)
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return math.Abs(changes[i].Diff) > math.Abs(changes[j].Diff) })
	for i, c := range changes {
		if i == 2 || len(out) == 6 {
			break
		}
		sign := "+"
		if c.Diff < 0 {
			sign = "−"
		}
		d := sign + num(math.Abs(c.Diff), 0)
		if nl {
			verb := "steeg"
			if c.Diff < 0 {
				verb = "daalde"
			}
			out = append(out, fmt.Sprintf("%s %s van %s (%s) naar %s (%s): %s procentpunt (95%%-BI %s tot %s).",
				m.label(c.Code), verb, pct(c.PctFrom), c.From, pct(c.PctTo), c.To, d, num(c.CILow, 0), num(c.CIHigh, 0)))
		} else {
			verb := "rose"
			if c.Diff < 0 {
				verb = "fell"
			}
			out = append(out, fmt.Sprintf("%s %s from %s (%s) to %s (%s): %s percentage points (95%% CI %s to %s).",
				m.label(c.Code), verb, pct(c.PctFrom), c.From, pct(c.PctTo), c.To, d, num(c.CILow, 0), num(c.CIHigh, 0)))
		}
	}
	if m.weighted && len(out) < 6 {
		if nl {
			out = append(out, "Percentages zijn gewogen; de betrouwbaarheidsintervallen houden rekening met de weging.")
		} else {
			out = append(out, "Percentages are weighted; the confidence intervals allow for the weighting.")
		}
	}
	if len(out) > 6 {
		out = out[:6]
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func list(parts []string, and string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + and + " " + parts[len(parts)-1]
}
