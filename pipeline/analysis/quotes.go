package analysis

import (
	"cmp"
	"slices"
	"sort"
	"strings"

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
//
// The candidates were picked as the units passed (offerQuotes), before the
// groupings said which respondents may be quoted, so each code's picker
// kept quoteCap of them, enough that the best quotable ones are among
// them (startQuotes); their texts and spans are filled in by fillTexts,
// which reads only the chosen units.
func (m *model) quotes(overall groupCount, attrs []grouping) []Quote {
	quotable := func(cd *quoteCand) bool {
		for k, v := range m.candAttrs[respondentKey(cd.src, cd.resp)] {
			if v >= 0 && attrs[k].of(v) < 0 {
				return false
			}
		}
		return true
	}
	per := m.quotesPerCode()
	var out []Quote
	for c, code := range m.in.Codes {
		if overall.n[c] == 0 || m.sensitive(overall.n[c]) || m.sensitive(overall.size-overall.n[c]) {
			continue
		}
		n := 0
		for i := range m.picks[c].picks {
			cd := &m.picks[c].picks[i]
			if n == per {
				break
			}
			if quotable(cd) {
				out = append(out, Quote{Code: code.ID, UnitID: cd.id})
				n++
			}
		}
	}
	return out
}

func (m *model) quotesPerCode() int { return cmp.Or(max(m.in.QuotesPerCode, 0), 3) }

// startQuotes makes a picker per code. A respondent may turn out not to be
// quotable only when one of its attribute values is pooled into a group
// still smaller than MinCell and so left out (groupBy): fewer than MinCell
// respondents per attribute. Keeping the best quotesPerCode plus that many
// respondents' candidates therefore keeps every quotable respondent that
// ranks among the best quotesPerCode quotable ones: at most
// quotesPerCode-1 quotable and the unquotable ones can rank above it.
func (m *model) startQuotes() {
	m.quoteCap = m.quotesPerCode() + len(m.in.Attributes)*(m.minCell-1)
	m.picks = make([]quotePicker, len(m.in.Codes))
	for c, code := range m.in.Codes {
		m.picks[c] = quotePicker{per: m.quoteCap, h0: quoteHashCode(code.ID)}
	}
}

// quoteScratch is offerQuotes' reused space.
type quoteScratch struct {
	codes  []int
	hashes []uint64
}

// offerQuotes offers a unit to the picker of every code in show (its codes
// with a match a quote can show), hashing its ID for all those codes at
// once (fnvMany): hashing was most of the time spent on quotes. src and
// resp are the unit's source and respondent.
func (m *model) offerQuotes(s *quoteScratch, show []uint64, id, src, resp string, good bool) {
	s.codes, s.hashes = s.codes[:0], s.hashes[:0]
	for w, word := range show {
		for word != 0 {
			c := w*64 + trailingZeros(word)
			word &= word - 1
			if p := &m.picks[c]; p.full() && !good && p.worst().good {
				continue // cannot beat the last pick; spares the hash
			}
			s.codes = append(s.codes, c)
			s.hashes = append(s.hashes, m.picks[c].h0)
		}
	}
	if len(s.codes) == 0 {
		return
	}
	fnvMany(s.hashes, id)
	u := int32(m.nUnits)
	for k, c := range s.codes {
		m.picks[c].offer(quoteCand{u: u, src: src, resp: resp, good: good, hash: s.hashes[k], id: id})
	}
}

// quoteCand is a unit that may be quoted for a code: u counts the
// non-context units before it, src and resp key its respondent. Candidates are ordered good ones first,
// then by hash, then by unit ID, then by u (the order they are offered
// in), which is a total order (quotePicker.before).
type quoteCand struct {
	u         int32
	good      bool
	hash      uint64
	id        string
	src, resp string
}

// quotePicker selects, from candidates offered in unit order, what sorting
// them all and walking the sorted list would: the best candidate of each
// respondent, and of those the per best, in order. A code's candidates are
// often most units of a national survey, and a full sort of them was most
// of the analysis' time; this keeps per candidates and rejects most others
// with one comparison against the last pick.
//
// A respondent evicted from the picks can only come back with a candidate
// better than every candidate it had before: its earlier best lost to per
// others, and the picks only get better.
type quotePicker struct {
	per   int
	picks []quoteCand // sorted, one per respondent, at most per
	// h0 is quoteHashCode of the picker's code.
	h0 uint64
}

func (p *quotePicker) before(a, b *quoteCand) bool {
	if a.good != b.good {
		return a.good
	}
	if a.hash != b.hash {
		return a.hash < b.hash
	}
	if a.u == b.u {
		return false
	}
	if a.id != b.id {
		return a.id < b.id
	}
	return a.u < b.u
}

func (p *quotePicker) reset()            { p.picks = p.picks[:0] }
func (p *quotePicker) full() bool        { return len(p.picks) >= p.per }
func (p *quotePicker) worst() *quoteCand { return &p.picks[len(p.picks)-1] }

func (p *quotePicker) offer(c quoteCand) {
	if p.per <= 0 || p.full() && !p.before(&c, p.worst()) {
		return
	}
	for j := range p.picks {
		if p.picks[j].resp == c.resp && p.picks[j].src == c.src {
			if !p.before(&c, &p.picks[j]) {
				return
			}
			p.picks = slices.Delete(p.picks, j, j+1)
			break
		}
	}
	if p.full() {
		p.picks = p.picks[:len(p.picks)-1]
	}
	at := len(p.picks)
	for at > 0 && p.before(&c, &p.picks[at-1]) {
		at--
	}
	// Not parts of a larger string of the corpus' reader.
	c.id, c.resp = strings.Clone(c.id), strings.Clone(c.resp)
	p.picks = slices.Insert(p.picks, at, c)
}

// quoteHash is FNV-1a (64 bit) of code, a zero byte and the unit ID.
func quoteHash(code, unitID string) uint64 {
	return quoteHashUnit(quoteHashCode(code), unitID)
}

const fnvPrime = 1099511628211

// quoteHashCode is quoteHash's state after the code and the zero byte,
// which every unit offered for the code shares.
func quoteHashCode(code string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(code); i++ {
		h = (h ^ uint64(code[i])) * fnvPrime
	}
	return h * fnvPrime // ^ 0
}

// quoteHashUnit continues quoteHashCode's h with the unit ID.
func quoteHashUnit(h uint64, unitID string) uint64 {
	for i := 0; i < len(unitID); i++ {
		h = (h ^ uint64(unitID[i])) * fnvPrime
	}
	return h
}

// fnvMany continues every FNV-1a state in hs with s. The states are
// independent, so four or two at a time keep the multiplier busy where
// one state waits for each product before the next byte.
func fnvMany(hs []uint64, s string) {
	for len(hs) >= 4 {
		a, b, c, d := hs[0], hs[1], hs[2], hs[3]
		for i := 0; i < len(s); i++ {
			x := uint64(s[i])
			a, b, c, d = (a^x)*fnvPrime, (b^x)*fnvPrime, (c^x)*fnvPrime, (d^x)*fnvPrime
		}
		hs[0], hs[1], hs[2], hs[3] = a, b, c, d
		hs = hs[4:]
	}
	if len(hs) >= 2 {
		a, b := hs[0], hs[1]
		for i := 0; i < len(s); i++ {
			x := uint64(s[i])
			a, b = (a^x)*fnvPrime, (b^x)*fnvPrime
		}
		hs[0], hs[1] = a, b
		hs = hs[2:]
	}
	if len(hs) == 1 {
		hs[0] = quoteHashUnit(hs[0], s)
	}
}

// fillTexts reads the quoted units and those with disagreements, and fills
// in their texts, sources and spans.
func (m *model) fillTexts(t *Tables) error {
	want := map[string]bool{}
	for _, q := range t.Quotes {
		want[q.UnitID] = true
	}
	for _, ag := range t.Agreement {
		for _, d := range ag.Disagreements {
			want[d.UnitID] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	type found struct {
		u      study.Unit
		coding study.Coding
	}
	units := map[string]*found{}
	err := m.corpus.Lookup(sortedKeys(want), func(u study.Unit, c *study.Coding) error {
		if _, dup := units[u.ID]; u.Context || dup {
			return nil // the first non-context unit of an ID, as everywhere
		}
		f := &found{u: u}
		if c != nil {
			f.coding = *c
		}
		units[u.ID] = f
		return nil
	})
	if err != nil {
		return err
	}
	for i := range t.Quotes {
		q := &t.Quotes[i]
		if f := units[q.UnitID]; f != nil {
			q.Source, q.Text = f.u.Source, f.u.Text
			q.Spans = m.spansFor(m.codeIdx[q.Code], f.u.Text, f.coding.Matches)
		}
	}
	for a := range t.Agreement {
		for i := range t.Agreement[a].Disagreements {
			d := &t.Agreement[a].Disagreements[i]
			if f := units[d.UnitID]; f != nil {
				d.Text = f.u.Text
			}
		}
	}
	return nil
}

// spansFor returns the in-bounds spans of non-negated matches of code c or
// its descendants in text, sorted and without duplicates.
func (m *model) spansFor(c int, text string, matches []study.Match) []study.Span {
	var spans []study.Span
	for _, mt := range matches {
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
		if under && s.Start >= 0 && s.Start < s.End && s.End <= len(text) {
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
