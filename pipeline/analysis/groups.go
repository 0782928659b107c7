package analysis

import "sort"

// grouping assigns respondents to the groups of one attribute (or wave)
// for display: sorted labels, and per respondent an index or -1.
type grouping struct {
	labels []string
	of     []int32 // per respondent in model order
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
// using value(i), an index into values (-1 or "" for missing; values are
// distinct). Groups with fewer than MinCell members would print a small
// count (GroupN), so they are pooled into one "other" group; when the pool
// itself is too small its members are left out. pool=false keeps every
// group as it is (waves must stay separate).
//
// Respondents are counted and assigned by value index: the decisions are
// per distinct value, and a string-keyed map access per respondent was
// most of the cost of a grouping.
func (m *model) groupBy(in func(i int) bool, value func(i int) int32, values []string, pool bool) grouping {
	count := make([]int, len(values))
	for i := range m.resp {
		if in(i) {
			if v := value(i); v >= 0 {
				count[v]++
			}
		}
	}
	other := m.otherLabel()
	// label is each value's group: itself, the pool, or "" (left out).
	label := make([]string, len(values))
	poolSize := 0
	pooled := func(v int) bool { return pool && (count[v] < m.minCell || values[v] == other) }
	for v, n := range count {
		if n > 0 && values[v] != "" && pooled(v) {
			poolSize += n
		}
	}
	labels := []string{}
	seen := map[string]bool{}
	for v, n := range count {
		if n == 0 || values[v] == "" {
			continue
		}
		label[v] = values[v]
		if pooled(v) {
			label[v] = ""
			if poolSize >= m.minCell {
				label[v] = other
			}
		}
		if l := label[v]; l != "" && !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	sort.Strings(labels)
	pos := make(map[string]int32, len(labels))
	for i, l := range labels {
		pos[l] = int32(i)
	}
	group := make([]int32, len(values))
	for v := range values {
		group[v] = -1
		if label[v] != "" {
			group[v] = pos[label[v]]
		}
	}
	g := grouping{labels: labels, of: make([]int32, len(m.resp))}
	for i := range m.resp {
		g.of[i] = -1
		if !in(i) {
			continue
		}
		if v := value(i); v >= 0 && group[v] >= 0 {
			g.of[i] = group[v]
		} else {
			g.leftOut++
		}
	}
	return g
}
