package report

import (
	"cmp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// project.qdpx has one selection per coded unit, not one per term hit: the
// unit (an answer or a speaker turn) is what the analysis counts and what a
// human gold coder judges, so a reviewer in a QDA tool sees the same thing
// the numbers are about, with its context. A selection per hit showed 1–3
// words without context, repeated one span once per term that matched it,
// and made project.qde 17 times the size of its text (issue 10: on a
// 20,000-response corpus 451,626 selections for 38,349 units, 197 MB; now
// 83 MB, most of it the one Coding per code applied). What the hits said
// moves into the selection's Description: per code, the words that
// matched, where in the unit, and by which terms.
//
// A unit whose matches were all negated (under negation: exclude) gets a
// selection too, with its Description but without a Coding. Negation is the
// coder's most error-prone decision ("de werkdruk neemt niet af" reads as
// negated), and without the selection a reviewer would have to find those
// units by reading every text. It carries no Coding, so the code counts a
// QDA tool shows still equal the analysis's unit counts; a tool that drops
// uncoded selections loses nothing that was counted.

// qdaCode is what a selection needs of one codebook code.
type qdaCode struct {
	id, guid, label string
	// labelXML is label escaped as appendEscaped escapes it: the
	// description is escaped piece by piece as it is built (see
	// appendDesc).
	labelXML string
	parent   int // index of the parent code, -1 for a root
	// excludeNegated: a negated match does not make the code apply
	// (negation: exclude), so the description says it did not count.
	excludeNegated bool
}

// qdaHit is one match of a codebook code in a unit. start < 0 for a match
// without a span (a closed-answer rule). It holds no pointers (its words
// and term are found through a, b and m), so sorting hits moves half the
// bytes and no write barriers.
type qdaHit struct {
	code       int32
	start, end int32 // code points into the unit's text
	a, b       int32 // the matched words, bytes into the unit's text
	m          int32 // the match, in the coding's Matches (its term)
	negated    bool
}

// unitSelector builds a unit's selection, reusing its buffers across units.
type unitSelector struct {
	codes []qdaCode
	index map[string]int
	w     qdaWords

	// Of the last unit built:
	coded []int // indexes into codes, in codebook order
	hits  []qdaHit
	// text and matches are the unit's, which hits point into.
	text    string
	matches []study.Match
	// desc is the buffer appendDesc appends the description to, while it
	// runs.
	desc []byte
	// runes is the text's length in code points, counted on from the last
	// match so the caller need not count the text again.
	runes int
}

// qdaWords are the words a description uses, escaped as appendEscaped
// escapes them.
type qdaWords struct {
	term, terms, negated, notCounted, notCoded, via string
}

func escapedString(s string) string { return string(appendEscaped(nil, s)) }

func newUnitSelector(cb Codebook, codeGUID map[string]string, lang string) *unitSelector {
	w := &wordsNL
	if lang == "en" {
		w = &wordsEN
	}
	s := &unitSelector{index: make(map[string]int, len(cb.Codes)), w: qdaWords{
		term: escapedString(w.QDATerm), terms: escapedString(w.QDATerms), negated: escapedString(w.QDANegated),
		notCounted: escapedString(w.QDANotCounted), notCoded: escapedString(w.QDANotCoded), via: escapedString(w.QDAVia)}}
	for i, c := range cb.Codes {
		if _, dup := s.index[c.ID]; !dup {
			s.index[c.ID] = i
		}
		label := firstNonEmpty(c.LabelNL, c.LabelEN, c.ID)
		if lang == "en" {
			label = firstNonEmpty(c.LabelEN, c.LabelNL, c.ID)
		}
		s.codes = append(s.codes, qdaCode{id: c.ID, guid: codeGUID[c.ID], label: label, labelXML: escapedString(label),
			parent: -1, excludeNegated: c.Negation == "exclude"})
	}
	for i, c := range cb.Codes {
		if p, ok := s.index[c.Parent]; ok && c.Parent != c.ID {
			s.codes[i].parent = p
		}
	}
	return s
}

// build sets s.coded, s.hits and s.runes for a unit with text and coding
// c, and reports whether the unit gets a selection: it does when it carries a
// codebook code or has a match of one. appendDesc then writes its
// description.
func (s *unitSelector) build(text string, c *study.Coding) bool {
	s.coded, s.hits, s.text, s.matches = s.coded[:0], s.hits[:0], text, c.Matches
	for _, id := range c.Codes {
		if i, ok := s.index[id]; ok {
			s.coded = append(s.coded, i)
		}
	}
	slices.Sort(s.coded)
	s.coded = slices.Compact(s.coded)

	// Offsets are code points from the unit's first character, as QDA
	// tools count positions: the reviewer adds them to the selection's.
	// Matches come in text order, so counting on from the previous match
	// start (at byte at, code point atRune) reads a long turn once.
	at, atRune := 0, 0
	for k := range c.Matches {
		m := &c.Matches[k]
		i, ok := s.index[m.Code]
		if !ok {
			continue
		}
		h := qdaHit{code: int32(i), start: -1, end: -1, m: int32(k), negated: m.Negated}
		if a, b := clampRune(text, m.Span.Start), clampRune(text, m.Span.End); a < b {
			if a < at {
				at, atRune = 0, 0
			}
			atRune += runeCount(text[at:a])
			at = a
			h.start = int32(atRune)
			h.end = h.start + int32(runeCount(text[a:b]))
			h.a, h.b = int32(a), int32(b)
		}
		s.hits = append(s.hits, h)
	}
	s.runes = atRune + runeCount(text[at:])
	if len(s.coded) == 0 && len(s.hits) == 0 {
		return false
	}
	// By code, then in text order; the hits of one span end up next to
	// each other, so line can name all their terms in one entry.
	sortHits(s.hits)
	return true
}

// appendDesc appends the description of the unit build was last called
// for (and said yes to) to b, escaped as appendEscaped escapes it. It is
// escaped piece by piece as it is written, with the fixed words and the
// labels escaped beforehand, rather than built and escaped in a second
// pass: each variable piece (a matched text, a term) lies between fixed
// pieces of valid UTF-8, so no rune spans two pieces, and escaping them
// apart gives the bytes escaping the whole gives (the reference rendering
// in qdpx_ref_test.go escapes the whole).
func (s *unitSelector) appendDesc(b []byte) []byte {
	s.desc = b
	first := len(b)
	// One line per code, in codebook order: the codes the unit carries,
	// then (interleaved by order) those it has matches of but not carries.
	hi, ci := 0, 0
	for hi < len(s.hits) || ci < len(s.coded) {
		var code int
		switch {
		case hi == len(s.hits):
			code = s.coded[ci]
		case ci == len(s.coded):
			code = int(s.hits[hi].code)
		default:
			code = min(s.coded[ci], int(s.hits[hi].code))
		}
		isCoded := ci < len(s.coded) && s.coded[ci] == code
		if isCoded {
			ci++
		}
		from := hi
		for hi < len(s.hits) && int(s.hits[hi].code) == code {
			hi++
		}
		s.line(first, code, isCoded, s.hits[from:hi])
	}
	b, s.desc = s.desc, nil
	return b
}

// line appends code's line to s.desc, e.g.
//
//	Werkdruk: “werkdruk” (12–20, term ~werkdruk); “geen werkdruk” (40–53, term werkdruk, negated, not counted)
//	Samenwerking (not coded): “samenwerking” (3–15, term samenwerking, negated)
//	Werkdruk: via Hoge caseload
//
// The description starts at s.desc[descAt:]; the line is escaped
// (appendDesc).
func (s *unitSelector) line(descAt, code int, isCoded bool, hits []qdaHit) {
	w, cc := &s.w, &s.codes[code]
	if len(s.desc) > descAt {
		s.desc = append(s.desc, "&#xA;"...) // '\n' escaped
	}
	s.desc = append(s.desc, cc.labelXML...)
	if !isCoded {
		s.desc = append(s.desc, " ("...)
		s.desc = append(s.desc, w.notCoded...)
		s.desc = append(s.desc, ')')
	}
	sep := ": "
	counted := false
	for len(hits) > 0 {
		// Several terms often hit the same words (ziekteverzuim,
		// ~verzuim, *verzuim): one entry per span, naming every term.
		h, n := hits[0], 1
		for n < len(hits) && hits[n].start == h.start && hits[n].end == h.end && hits[n].negated == h.negated {
			n++
		}
		group := hits[:n]
		hits = hits[n:]
		s.desc = append(s.desc, sep...)
		sep = "; "
		counted = counted || !h.negated || !cc.excludeNegated
		if h.start < 0 {
			// A rule on closed answers: its term says which ("rule: …").
			s.appendTerms(group)
			if h.negated {
				s.desc = append(s.desc, " ("...)
				s.appendNegated(isCoded && cc.excludeNegated)
				s.desc = append(s.desc, ')')
			}
			continue
		}
		s.desc = append(s.desc, "“"...)
		s.desc = appendEscaped(s.desc, truncateRunes(s.text[h.a:h.b], 60))
		s.desc = append(s.desc, "” ("...)
		s.desc = strconv.AppendInt(s.desc, int64(h.start), 10)
		s.desc = append(s.desc, "–"...)
		s.desc = strconv.AppendInt(s.desc, int64(h.end), 10)
		s.desc = append(s.desc, ", "...)
		if s.distinctTerms(group) == 1 {
			s.desc = append(s.desc, w.term...)
		} else {
			s.desc = append(s.desc, w.terms...)
		}
		s.desc = append(s.desc, ' ')
		s.appendTerms(group)
		if h.negated {
			s.desc = append(s.desc, ", "...)
			s.appendNegated(isCoded && cc.excludeNegated)
		}
		s.desc = append(s.desc, ')')
	}
	if !isCoded || counted {
		return
	}
	// Carried only as the ancestor of a sub-code the unit has: name the
	// sub-codes, whose own lines say why.
	first := true
	for _, ci := range s.coded {
		if s.codes[ci].parent != code {
			continue
		}
		if first {
			s.desc = append(s.desc, sep...)
			s.desc = append(s.desc, w.via...)
			s.desc = append(s.desc, ' ')
			first = false
		} else {
			s.desc = append(s.desc, ", "...)
		}
		s.desc = append(s.desc, s.codes[ci].labelXML...)
	}
}

// appendNegated marks a negated match, and says it did not count when the
// code applies anyway (from another match): under negation: exclude a reader
// would otherwise take the negated words for a reason.
func (s *unitSelector) appendNegated(notCounted bool) {
	s.desc = append(s.desc, s.w.negated...)
	if notCounted {
		s.desc = append(s.desc, ", "...)
		s.desc = append(s.desc, s.w.notCounted...)
	}
}

// appendTerms appends the distinct terms of group, separated by commas.
func (s *unitSelector) appendTerms(group []qdaHit) {
	for i, h := range group {
		if s.repeated(group, i) {
			continue
		}
		if i > 0 {
			s.desc = append(s.desc, ", "...)
		}
		s.desc = appendEscaped(s.desc, s.matches[h.m].Term)
	}
}

func (s *unitSelector) distinctTerms(group []qdaHit) int {
	n := 0
	for i := range group {
		if !s.repeated(group, i) {
			n++
		}
	}
	return n
}

// repeated reports whether group[i]'s term occurs earlier in group.
func (s *unitSelector) repeated(group []qdaHit, i int) bool {
	for _, g := range group[:i] {
		if s.matches[g.m].Term == s.matches[group[i].m].Term {
			return true
		}
	}
	return false
}

// compareHits orders hits by code, start, end, then negated last; it
// compares no further than it must (cmp.Or evaluates every comparison,
// and this runs for every hit of every unit).
func compareHits(a, b qdaHit) int {
	switch {
	case a.code != b.code:
		return cmp.Compare(a.code, b.code)
	case a.start != b.start:
		return cmp.Compare(a.start, b.start)
	case a.end != b.end:
		return cmp.Compare(a.end, b.end)
	}
	return boolCmp(a.negated, b.negated)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// sortHits sorts hits stably by compareHits. A unit has a handful of hits,
// for which an insertion sort without slices' comparison calls takes half
// the time; a long turn's many go to slices.
func sortHits(hits []qdaHit) {
	if len(hits) > 24 {
		slices.SortStableFunc(hits, compareHits)
		return
	}
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hitLess(&hits[j], &hits[j-1]); j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
}

// hitLess is compareHits(*a, *b) < 0.
func hitLess(a, b *qdaHit) bool {
	switch {
	case a.code != b.code:
		return a.code < b.code
	case a.start != b.start:
		return a.start < b.start
	case a.end != b.end:
		return a.end < b.end
	}
	return !a.negated && b.negated
}

// runeCount is utf8.RuneCountInString (invalid bytes count one each, as
// there), eight ASCII bytes at a time: the texts are mostly ASCII, and
// counting them byte by byte was a tenth of the selections' time.
func runeCount(s string) int {
	const hi = 0x8080808080808080
	n, i := 0, 0
	for i < len(s) {
		if i+8 <= len(s) {
			// Eight bytes of known length: the compiler loads them at once.
			t := s[i : i+8]
			w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
				uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
			if w&hi == 0 {
				n, i = n+8, i+8
				continue
			}
		}
		if s[i] < utf8.RuneSelf {
			n, i = n+1, i+1
			continue
		}
		_, w := utf8.DecodeRuneInString(s[i:])
		n, i = n+1, i+w
	}
	return n
}
