package analysis

import "github.com/veldstem/veldstem/pipeline/analysis/stats"

// agrees reports whether scale point v (1..k) counts as agreeing: the top
// two boxes on scales of four points or more, the top box on shorter ones
// (on a 3-point scale the top two would include the neutral middle).
func agrees(v, k int) bool {
	if k >= 4 {
		return v >= k-1
	}
	return k >= 2 && v == k
}

// likertSummary holds one population's answers to one item.
type likertSummary struct {
	n, agree int
	values   []float64
	weights  []float64
	wAgree   float64
	wTotal   float64
}

func (s *likertSummary) add(v, k int, w float64) {
	s.n++
	s.values = append(s.values, float64(v))
	s.weights = append(s.weights, w)
	s.wTotal += w
	if agrees(v, k) {
		s.agree++
		s.wAgree += w
	}
}

func (s *likertSummary) agreePct() (p, lo, hi float64) {
	if s.wTotal <= 0 {
		return 0, 0, 0
	}
	p = s.wAgree / s.wTotal
	l, h := stats.Wilson(p, stats.KishESS(s.weights))
	return 100 * p, 100 * l, 100 * h
}

func (m *model) likert() []LikertItem {
	var out []LikertItem
	for j, spec := range m.in.Likert {
		k := len(spec.Scale)
		item := LikertItem{
			Item: spec.Item, Label: spec.Label,
			Scale:      append([]string{}, spec.Scale...),
			Counts:     make([]int, k),
			Suppressed: make([]bool, k),
		}
		answer := func(i int) (int, bool) {
			v := int(m.respLikertPoint(i, j))
			return v, v >= 1 && v <= k
		}
		var all likertSummary
		for i, r := range m.resp {
			if v, ok := answer(i); ok {
				item.Counts[v-1]++
				all.add(v, k, r.w)
			}
		}
		item.N = all.n
		tot := make([]int, k)
		for j := range tot {
			tot[j] = all.n
		}
		supp := suppressGrid([][]int{item.Counts}, tot, nil, 0, m.sensitive)[0]
		for j := range supp {
			if supp[j] {
				item.Suppressed[j] = true
				item.Counts[j] = 0
			}
		}
		if !m.sensitive(all.n) && all.n > 0 {
			item.Median = stats.WeightedMedian(all.values, all.weights)
		}
		// The agree share would reveal the top boxes' total, so it follows
		// the same rule, and hides those boxes with it.
		if m.sensitive(all.agree) || m.sensitive(all.n-all.agree) {
			for v := 1; v <= k; v++ {
				if agrees(v, k) {
					item.Suppressed[v-1] = true
					item.Counts[v-1] = 0
				}
			}
		} else {
			item.AgreePct, item.CILow, item.CIHigh = all.agreePct()
		}
		for a := range m.in.Attributes {
			item.By = append(item.By, m.likertBy(a, k, answer, all.agree)...)
		}
		out = append(out, item)
	}
	return out
}

func (m *model) likertBy(a, k int, answer func(int) (int, bool), totalAgree int) []LikertGroup {
	attr := m.in.Attributes[a]
	g := m.groupBy(func(i int) bool { _, ok := answer(i); return ok },
		func(i int) string { return m.attr(i, a) }, true)
	sums := make([]likertSummary, len(g.labels))
	restAgree := totalAgree
	for i, r := range m.resp {
		if j := g.of[i]; j >= 0 {
			v, _ := answer(i)
			sums[j].add(v, k, r.w)
			if agrees(v, k) {
				restAgree--
			}
		}
	}
	agree := make([]int, len(sums))
	tot := make([]int, len(sums))
	for j := range sums {
		agree[j], tot[j] = sums[j].agree, sums[j].n
	}
	supp := suppressGrid([][]int{agree}, tot, []int{restAgree}, g.leftOut, m.sensitive)[0]
	out := make([]LikertGroup, len(g.labels))
	for j, label := range g.labels {
		lg := LikertGroup{Attribute: attr, Group: label, N: sums[j].n}
		if supp[j] || m.sensitive(sums[j].n) {
			lg.Suppressed = true
		} else {
			lg.Median = stats.WeightedMedian(sums[j].values, sums[j].weights)
			lg.AgreePct, lg.CILow, lg.CIHigh = sums[j].agreePct()
		}
		out[j] = lg
	}
	return out
}
