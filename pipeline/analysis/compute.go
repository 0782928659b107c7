package analysis

import (
	"fmt"

	"github.com/veldstem/veldstem/pipeline/analysis/stats"
)

// Compute fills the Tables for one run. It fails only on input that would
// make a table ambiguous (a code listed twice in the codebook) or when the
// frame library reports an error; everything else, including empty input,
// yields valid Tables.
func Compute(in Input) (*Tables, error) { return compute(in, 0) }

// compute is Compute with the model's sorters spilling every sortLimit
// bytes (sortBufBytes when 0).
func compute(in Input, sortLimit int) (*Tables, error) {
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
	m, err := newModelSpilling(in, sortLimit)
	if err != nil {
		return nil, fmt.Errorf("analysis: reading the corpus: %w", err)
	}
	t := &Tables{
		Study:    in.Study,
		Language: in.Language,
		MinCell:  m.minCell,
		Codes:    append([]CodeInfo(nil), in.Codes...),
	}
	t.Sources = m.sourceSummaries()

	attrGroups, waves, overall := m.attrGroups, m.waveGroups, m.overall

	t.Prevalence = m.prevalence(overall)
	for k, attr := range in.Attributes {
		b, err := m.breakdown(attr, attrGroups[k], m.attrCounts[k], overall)
		if err != nil {
			return nil, fmt.Errorf("analysis: breakdown by %q: %w", attr, err)
		}
		t.Breakdowns = append(t.Breakdowns, b)
	}
	t.Cooccurrence = m.cooccurrence()
	t.Likert = m.likert()
	if len(waves.labels) >= 2 {
		t.Waves = waves.labels
		t.WavePrev, t.WaveChanges = m.waves(waves.labels, m.waveCounts)
	}
	if in.Gold != nil {
		exists := func(id string) bool { return m.goldUnits[id] }
		covered := CoveredCodes(in.Codes, in.GoldCodes)
		t.Agreement = append(t.Agreement, agree("veldstem", "gold", m.auto, in.Gold, exists, covered))
		if in.Second != nil {
			t.Agreement = append(t.Agreement, agree("gold", "second", in.Gold, in.Second, exists, covered))
		}
	}
	t.Quotes = m.quotes(overall, attrGroups)
	t.Findings = m.findings(t, overall)
	if err := m.fillTexts(t); err != nil {
		return nil, fmt.Errorf("analysis: reading quoted units: %w", err)
	}
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
	total := m.nUnits
	for c, code := range m.in.Codes {
		n := m.unitN[c]
		p := 0.0
		if total > 0 {
			p = float64(n) / float64(total)
		}
		out = append(out, m.prevalenceRow(code.ID, UnitLevel, "", n, total, p, float64(total)))
	}
	return out
}

func (m *model) sourceSummaries() []SourceSummary {
	type acc struct {
		s     SourceSummary
		waves map[string]bool
		units *srcCount
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
	for src, name := range m.srcNames {
		for w, n := range m.perWave[src] {
			if n == 0 {
				continue
			}
			a := get(name)
			a.s.Respondents += n
			wave := ""
			if w > 0 {
				wave = m.waveVals[w-1]
			}
			a.waves[wave] = true
		}
	}
	for name, sc := range m.sources {
		a := get(name)
		a.s.Units = sc.units
		a.units = sc
	}
	var out []SourceSummary
	for _, name := range sortedKeys(by) {
		a := by[name]
		switch {
		case a.units != nil && a.units.survey:
			a.s.Type = "survey"
		case a.units != nil && a.units.units > 0:
			a.s.Type = "transcript"
		}
		if len(a.waves) == 1 {
			a.s.Wave = sortedKeys(a.waves)[0]
		}
		out = append(out, a.s)
	}
	return out
}

func (m *model) breakdown(attr string, g grouping, counts []groupCount, overall groupCount) (Breakdown, error) {
	b := Breakdown{Attribute: attr, Groups: append([]string{}, g.labels...), GroupN: make([]int, len(g.labels))}
	for j := range counts {
		b.GroupN[j] = counts[j].size
	}
	df, err := m.breakdownFrame(counts, overall)
	if err != nil {
		return b, err
	}
	nc := len(m.in.Codes)
	grid := make([][]int, nc)
	for c := range grid {
		grid[c] = make([]int, len(counts))
	}
	for j := range counts {
		col, err := df.Col(groupCol(j)).Int()
		if err != nil {
			return b, err
		}
		for c := range nc {
			grid[c][j] = col[c]
		}
	}
	rest, err := df.Col("rest").Int()
	if err != nil {
		return b, err
	}
	supp := suppressGrid(grid, b.GroupN, rest, g.leftOut, m.sensitive)
	for c, code := range m.in.Codes {
		masked := false
		for j, label := range g.labels {
			cell := BreakdownCell{Code: code.ID, Group: label, N: grid[c][j], Total: b.GroupN[j]}
			if supp[c][j] {
				cell.Suppressed = true
				cell.Mask = m.mask(grid[c][j], b.GroupN[j])
				cell.N = 0
				masked = true
			} else {
				p := counts[j].pct(c)
				lo, hi := stats.Wilson(p, counts[j].neff())
				cell.Pct, cell.CILow, cell.CIHigh = 100*p, 100*lo, 100*hi
			}
			b.Cells = append(b.Cells, cell)
		}
		tst := m.test(code.ID, c, counts)
		if masked && tst.Valid {
			tst.Masked, tst.Chi2, tst.CramersV = true, 0, 0
		}
		b.Tests = append(b.Tests, tst)
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
	return b, nil
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
	carriers := m.carriers
	var out []Cooccurrence
	for a := range nc {
		for b := a + 1; b < nc; b++ {
			both := m.both[a*nc+b]
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
