package coding

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Coder is a compiled codebook: term indexes per language, ready to code
// many units. It is safe for concurrent use.
type Coder struct {
	cb       *Codebook
	codes    []compiledCode
	matchers map[string]*matcher // "nl" and "en"
	// byID lists the code indexes in the order of their ids, the order of
	// Coding.Codes.
	byID []int
	// scoped and ruled list the codes with an applies_to and with rules:
	// most codes have neither, and asking each code of each unit cost as
	// much as negation.
	scoped, ruled []int
	// scratch holds *scratch: a national run codes hundreds of thousands
	// of units, and allocating their working memory per unit cost as much
	// as matching them.
	scratch sync.Pool
}

type compiledCode struct {
	id        string
	negation  string
	scope     Scope
	rules     []*rule
	ancestors []int // code indexes
	// rank is the code's place in byID, and ruleTerms and ruleRanks are
	// its rules' Match.Term and their places among all terms (see
	// Coder.rankTerms): matches are sorted and told apart by these
	// numbers instead of by comparing strings.
	rank      int
	ruleTerms []string
	ruleRanks []int
}

// termRef is one term in a language's index.
type termRef struct {
	code    int
	pat     *pattern
	exclude bool
	// srcLang is the language the term is written under in the codebook;
	// it differs from the matcher's when a code falls back.
	srcLang string
	// rank is pat.Raw's place among all terms (see Coder.rankTerms).
	rank int
}

// matcher finds the terms of one language in a tokenised unit. Terms are
// indexed by their first word so a token looks up its candidates in maps
// instead of trying every term.
type matcher struct {
	lang string
	// slot is the matcher's index into scratch.seen.
	slot     int
	terms    []termRef
	exact    map[string]*firstWord
	stems    map[string][]int
	prefixes map[string][]int
	tails    map[string][]int
	// prefixKeys and tailKeys index the prefixes and tails by their first
	// and last keyLen bytes: one look-up per word instead of one per
	// possible split, which was most of the map look-ups.
	prefixKeys, tailKeys map[string][]affix
	regexes              []int
	// altStems is set when some term stems in the other language.
	altStems bool
	// prefixLen and tailLen are the shortest and longest prefix and tail
	// of any term, in bytes.
	prefixLen, tailLen [2]int

	// vocab numbers the exact words of all terms, and required lists per
	// term the vocab numbers of its exact words after the first: a term
	// can only match a unit holding all of them. Most phrases tried at a
	// common first word ("ik … zelf bepaal", "niet … vervuld") were tried
	// in units lacking their other words, three tries in four in vain.
	vocab    map[string]int32
	required [][]int32
	// firstRequired is required[id][0], or -1 when a term requires no
	// word: most terms tried are ruled out by it, read from a dense array
	// rather than through required's slice headers.
	firstRequired []int32

	// words caches, per folded word, what the indexes above say about it.
	// A survey's vocabulary is small next to its length, and looking a
	// word up in each index for each of its occurrences was a fifth of
	// coding time.
	words *wordCache
}

// wordInfo is what a matcher knows about one folded word.
type wordInfo struct {
	// stem and altStem are the word's stems in the matcher's language and
	// the other one, filled as forms fills them.
	stem, altStem string
	// cands are the terms whose first word this word can be, in codebook
	// order: single words and phrases not filed by their second word,
	// stems, prefixes and tails.
	cands []int
	// first is the word's entry in exact, for phrases filed by their
	// second word; nil when no term starts with the word.
	first *firstWord
	// vocab is the word's number in matcher.vocab, or -1.
	vocab int32
	// cue says what the word does to negation, as cueFlags does.
	cue uint8
}

// firstWord holds the terms whose first word is one exact word. Common
// words (niet, geen, op, te) start dozens of phrases, and a token tried
// them all although the next word rules out nearly every one; so a phrase
// whose second word is exact is filed under that word and tried only when
// the next token has it.
type firstWord struct {
	any  []int            // single words, and phrases going on with a gap, stem or glob
	next map[string][]int // phrases by their exact second word
	// nextV is next by the second word's number in matcher.vocab: a
	// token's number is at hand, and most tokens have none.
	nextV map[int32][]int
	// nextBits has bit v%nextBits set for each number v in nextV: most
	// second words looked up are not there, and a map look-up cost ten
	// times the look at a bit.
	nextBits [nextBits / 64]uint64
}

const nextBits = 256

// affix is a prefix or tail and the terms starting with it.
type affix struct {
	word string
	ids  []int
}

// Compile validates cb and builds its matcher. Build it once per run.
func Compile(cb *Codebook) (*Coder, error) {
	if cb == nil || len(cb.Codes) == 0 {
		return nil, fmt.Errorf("coding: the codebook has no codes")
	}
	idx := cb.index()
	c := &Coder{cb: cb, matchers: map[string]*matcher{}}
	def := cb.Language
	if def != "en" {
		def = "nl"
	}
	for _, code := range cb.Codes {
		if _, ok := idx[code.ID]; !ok || idx[code.ID] != len(c.codes) {
			return nil, fmt.Errorf("coding: codebook %s: duplicate code id %q", cb.Path, code.ID)
		}
		if code.Parent != "" {
			if _, ok := idx[code.Parent]; !ok {
				return nil, fmt.Errorf("coding: codebook %s: code %s has unknown parent %q", cb.Path, code.ID, code.Parent)
			}
		}
		cc := compiledCode{id: code.ID, negation: code.Negation, scope: code.AppliesTo}
		for _, a := range cb.Ancestors(code.ID) {
			cc.ancestors = append(cc.ancestors, idx[a])
		}
		if cc.negation == "" {
			cc.negation = "flag"
		}
		for _, r := range code.Rules {
			pr, err := parseRule(r)
			if err != nil {
				return nil, fmt.Errorf("coding: codebook %s: code %s: %v", cb.Path, code.ID, err)
			}
			cc.rules = append(cc.rules, pr)
		}
		if len(cc.scope.Questions) > 0 || len(cc.scope.Speakers) > 0 {
			c.scoped = append(c.scoped, len(c.codes))
		}
		if len(cc.rules) > 0 {
			c.ruled = append(c.ruled, len(c.codes))
		}
		c.codes = append(c.codes, cc)
	}
	c.byID = make([]int, len(c.codes))
	for i := range c.byID {
		c.byID[i] = i
	}
	sort.Slice(c.byID, func(i, j int) bool { return c.codes[c.byID[i]].id < c.codes[c.byID[j]].id })
	c.scratch.New = func() any { return &scratch{} }
	for slot, lang := range []string{"nl", "en"} {
		m := &matcher{lang: lang, slot: slot, exact: map[string]*firstWord{}, stems: map[string][]int{},
			prefixes: map[string][]int{}, tails: map[string][]int{}, words: newWordCache()}
		for ci, code := range cb.Codes {
			for _, excl := range []bool{false, true} {
				src := code.Terms
				if excl {
					src = code.Exclude
				}
				terms, srcLang := src[lang], lang
				if len(terms) == 0 {
					srcLang = def
					// A code without terms in this language falls back to
					// the codebook's language: names and jargon often
					// carry over.
					terms = src[def]
				}
				for _, t := range terms {
					p, err := parseTerm(t, srcLang)
					if err == nil && srcLang != lang {
						markAlt(p)
					}
					if err != nil {
						return nil, fmt.Errorf("coding: codebook %s: code %s: %v", cb.Path, code.ID, err)
					}
					m.add(termRef{code: ci, pat: p, exclude: excl, srcLang: srcLang})
				}
			}
		}
		m.prefixKeys = affixKeys(m.prefixes, m.prefixLen[0], func(w string, n int) string { return w[:n] })
		m.tailKeys = affixKeys(m.tails, m.tailLen[0], func(w string, n int) string { return w[len(w)-n:] })
		m.indexVocab()
		c.matchers[lang] = m
	}
	c.rankTerms()
	return c, nil
}

// rankTerms numbers the codes in the order of their ids and the terms
// (raw, and "rule: " + raw for rules) in the order of strings.Compare, one
// number per distinct string, so that comparing numbers orders and tells
// apart matches as comparing their Code and Term would.
func (c *Coder) rankTerms() {
	for r, i := range c.byID {
		c.codes[i].rank = r
	}
	var all []string
	for _, m := range c.matchers {
		for _, t := range m.terms {
			all = append(all, t.pat.Raw)
		}
	}
	for i := range c.codes {
		cc := &c.codes[i]
		cc.ruleTerms = make([]string, len(cc.rules))
		for j, rl := range cc.rules {
			cc.ruleTerms[j] = "rule: " + rl.Raw
		}
		all = append(all, cc.ruleTerms...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	rank := func(s string) int {
		r, _ := slices.BinarySearch(all, s)
		return r
	}
	for _, m := range c.matchers {
		for i := range m.terms {
			m.terms[i].rank = rank(m.terms[i].pat.Raw)
		}
	}
	for i := range c.codes {
		cc := &c.codes[i]
		cc.ruleRanks = make([]int, len(cc.rules))
		for j, t := range cc.ruleTerms {
			cc.ruleRanks[j] = rank(t)
		}
	}
}

// markAlt marks the stems of a term borrowed from the other language.
func markAlt(p *pattern) {
	for _, es := range [][]elem{p.Phrase, p.Other} {
		for i := range es {
			if es[i].Kind == stemWord {
				es[i].Alt = true
				p.hasAlt = true
			}
		}
	}
}

func (m *matcher) add(t termRef) {
	if t.pat.hasAlt {
		m.altStems = true
	}
	i := len(m.terms)
	m.terms = append(m.terms, t)
	if t.pat.Re != nil {
		m.regexes = append(m.regexes, i)
		return
	}
	e := t.pat.Phrase[0]
	switch e.Kind {
	case exactWord:
		fw := m.exact[e.Word]
		if fw == nil {
			fw = &firstWord{}
			m.exact[e.Word] = fw
		}
		if ph := t.pat.Phrase; len(ph) > 1 && ph[1].Kind == exactWord {
			if fw.next == nil {
				fw.next = map[string][]int{}
			}
			fw.next[ph[1].Word] = append(fw.next[ph[1].Word], i)
		} else {
			fw.any = append(fw.any, i)
		}
	case stemWord:
		m.stems[e.Word] = append(m.stems[e.Word], i)
	case prefixWord:
		m.prefixes[e.Word] = append(m.prefixes[e.Word], i)
		m.prefixLen = widen(m.prefixLen, len(e.Word), len(m.prefixes) == 1)
	case tailWord:
		m.tails[e.Word] = append(m.tails[e.Word], i)
		m.tailLen = widen(m.tailLen, len(e.Word), len(m.tails) == 1)
	}
}

// indexVocab numbers the exact words of m's terms and lists each term's
// required words.
func (m *matcher) indexVocab() {
	m.vocab = map[string]int32{}
	m.required = make([][]int32, len(m.terms))
	for id, t := range m.terms {
		if t.pat.Re != nil {
			continue
		}
		var req []int32
		for i, es := range [][]elem{t.pat.Phrase, t.pat.Other} {
			for j, e := range es {
				if e.Kind != exactWord {
					continue
				}
				v, ok := m.vocab[e.Word]
				if !ok {
					v = int32(len(m.vocab))
					m.vocab[e.Word] = v
				}
				es[j].v = v
				// The first word is known to match: the term is tried
				// because of it.
				if (i > 0 || j > 0) && !slices.Contains(req, v) {
					req = append(req, v)
				}
			}
		}
		m.required[id] = req
	}
	m.firstRequired = make([]int32, len(m.terms))
	for id, req := range m.required {
		m.firstRequired[id] = -1
		if len(req) > 0 {
			m.firstRequired[id] = req[0]
		}
	}
	for _, fw := range m.exact {
		if fw.next != nil {
			fw.nextV = map[int32][]int{}
			for w, ids := range fw.next {
				v := m.vocab[w]
				fw.nextV[v] = ids
				fw.nextBits[v%nextBits/64] |= 1 << (v % 64)
			}
		}
	}
}

// word returns what m knows about the folded word w.
func (m *matcher) word(w string) *wordInfo {
	return m.words.get(w, m.lookUp)
}

// lookUp asks each index about w.
func (m *matcher) lookUp(w string) *wordInfo {
	wi := &wordInfo{vocab: -1, cue: cueFlags(w)}
	if v, ok := m.vocab[w]; ok {
		wi.vocab = v
	}
	var ids []int
	if fw := m.exact[w]; fw != nil {
		wi.first = fw
		ids = append(ids, fw.any...)
	}
	if len(m.stems) > 0 {
		wi.stem = stem(w, m.lang)
		ids = append(ids, m.stems[wi.stem]...)
		if m.altStems {
			wi.altStem = stem(w, other(m.lang))
			ids = append(ids, m.stems[wi.altStem]...)
		}
	}
	if n := m.prefixLen[0]; len(m.prefixKeys) > 0 && len(w) >= n {
		for _, a := range m.prefixKeys[w[:n]] {
			if strings.HasPrefix(w, a.word) {
				ids = append(ids, a.ids...)
			}
		}
	}
	if n := m.tailLen[0]; len(m.tailKeys) > 0 && len(w) > n {
		for _, a := range m.tailKeys[w[len(w)-n:]] {
			if len(w) > len(a.word) && strings.HasSuffix(w, a.word) {
				ids = append(ids, a.ids...)
			}
		}
	}
	slices.Sort(ids)
	wi.cands = slices.Clip(slices.Compact(ids))
	return wi
}

// affixKeys files each affix under key(affix, keyLen); every affix is at
// least keyLen bytes long, so a word can only carry the affixes filed under
// its own key.
func affixKeys(affixes map[string][]int, keyLen int, key func(string, int) string) map[string][]affix {
	out := map[string][]affix{}
	for _, w := range sortedKeys(affixes) {
		k := key(w, keyLen)
		out[k] = append(out[k], affix{word: w, ids: affixes[w]})
	}
	return out
}

// widen extends the range r to include n; first starts it afresh.
func widen(r [2]int, n int, first bool) [2]int {
	if first {
		return [2]int{n, n}
	}
	return [2]int{min(r[0], n), max(r[1], n)}
}

// form is one way to read a token: the whole word, the word without its
// hyphens, or one hyphenated part. Its stems are info's: copying them into
// every form cost more than reading them in the few that a stem term
// asks about.
type form struct {
	W          string
	Start, End int
	info       *wordInfo
}

type tokForms struct {
	forms []form
}

// forms reads every token of d in each of its forms, into sc's memory,
// in one pass. It also sets sc.present, which find reads, to the vocab
// words among the forms.
func (m *matcher) forms(d *doc, sc *scratch) []tokForms {
	fs := sc.forms[:0]
	out := sc.tfs[:0]
	n := (len(m.vocab) + 63) / 64
	present := slices.Grow(sc.present[:0], n)[:n]
	clear(present)
	for i := range d.Tokens {
		t := &d.Tokens[i]
		at := len(fs)
		// An append that moves fs leaves the tokens before with the old
		// array, which holds their forms as well.
		fs = append(fs, form{W: t.Norm, Start: t.Start, End: t.End, info: m.word(t.Norm)})
		if len(t.Parts) > 0 {
			w := strings.ReplaceAll(t.Norm, "-", "")
			fs = append(fs, form{W: w, Start: t.Start, End: t.End, info: m.word(w)})
			for _, p := range t.Parts {
				fs = append(fs, form{W: p.Norm, Start: p.Start, End: p.End, info: m.word(p.Norm)})
			}
		}
		for j := at; j < len(fs); j++ {
			if v := fs[j].info.vocab; v >= 0 {
				present[v/64] |= 1 << (v % 64)
			}
		}
		out = append(out, tokForms{forms: fs[at:len(fs):len(fs)]})
	}
	sc.forms, sc.tfs, sc.present = fs, out, present
	return out
}

func other(lang string) string {
	if lang == "en" {
		return "nl"
	}
	return "en"
}

// matchWord reports whether elem e matches the folded word w (stem st).
func matchWord(e elem, w, st string) bool {
	switch e.Kind {
	case exactWord:
		return w == e.Word
	case stemWord:
		return st == e.Word
	case prefixWord:
		return strings.HasPrefix(w, e.Word)
	case tailWord:
		return len(w) > len(e.Word) && strings.HasSuffix(w, e.Word)
	}
	return false
}

// matchForms returns the span of the first form of tf that e matches. It
// returns offsets rather than the form, and takes e by reference:
// copying a form and an elem in and out of every call was nearly a third
// of matchPhrase's cost.
//
// It decides as matchWord does, an exact word by its vocab number.
func matchForms(e *elem, tf tokForms) (start, end int, ok bool) {
	fs := tf.forms
	switch e.Kind {
	case exactWord:
		for i := range fs {
			if fs[i].info.vocab == e.v {
				return fs[i].Start, fs[i].End, true
			}
		}
	case stemWord:
		for i := range fs {
			st := fs[i].info.stem
			if e.Alt {
				st = fs[i].info.altStem
			}
			if st == e.Word {
				return fs[i].Start, fs[i].End, true
			}
		}
	case prefixWord:
		for i := range fs {
			if strings.HasPrefix(fs[i].W, e.Word) {
				return fs[i].Start, fs[i].End, true
			}
		}
	case tailWord:
		for i := range fs {
			if w := fs[i].W; len(w) > len(e.Word) && strings.HasSuffix(w, e.Word) {
				return fs[i].Start, fs[i].End, true
			}
		}
	}
	return 0, 0, false
}

// hit is one raw occurrence of a term: token range [A, B] and byte span.
type hit struct {
	term       int
	start, end int
	a, b       int
	sentence   int
}

// maxGap is how many words "…" in a phrase may skip.
const maxGap = 3

// matchPhrase matches elems starting at token k within one sentence and
// returns the span and the last token.
func matchPhrase(elems []elem, d *doc, tfs []tokForms, k int) (start, end, last int, ok bool) {
	if k >= len(tfs) {
		return 0, 0, 0, false
	}
	fStart, fEnd, ok := matchForms(&elems[0], tfs[k])
	if !ok {
		return 0, 0, 0, false
	}
	if len(elems) == 1 {
		return fStart, fEnd, k, true
	}
	end, last, ok = matchRest(elems, 1, d, tfs, k+1, d.Tokens[k].Sentence)
	return fStart, end, last, ok
}

// matchRest matches elems[j:] from token k within sentence sent and
// returns the end and the last token: a loop, recursing only at gaps,
// where a closure calling itself cost a fifth of matchPhrase.
func matchRest(elems []elem, j int, d *doc, tfs []tokForms, k, sent int) (int, int, bool) {
	for ; j < len(elems); j, k = j+1, k+1 {
		if elems[j].Kind == gapWord {
			for skip := 0; skip <= maxGap; skip++ {
				if end, last, ok := matchRest(elems, j+1, d, tfs, k+skip, sent); ok {
					return end, last, true
				}
			}
			return 0, 0, false
		}
		if k >= len(tfs) || d.Tokens[k].Sentence != sent {
			return 0, 0, false
		}
		_, fEnd, ok := matchForms(&elems[j], tfs[k])
		if !ok {
			return 0, 0, false
		}
		if j == len(elems)-1 {
			return fEnd, k, true
		}
	}
	return 0, 0, false
}

// scratch is one goroutine's working memory for Code, reused from unit to
// unit through Coder.scratch.
type scratch struct {
	toks   []token
	starts []int
	norms  []byte
	forms  []form
	tfs    []tokForms
	hits   []hit
	cand   []int
	// seen holds, per matcher and term, the stamp of the term's last try
	// (see find), and stamp the matcher's next free stamp. A large
	// codebook has thousands of terms and a unit touches a handful:
	// clearing seen per unit would cost more than finding them.
	seen  [2][]int
	stamp [2]int
	cues  []uint8 // cueFlags per token
	// present has a bit per vocab word of the matcher, set when some form
	// of the unit is that word.
	present []uint64
	flags   []bool // active, positive, matched and coded, per code
	veto    [][2]int
	order   []matchOrder
	matches []study.Match
	text    regexText
}

// matchKey identifies a match, for de-duplication, and orders the
// matches of a Coding: by start, code id, end and term, which code and
// term give by their ranks.
type matchKey struct {
	start, code, end, term int
}

// cmpMatchKeys orders matchKeys as Coding.Matches are ordered.
func cmpMatchKeys(a, b matchKey) int {
	if a.start != b.start {
		return cmp.Compare(a.start, b.start)
	}
	if a.code != b.code {
		return cmp.Compare(a.code, b.code)
	}
	if a.end != b.end {
		return cmp.Compare(a.end, b.end)
	}
	return cmp.Compare(a.term, b.term)
}

// sortMatchOrders sorts o by key, stably. A unit has a dozen matches,
// mostly in order already: an insertion sort with the comparison inlined
// costs a fraction of slices.SortStableFunc's calls to a closure.
func sortMatchOrders(o []matchOrder) {
	if len(o) > 32 {
		slices.SortStableFunc(o, func(a, b matchOrder) int { return cmpMatchKeys(a.key, b.key) })
		return
	}
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && cmpMatchKeys(o[j].key, o[j-1].key) < 0; j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
}

// matchOrder is a match's key and its index in scratch.matches.
type matchOrder struct {
	key matchKey
	i   int
}

// find appends to hits every occurrence of the terms whose code is active.
// tfs and sc.present are what forms gave for d.
func (m *matcher) find(d *doc, tfs []tokForms, active []bool, sc *scratch, hits []hit) []hit {
	if len(sc.seen[m.slot]) < len(m.terms) {
		sc.seen[m.slot] = make([]int, len(m.terms))
	}
	seen := sc.seen[m.slot]
	// A term is tried at token k once, when seen holds another stamp than
	// base+k; the stamps of one call are above every earlier call's, so
	// seen never needs clearing.
	base := sc.stamp[m.slot]
	sc.stamp[m.slot] += len(tfs) + 1
	present := sc.present
	allActive := !slices.Contains(active, false)
	cand := sc.cand[:0]
	for k := range tfs {
		cand = cand[:0]
		stamp := base + k + 1
		fs := tfs[k].forms
		for fi := range fs {
			info := fs[fi].info
			ids := info.cands
			var gs []form
			fw := info.first
			if fw != nil && fw.nextV != nil && k+1 < len(tfs) && d.Tokens[k+1].Sentence == d.Tokens[k].Sentence {
				gs = tfs[k+1].forms
			}
			for {
			ids:
				for _, id := range ids {
					if seen[id] == stamp || !allActive && !active[m.terms[id].code] {
						continue
					}
					if v := m.firstRequired[id]; v >= 0 {
						if present[v/64]&(1<<(v%64)) == 0 {
							continue
						}
						for _, v := range m.required[id][1:] {
							if present[v/64]&(1<<(v%64)) == 0 {
								continue ids
							}
						}
					}
					seen[id] = stamp
					cand = append(cand, id)
				}
				// Then the phrases filed under fw by the second word, for
				// each form of the next token; a second word is an exact
				// word of a term, so it has a number.
				ids = nil
				for len(gs) > 0 && ids == nil {
					v := gs[0].info.vocab
					gs = gs[1:]
					if v >= 0 && fw.nextBits[v%nextBits/64]&(1<<(v%64)) != 0 {
						ids = fw.nextV[v]
					}
				}
				if ids == nil {
					break
				}
			}
		}
		if len(cand) > 1 {
			sort.Ints(cand) // codebook order keeps output deterministic
		}
		for _, id := range cand {
			p := m.terms[id].pat
			s, e, last, ok := matchPhrase(p.Phrase, d, tfs, k)
			if !ok {
				continue
			}
			if p.Near > 0 {
				s2, e2, ok := near(p, d, tfs, k, last)
				if !ok {
					continue
				}
				s, e = min(s, s2), max(e, e2)
			}
			hits = append(hits, hit{term: id, start: s, end: e, a: k, b: last, sentence: d.Tokens[k].Sentence})
		}
	}
	sc.cand = cand[:0]
	prepared := false
	for _, id := range m.regexes {
		if !active[m.terms[id].code] {
			continue
		}
		pat := m.terms[id].pat
		if !prepared {
			sc.text.reset(d.Text)
			prepared = true
		}
		for _, loc := range findRegex(pat.Re, pat.starts, &sc.text) {
			if loc[0] == loc[1] {
				continue
			}
			a, b := d.tokenRange(loc[0], loc[1])
			hits = append(hits, hit{term: id, start: loc[0], end: loc[1], a: a, b: b, sentence: d.sentenceOf(loc[0])})
		}
	}
	return hits
}

// near looks for the right side of a NEAR term within p.Near words of the
// left side matched at tokens [a, b], in either order, in the same sentence.
func near(p *pattern, d *doc, tfs []tokForms, a, b int) (int, int, bool) {
	sent := d.Tokens[a].Sentence
	best, bs, be := -1, 0, 0
	lo := max(0, a-p.Near-len(p.Other)*(maxGap+1))
	hi := min(len(tfs)-1, b+p.Near)
	for j := lo; j <= hi; j++ {
		if d.Tokens[j].Sentence != sent {
			continue
		}
		s, e, last, ok := matchPhrase(p.Other, d, tfs, j)
		if !ok || d.Tokens[last].Sentence != sent {
			continue
		}
		var dist int
		switch {
		case j > b:
			dist = j - b
		case last < a:
			dist = a - last
		default:
			continue // overlaps the left side: the same words
		}
		if dist <= p.Near && (best < 0 || dist < best) {
			best, bs, be = dist, s, e
		}
	}
	return bs, be, best >= 0
}

// tokenRange returns the first and last token overlapping [start, end).
func (d *doc) tokenRange(start, end int) (int, int) {
	a := sort.Search(len(d.Tokens), func(i int) bool { return d.Tokens[i].End > start })
	b := sort.Search(len(d.Tokens), func(i int) bool { return d.Tokens[i].Start >= end }) - 1
	if b < a {
		b = a
	}
	return a, b
}

// negationCues negate a term that follows them in the same clause.
var negationCues = map[string]bool{
	"geen": true, "niet": true, "nooit": true, "nauwelijks": true, "zonder": true,
	"noch": true, "geenszins": true, "allerminst": true, "niets": true, "niks": true,
	"nergens": true, "niemand": true, "amper": true,
	"no": true, "not": true, "never": true, "without": true, "hardly": true,
	"barely": true, "nor": true, "neither": true, "none": true, "nobody": true,
	"nothing": true, "cannot": true, "lack": true, "lacking": true,
}

// postCues negate a term they follow closely in the same clause: Dutch puts
// "niet" after the verb ("de werkdruk is niet hoog"), and English does the
// same with "not" ("workload is not a problem").
var postCues = map[string]bool{
	"niet": true, "nooit": true, "nauwelijks": true, "geenszins": true,
	"allerminst": true, "amper": true, "geen": true,
	"not": true, "never": true, "hardly": true,
}

// Negation windows, in words.
const (
	preWindow  = 6
	postWindow = 3
)

// notOnly lists words that turn a cue into "not only", which adds rather
// than denies ("niet alleen werkdruk maar ook ...").
var notOnly = map[string]bool{"alleen": true, "enkel": true, "only": true, "just": true}

// Negation flags of a word, from cueFlags.
const (
	preCue  uint8 = 1 << iota // negates what follows: negationCues or ...n't
	postCue                   // negates what precedes: postCues or ...n't
	onlyCue                   // turns a cue before it into "not only"
)

// cueFlags returns w's negation flags. The word cache holds them, so that
// testing the words around each match is no map look-up.
func cueFlags(w string) uint8 {
	var f uint8
	nt := strings.HasSuffix(w, "n't")
	if negationCues[w] || nt {
		f |= preCue
	}
	if postCues[w] || nt {
		f |= postCue
	}
	if notOnly[w] {
		f |= onlyCue
	}
	return f
}

// isCue reports whether token i is a cue of kind (preCue or postCue) that
// the next token does not turn into "not only"; cues holds the tokens'
// cueFlags.
func isCue(cues []uint8, i int, kind uint8) bool {
	return cues[i]&kind != 0 && (i+1 >= len(cues) || cues[i+1]&onlyCue == 0)
}

// negated reports whether tokens [a, b] fall in the scope of a negation;
// cues holds the cueFlags of d's tokens.
func negated(d *doc, cues []uint8, a, b int) bool {
	toks := d.Tokens
	if a >= len(toks) || b >= len(toks) {
		return false
	}
	clause := toks[a].Clause
	for i := a - 1; i >= 0 && i >= a-preWindow && toks[i].Clause == clause; i-- {
		if isCue(cues, i, preCue) {
			return true
		}
	}
	clause = toks[b].Clause
	for i := b + 1; i < len(toks) && i <= b+postWindow && toks[i].Clause == clause; i++ {
		if isCue(cues, i, postCue) {
			return true
		}
	}
	return false
}

// Lang returns the language whose terms code unit u: "en" for English
// units, "nl" for the rest; a unit without a language takes the codebook's.
func (c *Coder) lang(u study.Unit) string {
	l := u.Lang
	if l == "" {
		l = c.cb.Language
	}
	if l == "en" {
		return "en"
	}
	return "nl"
}

// inScope reports whether a code's applies_to admits the unit.
func inScope(s Scope, u study.Unit) bool {
	if len(s.Questions) > 0 && u.Question != "" {
		ok := false
		for _, q := range s.Questions {
			if q == u.Question || (u.QuestionLabel != "" && strings.Contains(strings.ToLower(u.QuestionLabel), strings.ToLower(q))) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(s.Speakers) > 0 && u.Speaker != "" {
		for _, sp := range s.Speakers {
			if strings.EqualFold(sp, u.Speaker) {
				return true
			}
		}
		return false
	}
	return true
}

// UsesRespondents reports whether any code has a rule on closed answers,
// that is whether Code ever looks at its respondent. Callers coding a
// national survey skip loading every respondent when it does not.
func (c *Coder) UsesRespondents() bool {
	for _, cc := range c.codes {
		if len(cc.rules) > 0 {
			return true
		}
	}
	return false
}

// Code codes one unit. It is pure: the same unit, respondent and codebook
// always give the same Coding. r may be nil (no closed answers); context
// units (interviewer turns) get no codes.
func (c *Coder) Code(u study.Unit, r *study.Respondent) study.Coding {
	out, _ := c.code(u, r, false)
	return out
}

// code is Code; with detect, a unit without a language first gets the one
// DetectLanguage would give it, told from the tokens Code reads anyway,
// which it returns with the coding.
func (c *Coder) code(u study.Unit, r *study.Respondent, detect bool) (study.Coding, string) {
	out := study.Coding{UnitID: u.ID}
	if u.Context {
		return out, u.Lang
	}
	sc := c.scratch.Get().(*scratch)
	nc := len(c.codes)
	if len(sc.flags) < 4*nc {
		sc.flags = make([]bool, 4*nc)
	}
	flags := sc.flags[:4*nc]
	clear(flags)
	active, positive, matched, coded := flags[:nc], flags[nc:2*nc], flags[2*nc:3*nc], flags[3*nc:]
	for i := range active {
		active[i] = true
	}
	for _, i := range c.scoped {
		active[i] = inScope(c.codes[i].scope, u)
	}
	d := tokenizeInto(u.Text, sc.toks, sc.starts, sc.norms)
	sc.toks, sc.starts, sc.norms = d.Tokens, d.sentenceStarts, d.norms
	if detect && u.Lang == "" {
		u.Lang = languageOf(d.Tokens, u.Text)
	}
	// A unit whose language could not be told (a few words, a term like
	// "caseload" used in Dutch) is matched with both languages' terms:
	// missing an English answer costs more than the rare cross-language hit.
	//
	// hits[:split] are ms[0]'s, the rest ms[1]'s.
	hits := sc.hits[:0]
	var ms [2]*matcher
	split := 0
	first := c.lang(u)
	for i, lang := range [2]string{first, other(first)} {
		if i == 1 && u.Lang != "" {
			break
		}
		m := c.matchers[lang]
		if m == nil {
			continue
		}
		hits = m.find(&d, m.forms(&d, sc), active, sc, hits)
		ms[i] = m
		if i == 0 {
			split = len(hits)
		}
	}
	sc.hits = hits
	// Every matcher's forms start with the token's own word, and cue
	// flags do not depend on the language: the last forms serve.
	cues := sc.cues[:0]
	if len(hits) > 0 {
		for _, tf := range sc.tfs {
			cues = append(cues, tf.forms[0].info.cue)
		}
	}
	sc.cues = cues

	veto := sc.veto[:0] // code, sentence
	for j := range hits {
		m := ms[0]
		if j >= split {
			m = ms[1]
		}
		if t := &m.terms[hits[j].term]; t.exclude {
			veto = append(veto, [2]int{t.code, hits[j].sentence})
		}
	}
	sc.veto = veto
	// Matches found twice (by both languages, or by a term listed twice)
	// are kept once. A unit has a dozen matches, so a linear scan beats a
	// map; long units get one.
	order, matches := sc.order[:0], sc.matches[:0]
	var many map[matchKey]bool
	if len(hits) > 64 {
		many = map[matchKey]bool{}
	}
hits:
	for j := range hits {
		m := ms[0]
		if j >= split {
			m = ms[1]
		}
		h := &hits[j]
		t := &m.terms[h.term]
		if t.exclude || slices.Contains(veto, [2]int{t.code, h.sentence}) {
			continue
		}
		cc := &c.codes[t.code]
		k := matchKey{h.start, cc.rank, h.end, t.rank}
		if many != nil {
			if many[k] {
				continue
			}
			many[k] = true
		} else {
			for i := range order {
				if order[i].key == k {
					continue hits
				}
			}
		}
		neg := cc.negation != "ignore" && negated(&d, cues, h.a, h.b)
		order = append(order, matchOrder{k, len(matches)})
		matches = append(matches, study.Match{Code: cc.id, Term: t.pat.Raw, Span: study.Span{Start: h.start, End: h.end}, Negated: neg})
		matched[t.code] = true
		if !neg || cc.negation != "exclude" {
			positive[t.code] = true
		}
	}
	for _, i := range c.ruled {
		cc := &c.codes[i]
		if !active[i] {
			continue
		}
		for j, rl := range cc.rules {
			if rl.holds(r) {
				order = append(order, matchOrder{matchKey{0, cc.rank, 0, cc.ruleRanks[j]}, len(matches)})
				matches = append(matches, study.Match{Code: cc.id, Term: cc.ruleTerms[j]})
				matched[i], positive[i] = true, true
			}
		}
	}
	if len(order) > 0 {
		sortMatchOrders(order)
		out.Matches = make([]study.Match, len(order))
		for j := range order {
			out.Matches[j] = matches[order[j].i]
		}
	}
	// matches holds only the codebook's strings: the pool keeps no unit
	// alive through them.
	sc.order, sc.matches = order[:0], matches[:0]
	n := 0
	for i := range c.codes {
		if !matched[i] || !positive[i] {
			continue
		}
		if !coded[i] {
			coded[i] = true
			n++
		}
		for _, j := range c.codes[i].ancestors {
			if !coded[j] {
				coded[j] = true
				n++
			}
		}
	}
	out.Codes = make([]string, 0, n)
	for _, i := range c.byID {
		if coded[i] {
			out.Codes = append(out.Codes, c.codes[i].id)
		}
	}
	c.scratch.Put(sc)
	return out, u.Lang
}

// CodeAll codes units on all cores and returns the codings in input order.
// respondent may be nil or return nil for units without closed answers.
func (c *Coder) CodeAll(units []study.Unit, respondent func(study.Unit) *study.Respondent) []study.Coding {
	return c.codeAll(units, respondent, false)
}

// CodeAllDetecting is CodeAll for units whose language has not been
// detected: it sets the Lang of each non-context unit without one to what
// DetectLanguage(u.Text) gives, and codes it in that language. A run codes
// new files as it stores them, and telling the language from the tokens
// coding reads anyway spares the reading goroutine a second split of every
// text (DetectLanguage was ~1 s CPU of a 200,000-response run).
func (c *Coder) CodeAllDetecting(units []study.Unit, respondent func(study.Unit) *study.Respondent) []study.Coding {
	return c.codeAll(units, respondent, true)
}

func (c *Coder) codeAll(units []study.Unit, respondent func(study.Unit) *study.Respondent, detect bool) []study.Coding {
	out := make([]study.Coding, len(units))
	const chunk = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), (len(units)+chunk-1)/chunk)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= len(units) {
					return
				}
				for i := lo; i < min(lo+chunk, len(units)); i++ {
					var r *study.Respondent
					if respondent != nil {
						r = respondent(units[i])
					}
					// Each unit is one worker's, so setting its Lang races
					// with nothing.
					out[i], units[i].Lang = c.code(units[i], r, detect)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// TermUse names one codebook term and where it is written.
type TermUse struct {
	Code, Lang, Term string
	Line, Column     int
}

// UnusedTerms lists the terms (not exclude terms) that match no unit of the
// corpus, in codebook order, ignoring scope, negation and vetoes: a
// methodologist uses it to prune or fix terms (a typo never matches).
func UnusedTerms(cb *Codebook, units []study.Unit) []TermUse {
	c, err := Compile(cb)
	if err != nil {
		return nil
	}
	used := map[[3]string]bool{} // code, lang, raw term
	sc := &scratch{}
	all := make([]bool, len(c.codes))
	for i := range all {
		all[i] = true
	}
	for _, u := range units {
		if u.Context {
			continue
		}
		lang := c.lang(u)
		m := c.matchers[lang]
		d := tokenize(u.Text)
		for _, h := range m.find(&d, m.forms(&d, sc), all, sc, nil) {
			t := m.terms[h.term]
			if !t.exclude {
				used[[3]string{c.codes[t.code].id, t.srcLang, t.pat.Raw}] = true
			}
		}
	}
	var out []TermUse
	for _, code := range cb.Codes {
		for _, lang := range sortedKeys(code.Terms) {
			for j, t := range code.Terms[lang] {
				if used[[3]string{code.ID, lang, t}] {
					continue
				}
				tu := TermUse{Code: code.ID, Lang: lang, Term: t}
				if code.pos != nil && j < len(code.pos.termNodes[lang]) {
					n := code.pos.termNodes[lang][j]
					tu.Line, tu.Column = n.Line, n.Column
				}
				out = append(out, tu)
			}
		}
	}
	return out
}
