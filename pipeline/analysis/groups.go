package analysis

import "sort"

// grouping assigns respondents to the groups of one attribute (or wave)
// for display: sorted labels, and per value (an index into the
// attribute's values) a group index or -1.
type grouping struct {
	labels []string
	group  []int32
	// leftOut counts respondents in the population without a shown group:
	// no value, or in a pool still smaller than MinCell.
	leftOut int
}

// of is the group of value index v (-1 for none), or -1.
func (g *grouping) of(v int32) int32 {
	if v < 0 {
		return -1
	}
	return g.group[v]
}

// otherLabel names the pool of small groups in the study's language.
func (m *model) otherLabel() string {
	if m.in.Language == "en" {
		return "other"
	}
	return "overig"
}

// groupBy builds a grouping of a population of respondents from count[v],
// how many of them have value v of values (distinct, none empty), and
// missing, how many have none. Groups with fewer than MinCell members
// would print a small count (GroupN), so they are pooled into one "other"
// group; when the pool itself is too small its members are left out.
// pool=false keeps every group as it is (waves must stay separate).
func (m *model) groupBy(count []int, missing int, values []string, pool bool) grouping {
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
	g := grouping{labels: labels, group: make([]int32, len(values)), leftOut: missing}
	for v := range values {
		g.group[v] = -1
		if label[v] != "" {
			g.group[v] = pos[label[v]]
		} else {
			g.leftOut += count[v]
		}
	}
	return g
}
