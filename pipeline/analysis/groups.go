package analysis

// grouping assigns respondents to the groups of one attribute (or wave)
// for display: sorted labels, and per respondent an index or -1.
type grouping struct {
	labels []string
	of     []int // per respondent in model order
	// leftOut counts respondents in the population without a shown group:
	// no value, or in a pool still smaller than MinCell.
	leftOut int
}

// otherLabel names the pool of small groups in the study's language.
func (m *model) otherLabel() string {
	if m.in.Language == "en" {
		return "other"
	}
	return "overig"
}

// groupBy builds a grouping over the respondents for which in(i) holds,
// using value(i) ("" for missing). Groups with fewer than MinCell members
// would print a small count (GroupN), so they are pooled into one "other"
// group; when the pool itself is too small its members are left out.
// pool=false keeps every group as it is (waves must stay separate).
func (m *model) groupBy(in func(i int) bool, value func(i int) string, pool bool) grouping {
	count := map[string]int{}
	for i := range m.resp {
		if in(i) {
			if v := value(i); v != "" {
				count[v]++
			}
		}
	}
	other := m.otherLabel()
	rename := map[string]string{}
	poolSize := 0
	if pool {
		for _, v := range sortedKeys(count) {
			if count[v] < m.minCell || v == other {
				poolSize += count[v]
			}
		}
		for _, v := range sortedKeys(count) {
			if count[v] < m.minCell || v == other {
				if poolSize >= m.minCell {
					rename[v] = other
				} else {
					rename[v] = "" // left out
				}
			}
		}
	}
	labelSet := map[string]bool{}
	for _, v := range sortedKeys(count) {
		if r, ok := rename[v]; ok {
			if r != "" {
				labelSet[r] = true
			}
			continue
		}
		labelSet[v] = true
	}
	g := grouping{labels: sortedKeys(labelSet), of: make([]int, len(m.resp))}
	pos := map[string]int{}
	for i, l := range g.labels {
		pos[l] = i
	}
	for i := range m.resp {
		g.of[i] = -1
		if !in(i) {
			continue
		}
		v := value(i)
		if r, ok := rename[v]; ok {
			v = r
		}
		if p, ok := pos[v]; ok && v != "" {
			g.of[i] = p
		} else {
			g.leftOut++
		}
	}
	return g
}
