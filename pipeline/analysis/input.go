package analysis

import (
	"math"
	"sort"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Input is everything Compute needs. Slices and maps are read, never kept
// or modified.
type Input struct {
	Study, Language string
	// MinCell is the smallest count shown (privacy.min_cell); 5 when 0.
	MinCell int
	// QuotesPerCode caps the illustrative quotes per code; 3 when 0.
	QuotesPerCode int
	// Codes is the codebook in its own order, which every table follows.
	Codes []CodeInfo
	// Respondents are keyed by (Source, ID). A unit whose respondent is not
	// listed gets an implicit respondent without attributes or weight.
	Respondents []study.Respondent
	// Units are all units; Context units are never counted.
	Units []study.Unit
	// Codings are keyed by UnitID; a unit without a coding has no codes.
	Codings []study.Coding
	// Attributes are the attribute names to break down by, in order.
	Attributes []string
	Likert     []LikertSpec
	// Files maps a source name to its number of files (SourceSummary).
	Files map[string]int
	// Gold and Second map a unit ID to human codes; nil when absent.
	Gold, Second map[string][]string
	// GoldCodes are the codes the gold file covers; nil means all.
	GoldCodes []string
}

// LikertSpec names one scale item and its scale points, lowest first.
type LikertSpec struct {
	Item, Label string
	Scale       []string
}

type respKey struct{ source, id string }

// respondent is a study.Respondent with what analysis derives for it.
type respondent struct {
	study.Respondent
	w     float64 // weight used in estimates: 1 when unweighted
	coded bool    // has at least one non-context unit
	has   []bool  // per code index: any of its units carries the code
}

// unit is a non-context unit with its respondent and rolled-up codes.
type unit struct {
	study.Unit
	resp   int
	has    []bool
	coding study.Coding
}

// model is the normalised Input: everything in deterministic order.
type model struct {
	in        Input
	minCell   int
	codeIdx   map[string]int
	lineage   [][]int // per code: itself and its ancestors
	resp      []respondent
	units     []unit // non-context, sorted by ID
	weighted  bool
	nCodedRsp int
}

func newModel(in Input) *model {
	m := &model{in: in, minCell: in.MinCell, codeIdx: map[string]int{}}
	if m.minCell <= 0 {
		m.minCell = 5
	}
	for i, c := range in.Codes {
		if _, dup := m.codeIdx[c.ID]; !dup {
			m.codeIdx[c.ID] = i
		}
	}
	m.lineage = lineage(in.Codes, m.codeIdx)

	byKey := map[respKey]int{}
	for _, r := range in.Respondents {
		k := respKey{r.Source, r.ID}
		if _, dup := byKey[k]; dup {
			continue // first wins; ingest owns uniqueness
		}
		byKey[k] = len(m.resp)
		m.resp = append(m.resp, respondent{Respondent: r})
	}
	codings := map[string]study.Coding{}
	for _, c := range in.Codings {
		if _, dup := codings[c.UnitID]; !dup {
			codings[c.UnitID] = c
		}
	}
	units := make([]study.Unit, 0, len(in.Units))
	for _, u := range in.Units {
		if !u.Context {
			units = append(units, u)
		}
	}
	sort.SliceStable(units, func(i, j int) bool { return units[i].ID < units[j].ID })
	for _, u := range units {
		k := respKey{u.Source, u.Respondent}
		ri, ok := byKey[k]
		if !ok {
			ri = len(m.resp)
			byKey[k] = ri
			m.resp = append(m.resp, respondent{Respondent: study.Respondent{ID: u.Respondent, Source: u.Source, File: u.File}})
		}
		c := codings[u.ID]
		m.units = append(m.units, unit{Unit: u, resp: ri, has: m.codeSet(c.Codes), coding: c})
	}
	// Respondents sorted by key, so every later loop is deterministic.
	order := make([]int, len(m.resp))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ra, rb := m.resp[order[a]], m.resp[order[b]]
		if ra.Source != rb.Source {
			return ra.Source < rb.Source
		}
		return ra.ID < rb.ID
	})
	newPos := make([]int, len(order))
	sorted := make([]respondent, len(order))
	for pos, old := range order {
		newPos[old] = pos
		sorted[pos] = m.resp[old]
	}
	m.resp = sorted
	for i := range m.resp {
		m.resp[i].has = make([]bool, len(in.Codes))
		if w := m.resp[i].Weight; w > 0 && !math.IsInf(w, 0) {
			m.weighted = true
		}
	}
	for i := range m.units {
		m.units[i].resp = newPos[m.units[i].resp]
		r := &m.resp[m.units[i].resp]
		r.coded = true
		for c, h := range m.units[i].has {
			if h {
				r.has[c] = true
			}
		}
	}
	for i := range m.resp {
		m.resp[i].w = 1
		if w := m.resp[i].Weight; m.weighted && w > 0 && !math.IsInf(w, 0) {
			m.resp[i].w = w
		}
		if m.resp[i].coded {
			m.nCodedRsp++
		}
	}
	return m
}

// codeSet marks the codes of a coding and their ancestors: the coding stage
// already adds ancestors, but gold files written by hand often do not.
func (m *model) codeSet(ids []string) []bool {
	has := make([]bool, len(m.in.Codes))
	for _, id := range ids {
		if i, ok := m.codeIdx[id]; ok {
			for _, a := range m.lineage[i] {
				has[a] = true
			}
		}
	}
	return has
}

// lineage lists for every code itself and its ancestors, stopping at a
// cycle or an unknown parent rather than looping.
func lineage(codes []CodeInfo, idx map[string]int) [][]int {
	out := make([][]int, len(codes))
	for i := range codes {
		seen := map[int]bool{}
		for j, ok := i, true; ok && !seen[j]; j, ok = idx[codes[j].Parent] {
			seen[j] = true
			out[i] = append(out[i], j)
			if codes[j].Parent == "" {
				break
			}
		}
	}
	return out
}

// sensitive reports whether a count must be suppressed.
func (m *model) sensitive(n int) bool { return n > 0 && n < m.minCell }

func (m *model) label(code string) string {
	i, ok := m.codeIdx[code]
	if !ok {
		return code
	}
	c := m.in.Codes[i]
	first, second := c.LabelNL, c.LabelEN
	if m.in.Language == "en" {
		first, second = second, first
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return c.ID
}

func sortedKeys[V any](mp map[string]V) []string {
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
