package analysis

import (
	"fmt"

	"github.com/veldstem/veldstem/pipeline/analysis/stats"
)

// Compute fills the Tables for one run. It fails only on input that would
// make a table ambiguous (a code listed twice in the codebook) or when the
// frame library reports an error; everything else, including empty input,
// yields valid Tables.
func Compute(in Input) (*Tables, error) {
	seen := map[string]bool{}
	for _, c := range in.Codes {
		if c.ID == "" {
			return nil, fmt.Errorf("analysis: the codebook has a code without an ID; give every code in codes/ an id")
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("analysis: the codebook lists code %q twice; code IDs in codes/ must be unique", c.ID)
		}
		seen[c.ID] = true
	}
	m := newModel(in)
	t := &Tables{
		Study:    in.Study,
		Language: in.Language,
		MinCell:  m.minCell,
		Codes:    append([]CodeInfo(nil), in.Codes...),
	}
	t.Sources = m.sources()

	groupCols := map[string][]int{}
	attrGroups := make([]grouping, len(in.Attributes))
	for k, attr := range in.Attributes {
		attrGroups[k] = m.groupBy(m.isCoded, func(i int) string { return m.resp[i].Attributes[attr] }, true)
		groupCols[fmt.Sprintf("g%d", k)] = attrGroups[k].of
	}
	waves := m.groupBy(m.isCoded, func(i int) string { return m.resp[i].Wave }, false)
	if len(waves.labels) >= 2 {
		groupCols["wave"] = waves.of
	}
	df, _ := m.codedFrame(groupCols)
	overall := m.countAll(df)

	t.Prevalence = m.prevalence(overall)
	for k, attr := range in.Attributes {
		counts, err := m.countBy(df, fmt.Sprintf("g%d", k), len(attrGroups[k].labels))
		if err != nil {
			return nil, fmt.Errorf("analysis: breakdown by %q: %w", attr, err)
		}
		t.Breakdowns = append(t.Breakdowns, m.breakdown(attr, attrGroups[k], counts, overall))
	}
	t.Cooccurrence = m.cooccurrence()
	t.Likert = m.likert()
	if len(waves.labels) >= 2 {
		counts, err := m.countBy(df, "wave", len(waves.labels))
		if err != nil {
			return nil, fmt.Errorf("analysis: waves: %w", err)
		}
		t.Waves = waves.labels
		t.WavePrev, t.WaveChanges = m.waves(waves.labels, counts)
	}
	if in.Gold != nil {
		auto := map[string][]string{}
		for _, u := range m.units {
			auto[u.ID] = u.coding.Codes
		}
		t.Agreement = append(t.Agreement, Agree("veldstem", "gold", auto, in.Gold, in.Units, CoveredCodes(in.Codes, in.GoldCodes)))
		if in.Second != nil {
			t.Agreement = append(t.Agreement, Agree("gold", "second", in.Gold, in.Second, in.Units, CoveredCodes(in.Codes, in.GoldCodes)))
		}
	}
	t.Quotes = m.quotes(overall, attrGroups)
	t.Findings = m.findings(t, overall)
	return t, nil
}

// mask is the true statement printed for a suppressed count n of total.
func (m *model) mask(n, total int) string {
	k := m.in.MinCell
	switch {
	case m.sensitive(n):
		return fmt.Sprintf("<%d", k)
	case m.sensitive(total - n):
		return fmt.Sprintf(">%d", total-k)
	default:
		return "x"
	}
}

func (m *model) isCoded(i int) bool { return m.resp[i].coded }

// prevalenceRow builds one prevalence figure with its interval, suppressed
// when the count or its complement is small.
func (m *model) prevalenceRow(code string, level Level, wave string, n, total int, p, neff float64) Prevalence {
	row := Prevalence{Code: code, Level: level, Wave: wave, N: n, Total: total, NEff: neff}
	if m.sensitive(n) || m.sensitive(total-n) {
		row.Suppressed = true
		row.Mask = m.mask(n, total)
		row.N = 0
		return row
	}
	row.Pct = 100 * p
	lo, hi := stats.Wilson(p, neff)
	row.CILow, row.CIHigh = 100*lo, 100*hi
	return row
}

func (m *model) prevalence(overall groupCount) []Prevalence {
	var out []Prevalence
	for c, code := range m.in.Codes {
		out = append(out, m.prevalenceRow(code.ID, RespondentLevel, "", overall.n[c], overall.size, overall.pct(c), overall.neff()))
	}
	total := len(m.units)
	for c, code := range m.in.Codes {
		n := 0
		for _, u := range m.units {
			if u.has[c] {
				n++
			}
		}
		p := 0.0
		if total > 0 {
			p = float64(n) / float64(total)
		}
		out = append(out, m.prevalenceRow(code.ID, UnitLevel, "", n, total, p, float64(total)))
	}
	return out
}

func (m *model) sources() []SourceSummary {
	type acc struct {
		s        SourceSummary
		survey   bool
		waves    map[string]bool
		hasUnits bool
	}
	by := map[string]*acc{}
	get := func(name string) *acc {
		if a, ok := by[name]; ok {
			return a
		}
		a := &acc{s: SourceSummary{Name: name}, waves: map[string]bool{}}
		by[name] = a
		return a
	}
	for name, files := range m.in.Files {
		get(name).s.Files = files
	}
	for _, r := range m.resp {
		a := get(r.Source)
		a.s.Respondents++
		a.waves[r.Wave] = true
	}
	for _, u := range m.units {
		a := get(u.Source)
		a.s.Units++
		a.hasUnits = true
		if u.Question != "" {
			a.survey = true
		}
	}
	var out []SourceSummary
	for _, name := range sortedKeys(by) {
		a := by[name]
		switch {
		case a.survey:
			a.s.Type = "survey"
		case a.hasUnits:
			a.s.Type = "transcript"
		}
		if len(a.waves) == 1 {
			a.s.Wave = sortedKeys(a.waves)[0]
		}
		out = append(out, a.s)
	}
	return out
}

func (m *model) breakdown(attr string, g grouping, counts []groupCount, overall groupCount) Breakdown {
	b := Breakdown{Attribute: attr, Groups: append([]string{}, g.labels...), GroupN: make([]int, len(g.labels))}
	for j := range counts {
		b.GroupN[j] = counts[j].size
	}
	nc := len(m.in.Codes)
	grid := make([][]int, nc)
	rest := make([]int, nc)
	for c := range nc {
		grid[c] = make([]int, len(counts))
		rest[c] = overall.n[c]
		for j := range counts {
			grid[c][j] = counts[j].n[c]
			rest[c] -= counts[j].n[c]
		}
	}
	supp := suppressGrid(grid, b.GroupN, rest, g.leftOut, m.sensitive)
	for c, code := range m.in.Codes {
		for j, label := range g.labels {
			cell := BreakdownCell{Code: code.ID, Group: label, N: grid[c][j], Total: b.GroupN[j]}
			if supp[c][j] {
				cell.Suppressed = true
				cell.Mask = m.mask(grid[c][j], b.GroupN[j])
				cell.N = 0
			} else {
				p := counts[j].pct(c)
				lo, hi := stats.Wilson(p, counts[j].neff())
				cell.Pct, cell.CILow, cell.CIHigh = 100*p, 100*lo, 100*hi
			}
			b.Cells = append(b.Cells, cell)
		}
		b.Tests = append(b.Tests, m.test(code.ID, c, counts))
	}
	var ps []float64
	var idx []int
	for i, tst := range b.Tests {
		if tst.Valid {
			ps = append(ps, tst.P)
			idx = append(idx, i)
		}
	}
	for k, q := range stats.BenjaminiHochberg(ps) {
		b.Tests[idx[k]].PAdj = q
	}
	return b
}

// test crosses code c (yes/no) with the groups. Weighted data are tested on
// counts rescaled to each group's effective sample size, so the test does
// not pretend weights are extra respondents. Fisher's exact test replaces
// chi-square for an unweighted 2×2 table with an expected count below 5.
func (m *model) test(code string, c int, counts []groupCount) Test {
	tst := Test{Code: code, Method: "chi2", P: 1, PAdj: 1}
	table := [][]float64{make([]float64, len(counts)), make([]float64, len(counts))}
	for j, g := range counts {
		if m.weighted {
			table[0][j] = g.pct(c) * g.neff()
			table[1][j] = (1 - g.pct(c)) * g.neff()
		} else {
			table[0][j] = float64(g.n[c])
			table[1][j] = float64(g.size - g.n[c])
		}
	}
	r := stats.ChiSquare(table)
	if !r.OK {
		return tst
	}
	tst.Valid = true
	tst.Chi2, tst.DF, tst.P = r.Chi2, r.DF, r.P
	tst.CramersV = stats.CramersV(r.Chi2, r.N, r.Rows, r.Cols)
	if !m.weighted && len(counts) == 2 && r.MinExpected < 5 {
		tst.Method = "fisher"
		tst.P = stats.FisherExact2x2(counts[0].n[c], counts[1].n[c], counts[0].size-counts[0].n[c], counts[1].size-counts[1].n[c])
	}
	return tst
}

func (m *model) cooccurrence() []Cooccurrence {
	nc := len(m.in.Codes)
	carriers := make([]int, nc)
	for _, r := range m.resp {
		for c, h := range r.has {
			if h {
				carriers[c]++
			}
		}
	}
	var out []Cooccurrence
	for a := range nc {
		for b := a + 1; b < nc; b++ {
			both := 0
			for _, r := range m.resp {
				if r.has[a] && r.has[b] {
					both++
				}
			}
			co := Cooccurrence{CodeA: m.in.Codes[a].ID, CodeB: m.in.Codes[b].ID, N: both}
			// Also the "A but not B" counts: A's and B's totals are shown.
			if m.sensitive(both) || m.sensitive(carriers[a]-both) || m.sensitive(carriers[b]-both) {
				co.Suppressed = true
				co.N = 0
			} else {
				co.Jaccard = stats.Jaccard(both, carriers[a], carriers[b])
			}
			out = append(out, co)
		}
	}
	return out
}

func (m *model) waves(labels []string, counts []groupCount) ([]Prevalence, []WaveChange) {
	var prev []Prevalence
	var changes []WaveChange
	for c, code := range m.in.Codes {
		rows := make([]Prevalence, len(labels))
		for w, label := range labels {
			g := counts[w]
			rows[w] = m.prevalenceRow(code.ID, RespondentLevel, label, g.n[c], g.size, g.pct(c), g.neff())
		}
		prev = append(prev, rows...)
		for w := 1; w < len(labels); w++ {
			from, to := counts[w-1], counts[w]
			// A change next to a suppressed figure would reveal it.
			if rows[w-1].Suppressed || rows[w].Suppressed || from.size == 0 || to.size == 0 {
				continue
			}
			d, lo, hi := stats.NewcombeDiff(from.pct(c), from.neff(), to.pct(c), to.neff())
			changes = append(changes, WaveChange{
				Code: code.ID, From: labels[w-1], To: labels[w],
				PctFrom: 100 * from.pct(c), PctTo: 100 * to.pct(c),
				Diff: 100 * d, CILow: 100 * lo, CIHigh: 100 * hi,
			})
		}
	}
	return prev, changes
}
