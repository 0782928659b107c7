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
	counts   []int // per scale point
	wAgree   float64
	wTotal   float64
	// values and weights are the answers and their weights in respondent
	// order, kept only when the study is weighted. Unweighted, every
	// weight is 1 and the counts give the same median and effective size
	// without a slice per group.
	values, weights []float64
}

func (s *likertSummary) median() float64 {
	if s.weights == nil {
		return stats.ScaleMedian(s.counts)
	}
	return stats.WeightedMedian(s.values, s.weights)
}

// ess is Kish's effective sample size of the answers.
func (s *likertSummary) ess() float64 {
	if s.weights == nil {
		// stats.KishESS of n unit weights: both of its sums are exactly n.
		n := float64(s.n)
		if n == 0 {
			return 0
		}
		return n * n / n
	}
	return stats.KishESS(s.weights)
}

func (s *likertSummary) agreePct() (p, lo, hi float64) {
	if s.wTotal <= 0 {
		return 0, 0, 0
	}
	p = s.wAgree / s.wTotal
	l, h := stats.Wilson(p, s.ess())
	return 100 * p, 100 * l, 100 * h
}

// newLikertSummary is an empty summary of a k-point item; weighted keeps
// the answers and their weights.
func newLikertSummary(k int, weighted bool) likertSummary {
	s := likertSummary{counts: make([]int, k)}
	if weighted {
		s.values, s.weights = []float64{}, []float64{}
	}
	return s
}

// add counts an answer v (1..k) of weight w. Answers are added in
// respondent key order, as the weighted figures require.
func (s *likertSummary) add(v, k int, w float64) {
	s.n++
	s.counts[v-1]++
	s.wTotal += w
	if agrees(v, k) {
		s.agree++
		s.wAgree += w
	}
	if s.weights != nil {
		s.values = append(s.values, float64(v))
		s.weights = append(s.weights, w)
	}
}

// unweighted drops the answers kept for weighted figures.
func (s *likertSummary) unweighted() { s.values, s.weights = nil, nil }

func (m *model) likert() []LikertItem {
	var out []LikertItem
	for j, spec := range m.in.Likert {
		k := len(spec.Scale)
		item := LikertItem{
			Item: spec.Item, Label: spec.Label,
			Scale:      append([]string{}, spec.Scale...),
			Suppressed: make([]bool, k),
		}
		all := m.likertAll[j]
		item.Counts = make([]int, k)
		copy(item.Counts, all.counts)
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
			item.Median = all.median()
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
			item.By = append(item.By, m.likertBy(j, a, k, all.agree)...)
		}
		out = append(out, item)
	}
	return out
}

func (m *model) likertBy(j, a, k int, totalAgree int) []LikertGroup {
	attr := m.in.Attributes[a]
	g := m.likertGroups[j][a]
	sums := m.likertSums[j][a]
	restAgree := totalAgree
	agree := make([]int, len(sums))
	tot := make([]int, len(sums))
	for j := range sums {
		agree[j], tot[j] = sums[j].agree, sums[j].n
		restAgree -= sums[j].agree
	}
	supp := suppressGrid([][]int{agree}, tot, []int{restAgree}, g.leftOut, m.sensitive)[0]
	out := make([]LikertGroup, len(g.labels))
	for j, label := range g.labels {
		lg := LikertGroup{Attribute: attr, Group: label, N: sums[j].n}
		if supp[j] || m.sensitive(sums[j].n) {
			lg.Suppressed = true
		} else {
			lg.Median = sums[j].median()
			lg.AgreePct, lg.CILow, lg.CIHigh = sums[j].agreePct()
		}
		out[j] = lg
	}
	return out
}
