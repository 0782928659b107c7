package analysis

import (
	"hash/fnv"
	"sort"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// quotes picks up to QuotesPerCode illustrative units per code. A quote
// must show the code in the text (a non-negated match of the code or one of
// its descendants), come from a respondent whose attribute values are all
// shown in the breakdowns (a quote from a pooled-away tiny group could name
// its only member), and is skipped altogether when the code's overall count
// is suppressed. Order is a hash of code and unit ID: deterministic, not
// biased towards the first file, and stable when unrelated units change.
// Quotes of 40 to 300 characters are preferred: long enough to say
// something, short enough to read. One quote per respondent per code.
func (m *model) quotes(overall groupCount, attrs []grouping) []Quote {
	per := m.in.QuotesPerCode
	if per <= 0 {
		per = 3
	}
	quotable := make([]bool, len(m.resp))
	for i, r := range m.resp {
		quotable[i] = true
		for k, attr := range m.in.Attributes {
			if r.Attributes[attr] != "" && attrs[k].of[i] < 0 {
				quotable[i] = false
			}
		}
	}
	type cand struct {
		u     *unit
		spans []study.Span
		good  bool
		hash  uint64
	}
	var out []Quote
	for c, code := range m.in.Codes {
		if overall.n[c] == 0 || m.sensitive(overall.n[c]) || m.sensitive(overall.size-overall.n[c]) {
			continue
		}
		var cands []cand
		for i := range m.units {
			u := &m.units[i]
			if !u.has[c] || !quotable[u.resp] {
				continue
			}
			spans := m.spansFor(c, u)
			if len(spans) == 0 {
				continue
			}
			n := utf8.RuneCountInString(u.Text)
			h := fnv.New64a()
			h.Write([]byte(code.ID + "\x00" + u.ID))
			cands = append(cands, cand{u: u, spans: spans, good: n >= 40 && n <= 300, hash: h.Sum64()})
		}
		sort.SliceStable(cands, func(i, j int) bool {
			a, b := cands[i], cands[j]
			if a.good != b.good {
				return a.good
			}
			if a.hash != b.hash {
				return a.hash < b.hash
			}
			return a.u.ID < b.u.ID
		})
		used := map[int]bool{}
		for _, cd := range cands {
			if len(used) == per {
				break
			}
			if used[cd.u.resp] {
				continue
			}
			used[cd.u.resp] = true
			out = append(out, Quote{Code: code.ID, UnitID: cd.u.ID, Source: cd.u.Source, Text: cd.u.Text, Spans: cd.spans})
		}
	}
	return out
}

// spansFor returns the in-bounds spans of non-negated matches of code c or
// its descendants in u, sorted and without duplicates.
func (m *model) spansFor(c int, u *unit) []study.Span {
	var spans []study.Span
	for _, mt := range u.coding.Matches {
		i, ok := m.codeIdx[mt.Code]
		if !ok || mt.Negated {
			continue
		}
		under := false
		for _, a := range m.lineage[i] {
			if a == c {
				under = true
			}
		}
		s := mt.Span
		if under && s.Start >= 0 && s.Start < s.End && s.End <= len(u.Text) {
			spans = append(spans, s)
		}
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].Start != spans[j].Start {
			return spans[i].Start < spans[j].Start
		}
		return spans[i].End < spans[j].End
	})
	out := spans[:0]
	for i, s := range spans {
		if i == 0 || s != spans[i-1] {
			out = append(out, s)
		}
	}
	return out
}
