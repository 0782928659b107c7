package coding

import (
	"fmt"
	"runtime"
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
}

type compiledCode struct {
	id        string
	negation  string
	scope     Scope
	rules     []*rule
	ancestors []string
}

// termRef is one term in a language's index.
type termRef struct {
	code    int
	pat     *pattern
	exclude bool
	// srcLang is the language the term is written under in the codebook;
	// it differs from the matcher's when a code falls back.
	srcLang string
}

// matcher finds the terms of one language in a tokenised unit. Terms are
// indexed by their first word so a token looks up its candidates in maps
// instead of trying every term.
type matcher struct {
	lang     string
	terms    []termRef
	exact    map[string][]int
	stems    map[string][]int
	prefixes map[string][]int
	tails    map[string][]int
	regexes  []int
	// altStems is set when some term stems in the other language.
	altStems bool
	scratch  sync.Pool // of *findScratch
	// prefixLen and tailLen are the shortest and longest prefix and tail
	// of any term, in bytes.
	prefixLen, tailLen [2]int
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
		cc := compiledCode{id: code.ID, negation: code.Negation, scope: code.AppliesTo, ancestors: cb.Ancestors(code.ID)}
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
		c.codes = append(c.codes, cc)
	}
	for _, lang := range []string{"nl", "en"} {
		m := &matcher{lang: lang, exact: map[string][]int{}, stems: map[string][]int{},
			prefixes: map[string][]int{}, tails: map[string][]int{}}
		m.scratch.New = func() any { return &findScratch{} }
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
		c.matchers[lang] = m
	}
	return c, nil
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
		m.exact[e.Word] = append(m.exact[e.Word], i)
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

// widen extends the range r to include n; first starts it afresh.
func widen(r [2]int, n int, first bool) [2]int {
	if first {
		return [2]int{n, n}
	}
	return [2]int{min(r[0], n), max(r[1], n)}
}

// form is one way to read a token: the whole word, the word without its
// hyphens, or one hyphenated part. Stem is filled only when stems are used.
type form struct {
	W, Stem    string
	AltStem    string // stem in the other language, when altStems
	Start, End int
}

type tokForms struct {
	forms []form
}

func (m *matcher) forms(d *doc) []tokForms {
	useStem := len(m.stems) > 0
	out := make([]tokForms, len(d.Tokens))
	for k, t := range d.Tokens {
		n := 1
		if len(t.Parts) > 0 {
			n += 1 + len(t.Parts)
		}
		fs := make([]form, 0, n)
		fs = append(fs, form{W: t.Norm, Start: t.Start, End: t.End})
		if len(t.Parts) > 0 {
			fs = append(fs, form{W: strings.ReplaceAll(t.Norm, "-", ""), Start: t.Start, End: t.End})
			for _, p := range t.Parts {
				fs = append(fs, form{W: p.Norm, Start: p.Start, End: p.End})
			}
		}
		if useStem {
			for i := range fs {
				fs[i].Stem = stem(fs[i].W, m.lang)
				if m.altStems {
					fs[i].AltStem = stem(fs[i].W, other(m.lang))
				}
			}
		}
		out[k].forms = fs
	}
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

func matchForms(e elem, tf tokForms) (form, bool) {
	for _, f := range tf.forms {
		st := f.Stem
		if e.Alt {
			st = f.AltStem
		}
		if matchWord(e, f.W, st) {
			return f, true
		}
	}
	return form{}, false
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
	f, ok := matchForms(elems[0], tfs[k])
	if !ok {
		return 0, 0, 0, false
	}
	if len(elems) == 1 {
		return f.Start, f.End, k, true
	}
	sent := d.Tokens[k].Sentence
	var rest func(j, k int) (int, int, bool)
	rest = func(j, k int) (int, int, bool) {
		if j == len(elems) {
			return 0, 0, false
		}
		if elems[j].Kind == gapWord {
			for skip := 0; skip <= maxGap; skip++ {
				if end, last, ok := rest(j+1, k+skip); ok {
					return end, last, true
				}
			}
			return 0, 0, false
		}
		if k >= len(tfs) || d.Tokens[k].Sentence != sent {
			return 0, 0, false
		}
		f, ok := matchForms(elems[j], tfs[k])
		if !ok {
			return 0, 0, false
		}
		if j == len(elems)-1 {
			return f.End, k, true
		}
		return rest(j+1, k+1)
	}
	end, last, ok = rest(1, k+1)
	return f.Start, end, last, ok
}

// findScratch is per-goroutine working memory for find.
type findScratch struct {
	seen    []int
	touched []int
}

// find returns every occurrence of the terms whose code is active.
func (m *matcher) find(d *doc, tfs []tokForms, active []bool) []hit {
	var hits []hit
	// seen holds, per term, the token index + 1 of its last try. A large
	// codebook has thousands of terms and a unit touches a handful, so the
	// slice is reused and only the touched entries are reset afterwards:
	// allocating it per unit was a third of all coding allocations.
	sc := m.scratch.Get().(*findScratch)
	if len(sc.seen) < len(m.terms) {
		sc.seen = make([]int, len(m.terms))
	}
	seen := sc.seen
	defer func() {
		for _, id := range sc.touched {
			seen[id] = 0
		}
		sc.touched = sc.touched[:0]
		m.scratch.Put(sc)
	}()
	var cand []int
	addAll := func(ids []int, k int) {
		for _, id := range ids {
			if seen[id] != k+1 && active[m.terms[id].code] {
				if seen[id] == 0 {
					sc.touched = append(sc.touched, id)
				}
				seen[id] = k + 1
				cand = append(cand, id)
			}
		}
	}
	for k := range tfs {
		cand = cand[:0]
		for _, f := range tfs[k].forms {
			addAll(m.exact[f.W], k)
			if len(m.stems) > 0 {
				addAll(m.stems[f.Stem], k)
				if m.altStems {
					addAll(m.stems[f.AltStem], k)
				}
			}
			if len(m.prefixes) > 0 || len(m.tails) > 0 {
				// Only split lengths some term has are looked up: most
				// splits of a word cannot be a codebook prefix or tail.
				for i := max(1, m.prefixLen[0]); i < len(f.W) && i <= m.prefixLen[1]; i++ {
					addAll(m.prefixes[f.W[:i]], k)
				}
				for i := max(1, len(f.W)-m.tailLen[1]); i < len(f.W) && len(f.W)-i >= m.tailLen[0]; i++ {
					addAll(m.tails[f.W[i:]], k)
				}
				if len(m.prefixes) > 0 {
					addAll(m.prefixes[f.W], k)
				}
			}
		}
		sort.Ints(cand) // codebook order keeps output deterministic
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
	lower, folds, lowered := "", false, false
	for _, id := range m.regexes {
		if !active[m.terms[id].code] {
			continue
		}
		pat := m.terms[id].pat
		if pat.starts != nil && !lowered {
			lower, folds, lowered = asciiLower(d.Text), foldsToASCII(d.Text), true
		}
		for _, loc := range findRegex(pat.Re, pat.starts, d.Text, lower, folds) {
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

func isCue(toks []token, i int, cues map[string]bool) bool {
	w := toks[i].Norm
	if !cues[w] && !strings.HasSuffix(w, "n't") {
		return false
	}
	if i+1 < len(toks) && notOnly[toks[i+1].Norm] {
		return false
	}
	return true
}

// negated reports whether tokens [a, b] fall in the scope of a negation.
func negated(d *doc, a, b int) bool {
	toks := d.Tokens
	if a >= len(toks) || b >= len(toks) {
		return false
	}
	clause := toks[a].Clause
	for i := a - 1; i >= 0 && i >= a-preWindow && toks[i].Clause == clause; i-- {
		if isCue(toks, i, negationCues) {
			return true
		}
	}
	clause = toks[b].Clause
	for i := b + 1; i < len(toks) && i <= b+postWindow && toks[i].Clause == clause; i++ {
		if isCue(toks, i, postCues) {
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

// langsFor lists the languages whose terms code u: its own, or both when
// neither u nor the detector could tell.
func (c *Coder) langsFor(u study.Unit) []string {
	if u.Lang == "" {
		first := c.lang(u)
		return []string{first, other(first)}
	}
	return []string{c.lang(u)}
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
	out := study.Coding{UnitID: u.ID}
	if u.Context {
		return out
	}
	active := make([]bool, len(c.codes))
	for i, cc := range c.codes {
		active[i] = inScope(cc.scope, u)
	}
	d := tokenize(u.Text)
	// A unit whose language could not be told (a few words, a term like
	// "caseload" used in Dutch) is matched with both languages' terms:
	// missing an English answer costs more than the rare cross-language hit.
	type langHit struct {
		m *matcher
		h hit
	}
	var hits []langHit
	for _, lang := range c.langsFor(u) {
		m := c.matchers[lang]
		if m == nil {
			continue
		}
		for _, h := range m.find(&d, m.forms(&d), active) {
			hits = append(hits, langHit{m, h})
		}
	}

	veto := map[[2]int]bool{} // code, sentence
	for _, lh := range hits {
		if lh.m.terms[lh.h.term].exclude {
			veto[[2]int{lh.m.terms[lh.h.term].code, lh.h.sentence}] = true
		}
	}
	type key struct {
		code       int
		term       string
		start, end int
	}
	seen := map[key]bool{}
	positive := make([]bool, len(c.codes))
	matched := make([]bool, len(c.codes))
	for _, lh := range hits {
		h, t := lh.h, lh.m.terms[lh.h.term]
		if t.exclude || veto[[2]int{t.code, h.sentence}] {
			continue
		}
		k := key{t.code, t.pat.Raw, h.start, h.end}
		if seen[k] {
			continue
		}
		seen[k] = true
		cc := c.codes[t.code]
		neg := cc.negation != "ignore" && negated(&d, h.a, h.b)
		out.Matches = append(out.Matches, study.Match{Code: cc.id, Term: t.pat.Raw, Span: study.Span{Start: h.start, End: h.end}, Negated: neg})
		matched[t.code] = true
		if !neg || cc.negation != "exclude" {
			positive[t.code] = true
		}
	}
	for i, cc := range c.codes {
		if !active[i] {
			continue
		}
		for _, rl := range cc.rules {
			if rl.holds(r) {
				out.Matches = append(out.Matches, study.Match{Code: cc.id, Term: "rule: " + rl.Raw})
				matched[i], positive[i] = true, true
			}
		}
	}
	set := map[string]bool{}
	for i, cc := range c.codes {
		if matched[i] && positive[i] {
			set[cc.id] = true
			for _, a := range cc.ancestors {
				set[a] = true
			}
		}
	}
	out.Codes = sortedKeys(set)
	sort.SliceStable(out.Matches, func(i, j int) bool {
		a, b := out.Matches[i], out.Matches[j]
		if a.Span.Start != b.Span.Start {
			return a.Span.Start < b.Span.Start
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Span.End != b.Span.End {
			return a.Span.End < b.Span.End
		}
		return a.Term < b.Term
	})
	return out
}

// CodeAll codes units on all cores and returns the codings in input order.
// respondent may be nil or return nil for units without closed answers.
func (c *Coder) CodeAll(units []study.Unit, respondent func(study.Unit) *study.Respondent) []study.Coding {
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
					out[i] = c.Code(units[i], r)
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
		for _, h := range m.find(&d, m.forms(&d), all) {
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
