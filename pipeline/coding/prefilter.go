package coding

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Regex terms run on every unit's text, and most units cannot match them:
// a profile showed ten codebook regexes taking half of all coding time.
// Every match of a regex that starts with one of a few literals ("wacht",
// "op", "met"…) starts where one of them occurs, so the regex only needs to
// be tried, anchored, at those places — found with strings.Index, far faster
// than the regex engine scanning the whole text.

// regexPrefixes returns literals, lower-cased, one of which every match of
// expr starts with (after a leading \b, reported as wordStart); nil when no
// such set can be read off the expression.
func regexPrefixes(expr string) (prefixes []string, wordStart bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	p, wb, ok := leading(re.Simplify())
	if !ok {
		return nil, false
	}
	return p, wb
}

// leading walks to the first thing a match consumes. Only a leading \b is
// allowed before it: other assertions (^, $, \B) depend on text before the
// start, which an anchored retry cannot see.
func leading(re *syntax.Regexp) ([]string, bool, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, false, false
		}
		return []string{strings.ToLower(string(re.Rune))}, false, true
	case syntax.OpCharClass:
		if isDigitClass(re) {
			return []string{digitStart}, false, true
		}
		return nil, false, false
	case syntax.OpCapture, syntax.OpPlus:
		return leading(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false, false
		}
		return leading(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for i, sub := range re.Sub {
			p, wb, ok := leading(sub)
			if !ok {
				return nil, false, false
			}
			if i > 0 && wb != wordStartOf(re.Sub[0]) {
				return nil, false, false // mixed: the start rule would differ per branch
			}
			out = append(out, p...)
		}
		return out, wordStartOf(re.Sub[0]), true
	case syntax.OpConcat:
		wb := false
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpWordBoundary:
				wb = true
				continue
			case syntax.OpEmptyMatch:
				continue
			case syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
				return nil, false, false
			}
			p, subWB, ok := leading(sub)
			return p, wb || subWB, ok
		}
	}
	return nil, false, false
}

// digitStart stands for "any ASCII digit" among the start literals, so
// patterns such as \d{2,3} ?% run only where a number starts.
const digitStart = "\x00digit"

func isDigitClass(re *syntax.Regexp) bool {
	return len(re.Rune) == 2 && re.Rune[0] == '0' && re.Rune[1] == '9'
}

func wordStartOf(re *syntax.Regexp) bool {
	_, wb, _ := leading(re)
	return wb
}

// requiredSets returns sets of ASCII literals (lower-case) such that every
// match of expr contains a member of each set, one set per element of its
// top-level sequence that yields a selective one. The codebook's regexes
// mostly start with a number or a word class the start literals cannot
// describe, but require one of a few nouns later on ("(dossiers|cliënten|
// gezinnen)"): a text holding none of them cannot match, and most texts
// hold none.
func requiredSets(expr string) [][]string {
	subs, ok := topSequence(expr)
	if !ok {
		return nil
	}
	var out [][]string
	for _, sub := range subs {
		if set, ok := mustContain(sub); ok && shortest(set) >= minRequired {
			out = append(out, set)
		}
	}
	return out
}

// topSequence returns the elements of expr's top-level sequence, past
// any capturing groups around it: the expression itself when it is no
// sequence. ok is false when expr does not parse.
func topSequence(expr string) (subs []*syntax.Regexp, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op == syntax.OpConcat {
		return re.Sub, true
	}
	return []*syntax.Regexp{re}, true
}

// nearSets returns sets of ASCII literals (lower-case) such that every
// match of expr holds a member of set i within its first within[i] bytes:
// one set per element of its top-level sequence that gives one and that
// only elements of bounded length (maxBytes) precede. Tried only where a
// match would start, a literal of two bytes ("op") already rules out most
// starts.
func nearSets(expr string) (sets [][]string, within []int) {
	subs, ok := topSequence(expr)
	if !ok {
		return nil, nil
	}
	upTo := 0 // the most bytes the elements so far can span
	for _, sub := range subs {
		n := maxBytes(sub)
		if n == unbounded {
			break
		}
		upTo += n
		if set, ok := mustContain(sub); ok && shortest(set) >= 2 {
			sets = append(sets, set)
			within = append(within, upTo)
		}
	}
	return sets, within
}

// minRequired is the shortest literal worth filtering on: "op" or "de"
// occurs in nearly every answer, so looking for it costs without skipping.
const minRequired = 3

// mustContain returns literals one of which every match of re contains;
// ok is false when re gives no such set (a class, an optional part).
func mustContain(re *syntax.Regexp) (set []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		run := longestASCIIRun(string(re.Rune))
		if run == "" {
			return nil, false
		}
		return []string{asciiLower(run)}, true
	case syntax.OpCapture, syntax.OpPlus:
		return mustContain(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return mustContain(re.Sub[0])
	case syntax.OpAlternate:
		// The parser factors "uren|uur" into "u(?:ren|ur)", whose own
		// literals are "u", "ren" and "ur": the whole words select far
		// better.
		if words, ok := exactSet(re); ok {
			for _, w := range words {
				run := longestASCIIRun(w)
				if run == "" {
					set = nil
					break
				}
				set = append(set, asciiLower(run))
			}
			if set != nil {
				return minimalSet(set), true
			}
		}
		for _, sub := range re.Sub {
			s, ok := mustContain(sub)
			if !ok {
				return nil, false
			}
			set = append(set, s...)
		}
		return minimalSet(set), true
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if s, ok := mustContain(sub); ok && (set == nil || moreSelective(s, set)) {
				set = s
			}
		}
		return set, set != nil
	}
	return nil, false
}

// longestASCIIRun returns the longest run of ASCII bytes in lit. Only
// those can be looked for in the ASCII-lowered text: under (?i) a
// non-ASCII letter matches its other case, which asciiLower leaves alone,
// and no ASCII byte matches anything but an ASCII byte once foldsToASCII
// has ruled out the Kelvin sign and the long s.
func longestASCIIRun(lit string) string {
	best, start := "", 0
	for i := 0; i <= len(lit); i++ {
		if i == len(lit) || lit[i] >= 0x80 {
			if i-start > len(best) {
				best = lit[start:i]
			}
			start = i + 1
		}
	}
	return best
}

// minimalSet drops duplicates and members that contain another member (a
// text holding "enten" holds "nten"), so fewer searches answer the same.
func minimalSet(set []string) []string {
	sort.Slice(set, func(i, j int) bool { return len(set[i]) < len(set[j]) || len(set[i]) == len(set[j]) && set[i] < set[j] })
	var out []string
	for _, s := range set {
		if !containsAny(s, out) {
			out = append(out, s)
		}
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, p := range subs {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func shortest(set []string) int {
	n := -1
	for _, s := range set {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// moreSelective prefers the set whose shortest member is longer (short
// literals occur by chance), then the smaller set (fewer searches).
func moreSelective(a, b []string) bool {
	if sa, sb := shortest(a), shortest(b); sa != sb {
		return sa > sb
	}
	return len(a) < len(b)
}

// regexStarts holds what findRegex needs to try a regex only where a match
// can start.
type regexStarts struct {
	required [][]string // every match contains a member of each set
	// requiredHashes holds the trigram hashes of each member of each
	// required set, so that a unit's look at them hashes nothing.
	requiredHashes [][][]uint16
	prefixes       []string       // ASCII, lower-case
	wordStart      bool           // the expression begins with \b
	anchored       *regexp.Regexp // the expression anchored at the start
	// atWord is set when, by a leading \b, every match starts at a word
	// start; byInitial groups the prefixes by their first bytes, and
	// groupOf[c] is 1 + the index of c's group (0: none). The matches then
	// start at the unit's word starts whose first byte has a group and
	// that carry one of its prefixes: a look at each of the unit's fifty
	// words instead of a strings.Index per prefix over its text, which
	// found "t", "v", "ze" and "is" all over it, and at the few prefixes a
	// word can carry instead of all fourteen of "(\d{1,3}|een|twee|…|
	// honderd) (banen|fte)".
	atWord    bool
	byInitial [][]string
	groupOf   [256]uint8
	// near holds literal sets one member of which every match holds
	// within its first nearLen[i] bytes (see nearSets): a start without
	// one there is not tried. Most starts ("is", "per", a number) have
	// none, and an anchored try cost a hundred times the look.
	near    [][]string
	nearLen []int
	// A regex without usable start literals ("\b(\d{2,3}|\w*tig|honderd)
	// (dossiers|cliënten)") is tried only in windows that end at an
	// occurrence of a member of window and reach back at most reach
	// non-word bytes: every match contains such an occurrence after at most
	// that many (see windowSet). first holds the bytes (of the lowered
	// text) a match can start with in the texts search sees; inContext is
	// the expression anchored one rune after the start, so that a leading
	// \b sees the rune before the window.
	window elementFinder
	reach  int
	// wordFirst is set when a leading \b and first say that a match starts
	// at a word start: every first byte is a word character.
	wordFirst bool
	// windowSpaces and windowRunes bound the spaces and the runes other
	// than digits a window spans, or are unbounded (see window).
	windowSpaces, windowRunes int
	first                     *[256]bool
	inContext                 *regexp.Regexp
	// tails name later elements every match reaches within a bounded
	// number of spaces or of runes other than digits: a start is tried
	// only when an occurrence of each follows it closely enough.
	tails []*tailCheck
}

// tailCheck is an element of a regex's top-level sequence after its
// first, found by its start literals (see tailChecks).
type tailCheck struct {
	elementFinder
	// spaces and runes bound the spaces and the runes other than ASCII
	// digits between a match's start and the element's, or are
	// unbounded.
	spaces, runes int
}

// elementFinder finds where an element of a regex's top-level sequence
// can start in a unit's text.
type elementFinder struct {
	set []string // ASCII, lower-case: every match of the element starts with one
	// before holds, nearest first, sets of the bytes that stand just
	// before the element in every match (see suffixSets).
	before [][256]bool
	// atWord is set when the element starts at a word start: every member
	// starts with a word character and no word character can stand
	// before it. Its offsets are then among the unit's word starts whose
	// first byte is in initial, which a look at each finds faster than a
	// strings.Index per member over the text finds the members ("cli"
	// and "cas" are all over it).
	atWord  bool
	initial [256]bool
}

func newElementFinder(set []string, before [][256]bool) elementFinder {
	f := elementFinder{set: set, before: before, atWord: len(before) > 0}
	for c := 0; c < 256 && f.atWord; c++ {
		f.atWord = !before[0][c] || !isASCIIWord(byte(c))
	}
	for _, p := range set {
		f.atWord = f.atWord && isASCIIWord(p[0])
		f.initial[p[0]] = true
	}
	return f
}

// newRegexStarts returns nil when the expression gives neither start
// literals, windows nor required literals (then the whole text is
// searched).
func newRegexStarts(expr string) *regexStarts {
	rs := &regexStarts{required: requiredSets(expr)}
	// A unit lacking a required literal is ruled out at the first set
	// it lacks: "(twee|drie|…|honderd) aanbieders" looked for ten number
	// words, which answers hold, before " aanbieders", which they rarely
	// do.
	sort.SliceStable(rs.required, func(i, j int) bool { return moreSelective(rs.required[i], rs.required[j]) })
	rs.requiredHashes = make([][][]uint16, len(rs.required))
	for i, set := range rs.required {
		for _, lit := range set {
			rs.requiredHashes[i] = append(rs.requiredHashes[i], trigramHashes(lit))
		}
	}
	rs.near, rs.nearLen = nearSets(expr)
	anchored, err := regexp.Compile("(?i)^(?:" + expr + ")")
	if err != nil {
		return nil
	}
	if pre, wordStart := regexPrefixes(expr); usablePrefixes(pre, wordStart) {
		rs.prefixes, rs.wordStart, rs.anchored = pre, wordStart, anchored
		// usablePrefixes has made sure that under a leading \b every
		// prefix starts with a word character.
		rs.atWord = wordStart
		var groups [256][]string
		for _, p := range pre {
			if p == digitStart {
				for c := '0'; c <= '9'; c++ {
					groups[c] = append(groups[c], p)
				}
			} else {
				groups[p[0]] = append(groups[p[0]], p)
			}
		}
		for c, g := range groups {
			if g != nil {
				rs.byInitial = append(rs.byInitial, g)
				rs.groupOf[c] = uint8(len(rs.byInitial))
			}
		}
	} else if w, ok := windowOf(expr); ok {
		rs.window, rs.reach, rs.anchored = newElementFinder(w.set, w.before), w.reach, anchored
		rs.windowSpaces, rs.windowRunes = w.spaces, w.runes
		rs.wordStart = startsWithWordBoundary(expr)
		rs.inContext, err = regexp.Compile("(?i)^(?s:.)(?:" + expr + ")")
		if err != nil {
			return nil
		}
		if first, ok := firstBytes(expr); ok {
			rs.first = &first
			rs.wordFirst = rs.wordStart
			for c := 0; c < 256; c++ {
				rs.wordFirst = rs.wordFirst && (!first[c] || isASCIIWord(byte(c)))
			}
		}
	}
	if rs.anchored == nil && len(rs.required) == 0 {
		return nil
	}
	if rs.anchored != nil {
		rs.tails = tailChecks(expr)
	}
	return rs
}

// tailChecks returns the elements of expr's top-level sequence after the
// first (the last maxTails of them) that every match starts with a literal
// of, three bytes at least, and reaches over a bounded number of spaces or
// of runes other than digits. "\b(maar|slechts) (\S+ ){0,2}
// (gesprekken|uur)\b" was tried at every "maar" of a unit holding "uur"
// anywhere, a hundred tries for each match, though the noun must follow
// within three spaces; "\b(per|elke) (dag|week)\b.{0,25}\b(\d+|twee)
// (gesprekken|bezoeken)\b" wants a noun after a space and a number
// within 45 runes that are not digits; "\b(\d([,.]\d+)?|twee) (uur|uren)
// per (week|maand)\b", tried in windows before every "uur per", wants at
// most one space before the "uur".
func tailChecks(expr string) []*tailCheck {
	subs, ok := topSequence(expr)
	if !ok {
		return nil
	}
	var out []*tailCheck
	spaces, runes := 0, 0
	for j, sub := range subs {
		if j > 0 {
			if set, ok := elementStarts(sub); ok && shortest(set) >= minRequired {
				before, _ := suffixSets(subs[:j])
				out = append(out, &tailCheck{elementFinder: newElementFinder(set, before), spaces: spaces, runes: runes})
			}
		}
		spaces = addBound(spaces, maxSpaces(sub))
		runes = addBound(runes, maxNonDigitRunes(sub))
		if spaces == unbounded && runes == unbounded {
			break
		}
	}
	if len(out) > maxTails {
		out = out[len(out)-maxTails:]
	}
	return out
}

// maxTails bounds the tail checks of a regex, whose offsets search keeps
// in fixed arrays.
const maxTails = 4

// elementStarts returns ASCII literals (lower-case) one of which every
// match of re starts with. An alternation of words gives their own
// starts: the parser factors "uren|uur" into "u(?:ren|ur)", whose "u"
// starts half the words of a text.
func elementStarts(re *syntax.Regexp) ([]string, bool) {
	words, ok := exactSet(re)
	if !ok {
		return startSet(re)
	}
	return asciiStarts(words)
}

// maxSpaces returns the most spaces a match of re can hold, or
// unbounded. No other rune folds to a space.
func maxSpaces(re *syntax.Regexp) int {
	return maxRunesIn(re, func(lo, hi rune) bool { return lo <= ' ' && ' ' <= hi })
}

// maxNonDigitRunes returns the most runes other than ASCII digits a match
// of re can hold, or unbounded. Digits fold to nothing else.
func maxNonDigitRunes(re *syntax.Regexp) int {
	return maxRunesIn(re, func(lo, hi rune) bool { return lo < '0' || hi > '9' })
}

// maxRunesIn returns the most runes a match of re can hold that are in a
// set, or unbounded; in reports whether the range lo to hi has a rune in
// the set.
func maxRunesIn(re *syntax.Regexp, in func(lo, hi rune) bool) int {
	return maxOver(re, func(re *syntax.Regexp) int {
		switch re.Op {
		case syntax.OpLiteral:
			n := 0
			for _, r := range re.Rune {
				if in(r, r) {
					n++
				}
			}
			return n
		case syntax.OpCharClass:
			for i := 0; i+1 < len(re.Rune); i += 2 {
				if in(re.Rune[i], re.Rune[i+1]) {
					return 1
				}
			}
			return 0
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			return 1
		}
		return unbounded
	})
}

// starts appends to qs, in order, the offsets in rt.lower where f's
// element can start: a member occurs and the bytes before fit.
func (f *elementFinder) starts(rt *regexText, qs []int) []int {
	lower := rt.lower
	if f.atWord {
		for _, q := range rt.wordStarts {
			if !f.initial[lower[q]] || !fitsBefore(f.before, lower, q) {
				continue
			}
			for _, w := range f.set {
				if strings.HasPrefix(lower[q:], w) {
					qs = append(qs, q)
					break
				}
			}
		}
		return qs
	}
	for _, w := range f.set {
		if !rt.mayContain(w) {
			continue
		}
		for off := 0; off <= len(lower)-len(w); {
			i := strings.Index(lower[off:], w)
			if i < 0 {
				break
			}
			q := off + i
			off = q + 1
			if fitsBefore(f.before, lower, q) {
				qs = append(qs, q)
			}
		}
	}
	if len(f.set) > 1 {
		sort.Ints(qs)
	}
	return qs
}

// admits reports whether a match starting at pos can reach the element at
// q, the first of its offsets at or after pos: later ones lie further.
// Counting rune starts is exact in valid UTF-8 and counts fewer runes
// than the regex engine decodes in invalid UTF-8, so it never rules out
// a match.
func (tc *tailCheck) admits(lower string, pos, q int) bool {
	spaces, runes := 0, 0
	for i := pos; i < q; i++ {
		c := lower[i]
		if c == ' ' {
			spaces++
		}
		if utf8.RuneStart(c) && (c < '0' || c > '9') {
			runes++
		}
	}
	return (tc.spaces == unbounded || spaces <= tc.spaces) && (tc.runes == unbounded || runes <= tc.runes)
}

func usablePrefixes(pre []string, wordStart bool) bool {
	if len(pre) == 0 {
		return false
	}
	for _, p := range pre {
		for i := 0; i < len(p); i++ {
			// Offsets in the ASCII-folded text equal offsets in the
			// original only for ASCII literals.
			if p[i] >= 0x80 {
				return false
			}
		}
		// Anchored at pos, a leading \b holds when text[pos] is a word
		// character; in the whole text it also needs text[pos-1] not to be
		// one, which findRegex checks. That split is exact only when every
		// prefix starts with a word character.
		if wordStart && p != digitStart && !isASCIIWord(p[0]) {
			return false
		}
	}
	return true
}

// regexText is a unit's text as findRegex reads it, prepared once for all
// the regexes.
type regexText struct {
	text  string
	lower string // asciiLower(text), in buf
	folds bool   // foldsToASCII(text)
	// trigrams is a hashed set of the byte trigrams of lower: the codebook's
	// regexes need about a hundred literals looked up per unit, and most
	// are absent, which a look at the set shows without scanning the text.
	trigrams [trigramBits / 64]uint64
	// wordStarts holds the offsets in lower of the ASCII word characters
	// that follow no ASCII word character: where \b lets a word start.
	wordStarts []int
	starts     []int           // working memory
	tails      [maxTails][]int // working memory of tailCheck.starts
	windowAt   []int           // working memory of window.starts
	// buf holds lower. Allocating a lowered copy of every unit that has
	// a capital (nearly all) cost as much as the rest of reset.
	buf []byte
}

const trigramBits = 4096

// trigramHash maps the trigram packed in the low 24 bits of t (first
// byte highest) to one of trigramBits (2^12) bits: the top 12 bits of a
// multiplicative hash, one multiplication instead of one per byte.
func trigramHash(t uint32) uint32 {
	return (t * 0x9e3779b1) >> (32 - 12)
}

// asciiLowerWord maps a byte to its ASCII lower case, and tells in bit 8
// whether it is an ASCII word character: reset reads both per byte.
var asciiLowerWord = func() (t [256]uint16) {
	for c := 0; c < 256; c++ {
		l := c
		if c >= 'A' && c <= 'Z' {
			l += 'a' - 'A'
		}
		t[c] = uint16(l)
		if isASCIIWord(byte(c)) {
			t[c] |= 1 << 8
		}
	}
	return t
}()

// reset prepares rt for text, in one pass over its bytes.
func (rt *regexText) reset(text string) {
	rt.text, rt.folds = text, foldsToASCII(text)
	clear(rt.trigrams[:])
	if cap(rt.buf) < len(text) {
		rt.buf = make([]byte, len(text), len(text)+len(text)/2)
	}
	buf := rt.buf[:len(text)]
	ws := rt.wordStarts[:0]
	var prev uint16 // 1 after a word character
	var tri uint32
	// The first two bytes end no trigram; the loop after them needs no
	// test for it.
	i := 0
	for ; i < min(2, len(text)); i++ {
		lw := asciiLowerWord[text[i]]
		buf[i] = byte(lw)
		tri = tri<<8 | uint32(byte(lw))
		if w := lw >> 8; w > prev {
			ws = append(ws, i)
		}
		prev = lw >> 8
	}
	for ; i < len(text); i++ {
		lw := asciiLowerWord[text[i]]
		buf[i] = byte(lw)
		tri = tri<<8 | uint32(byte(lw))
		h := trigramHash(tri & 0xffffff)
		rt.trigrams[h/64] |= 1 << (h % 64)
		if w := lw >> 8; w > prev {
			ws = append(ws, i)
		}
		prev = lw >> 8
	}
	rt.wordStarts = ws
	// The string shares buf, which the next reset overwrites: findRegex
	// keeps no part of lower beyond the unit.
	rt.lower = unsafe.String(unsafe.SliceData(buf), len(buf))
}

// mayContain reports whether lower may hold lit: false means it does
// not. A literal of three bytes or more is not looked for once its
// trigrams are all in the set. The literals that got so far were mostly
// there ("nten", "per", "uur"), and finding them cost four per cent of
// coding; an absent one gets through when its trigrams collide with the
// text's, for a three-byte literal about one time in fifteen, and then
// search decides exactly.
func (rt *regexText) mayContain(lit string) bool {
	for i := 0; i+2 < len(lit); i++ {
		if h := trigramHash(uint32(lit[i])<<16 | uint32(lit[i+1])<<8 | uint32(lit[i+2])); rt.trigrams[h/64]&(1<<(h%64)) == 0 {
			return false
		}
	}
	return len(lit) >= 3 || strings.Contains(rt.lower, lit)
}

// trigramHashes returns the trigramHash of each trigram of lit, in order.
func trigramHashes(lit string) []uint16 {
	var hs []uint16
	for i := 0; i+2 < len(lit); i++ {
		hs = append(hs, uint16(trigramHash(uint32(lit[i])<<16|uint32(lit[i+1])<<8|uint32(lit[i+2]))))
	}
	return hs
}

// mayContainAny reports whether mayContain holds for some member of set;
// hashes holds their trigramHashes.
func (rt *regexText) mayContainAny(set []string, hashes [][]uint16) bool {
lits:
	for i, lit := range set {
		for _, h := range hashes[i] {
			if rt.trigrams[h/64]&(1<<(h%64)) == 0 {
				continue lits
			}
		}
		if len(lit) >= 3 || strings.Contains(rt.lower, lit) {
			return true
		}
	}
	return false
}

// findRegex returns the same matches as re.FindAllStringIndex(rt.text,
// -1): leftmost, non-overlapping, non-empty.
func findRegex(re *regexp.Regexp, rs *regexStarts, rt *regexText) [][]int {
	if rs == nil || rt.folds {
		return re.FindAllStringIndex(rt.text, -1)
	}
	for i, set := range rs.required {
		if !rt.mayContainAny(set, rs.requiredHashes[i]) {
			return nil
		}
	}
	return rs.search(re, rt)
}

// search is findRegex once the required sets are known to be in rt.lower.
func (rs *regexStarts) search(re *regexp.Regexp, rt *regexText) [][]int {
	text, lower := rt.text, rt.lower
	if rs.anchored == nil || rs.window.set != nil && !utf8.ValidString(text) {
		// Windows need rune starts to agree with the regex engine's, which
		// they do only in valid UTF-8.
		return re.FindAllStringIndex(text, -1)
	}
	// tails holds the offsets of each tail check's element; next indexes
	// the first not before pos. A unit without them has no match.
	var (
		tails [maxTails][]int
		next  [maxTails]int
	)
	for k, tc := range rs.tails {
		tails[k] = tc.starts(rt, rt.tails[k][:0])
		rt.tails[k] = tails[k]
		if len(tails[k]) == 0 {
			return nil
		}
	}
	starts := rt.starts[:0]
	defer func() { rt.starts = starts }()
	if rs.window.set != nil {
		rt.windowAt = rs.window.starts(rt, rt.windowAt[:0])
		starts = rs.windowStarts(lower, rt.windowAt, starts)
	}
	if rs.atWord {
		starts = rs.wordPrefixStarts(rt, starts)
	} else {
		starts = rs.prefixStarts(lower, starts)
	}
	if len(starts) == 0 {
		return nil
	}
	sort.Ints(starts)
	var out [][]int
	end := 0
starts:
	for i, pos := range starts {
		if pos < end || (i > 0 && pos == starts[i-1]) {
			continue
		}
		if !rs.nearOK(lower, pos) {
			continue
		}
		for k, tc := range rs.tails {
			qs := tails[k]
			for next[k] < len(qs) && qs[next[k]] < pos {
				next[k]++
			}
			if next[k] == len(qs) {
				break starts // no match starts after the last occurrence
			}
			if !tc.admits(lower, pos, qs[next[k]]) {
				continue starts
			}
		}
		if e := rs.matchAt(text, pos); e > pos {
			out = append(out, []int{pos, e})
			end = e
		}
	}
	return out
}

// wordPrefixStarts appends the word starts that carry a prefix, in order.
func (rs *regexStarts) wordPrefixStarts(rt *regexText, starts []int) []int {
	lower := rt.lower
	for _, pos := range rt.wordStarts {
		if gi := rs.groupOf[lower[pos]]; gi > 0 {
			for _, p := range rs.byInitial[gi-1] {
				if p == digitStart || strings.HasPrefix(lower[pos:], p) {
					starts = append(starts, pos)
					break
				}
			}
		}
	}
	return starts
}

// prefixStarts appends the offsets where a prefix occurs, and under a
// leading \b starts a word.
func (rs *regexStarts) prefixStarts(lower string, starts []int) []int {
	for _, p := range rs.prefixes {
		if p == digitStart {
			for pos := 0; pos < len(lower); pos++ {
				if c := lower[pos]; c >= '0' && c <= '9' && (!rs.wordStart || pos == 0 || !isASCIIWord(lower[pos-1])) {
					starts = append(starts, pos)
				}
			}
			continue
		}
		for off := 0; off <= len(lower)-len(p); {
			i := strings.Index(lower[off:], p)
			if i < 0 {
				break
			}
			pos := off + i
			if !rs.wordStart || pos == 0 || !isASCIIWord(lower[pos-1]) {
				starts = append(starts, pos)
			}
			off = pos + 1
		}
	}
	return starts
}

// nearOK reports whether lower, from pos, holds a member of each near set
// within its bound.
func (rs *regexStarts) nearOK(lower string, pos int) bool {
	for i, set := range rs.near {
		if !containsAny(lower[pos:min(len(lower), pos+rs.nearLen[i])], set) {
			return false
		}
	}
	return true
}

// matchAt returns the end of the match starting at pos, or -1.
func (rs *regexStarts) matchAt(text string, pos int) int {
	if rs.inContext == nil || pos == 0 {
		if loc := rs.anchored.FindStringIndex(text[pos:]); loc != nil {
			return pos + loc[1]
		}
		return -1
	}
	_, size := utf8.DecodeLastRuneInString(text[:pos])
	if loc := rs.inContext.FindStringIndex(text[pos-size:]); loc != nil {
		return pos - size + loc[1]
	}
	return -1
}

// windowStarts appends the positions in the windows before each
// offset in at (where the window element can start) where a match may
// start.
func (rs *regexStarts) windowStarts(lower string, at, starts []int) []int {
	for _, q := range at {
		p, nonWord, spaces, runes := q, 0, 0, 0
		for p > 0 {
			c := lower[p-1]
			if !isASCIIWord(c) {
				if nonWord == rs.reach {
					break
				}
				nonWord++
			}
			// Search sees valid UTF-8 only, whose rune starts are the
			// regex engine's.
			if c == ' ' {
				if spaces == rs.windowSpaces {
					break
				}
				spaces++
			}
			if utf8.RuneStart(c) && (c < '0' || c > '9') {
				if runes == rs.windowRunes {
					break
				}
				runes++
			}
			p--
		}
		for pos := p; pos <= q; pos++ {
			c := lower[pos]
			if !utf8.RuneStart(c) || rs.first != nil && !rs.first[c] || rs.wordFirst && pos > 0 && isASCIIWord(lower[pos-1]) {
				continue
			}
			starts = append(starts, pos)
		}
	}
	return starts
}

// fitsBefore reports whether the bytes before q are in before, nearest
// first.
func fitsBefore(before [][256]bool, lower string, q int) bool {
	if q < len(before) {
		return false
	}
	for i := range before {
		if !before[i][lower[q-1-i]] {
			return false
		}
	}
	return true
}

// windowSet picks, among the elements of expr's top-level sequence that
// every match starts with a literal of, the one reached over the fewest
// non-word bytes from the start of the match; ok is false when none is
// reached over a bounded number. before holds, nearest first, sets of the
// bytes (of the lowered text) that must stand just before an occurrence
// of a member for a match to start the element there.
//
// The element's start, not any literal inside it, is what the window
// ends at: then the bytes before it are those of the elements before,
// which rule out most occurrences. In "\b(\d{2,3}|\w*tig|honderd)
// (dossiers|cliënten)" a "cli" needs a space and a digit, g or d before
// it, which "de cliënten" lacks; the old windows ended at "nten" and
// tried every word start of the three words before each one.
func windowSet(expr string) (set []string, reach int, before [][256]bool, ok bool) {
	w, ok := windowOf(expr)
	return w.set, w.reach, w.before, ok
}

// window is what windowSet picks, and the most spaces and runes other
// than digits (or unbounded) a match holds before the element: windows
// reach back no further than those allow either. Five non-word bytes
// before "uur per" went back over five words; "\b(\d([,.]\d+)?|twee)
// (uur|uren) per" allows one space.
type window struct {
	set           []string
	reach         int
	before        [][256]bool
	spaces, runes int
}

func windowOf(expr string) (w window, ok bool) {
	subs, parsed := topSequence(expr)
	if !parsed {
		return w, false
	}
	sum, at := 0, -1
	for j, sub := range subs {
		if s, found := startSet(sub); found && shortest(s) >= minRequired && (!ok || sum < w.reach || sum == w.reach && moreSelective(s, w.set)) {
			w.set, w.reach, at, ok = s, sum, j, true
		}
		n := maxNonWord(sub)
		if n < 0 {
			break
		}
		sum += n
	}
	if !ok {
		return window{}, false
	}
	w.before, _ = suffixSets(subs[:at])
	for _, sub := range subs[:at] {
		w.spaces = addBound(w.spaces, maxSpaces(sub))
		w.runes = addBound(w.runes, maxNonDigitRunes(sub))
	}
	return w, true
}

// addBound adds two bounds, either of which may be unbounded.
func addBound(a, b int) int {
	if a == unbounded || b == unbounded {
		return unbounded
	}
	return a + b
}

// startSet returns ASCII literals (lower-case) one of which every match
// of re starts with; ok is false when re gives none.
func startSet(re *syntax.Regexp) ([]string, bool) {
	pre, wb, ok := leading(re)
	if !ok || wb || len(pre) == 0 {
		// A leading \b inside the element would need the byte before
		// the element, which the window does not ask about: harmless,
		// but the case does not occur and is left out.
		return nil, false
	}
	if slices.Contains(pre, digitStart) {
		return nil, false
	}
	return asciiStarts(pre)
}

// asciiStarts returns the ASCII beginnings of words, lower-cased, as a set
// one of which every word starts with; ok is false when a word begins
// with a byte from 0x80 up. Offsets in the lowered text match the
// original only over ASCII: "cliënten" is looked for as "cli".
func asciiStarts(words []string) (set []string, ok bool) {
	for _, w := range words {
		n := 0
		for n < len(w) && w[n] < 0x80 {
			n++
		}
		if n == 0 {
			return nil, false
		}
		set = append(set, asciiLower(w[:n]))
	}
	// A member another member starts with adds nothing: its occurrences
	// are the other's.
	sort.Strings(set)
	var out []string
	for _, p := range set {
		if len(out) == 0 || !strings.HasPrefix(p, out[len(out)-1]) {
			out = append(out, p)
		}
	}
	return out, true
}

// maxSuffixSets bounds the bytes suffixSets reports.
const maxSuffixSets = 8

// suffixSets returns, last byte first, sets of the bytes of the lowered
// text that every non-empty match of the sequence subs ends with; exact
// reports that the sets cover the whole of every such match (fixed
// length). It holds for texts without the Kelvin sign and the long s (see
// foldsToASCII), the only texts search sees.
func suffixSets(subs []*syntax.Regexp) (sets [][256]bool, exact bool) {
	exact = true
	for i := len(subs) - 1; i >= 0 && exact && len(sets) < maxSuffixSets; i-- {
		sub := subs[i]
		if zeroWidth(sub) {
			continue
		}
		s, e := suffixSetsOf(sub)
		if canBeEmpty(sub) {
			// The match may end with what comes before sub instead.
			rest, _ := suffixSets(subs[:i])
			sets = append(sets, unionSets(s, rest)...)
			exact = false
			break
		}
		sets = append(sets, s...)
		exact = e
	}
	if len(sets) > maxSuffixSets {
		sets = sets[:maxSuffixSets]
	}
	return sets, exact && len(sets) < maxSuffixSets
}

// suffixSetsOf is suffixSets for the non-empty matches of one expression.
func suffixSetsOf(re *syntax.Regexp) (sets [][256]bool, exact bool) {
	switch re.Op {
	case syntax.OpLiteral:
		for i := len(re.Rune) - 1; i >= 0; i-- {
			r := re.Rune[i]
			if r >= 0x80 {
				// Its case variants may differ in length.
				return sets, false
			}
			var set [256]bool
			addLastRune(&set, r)
			sets = append(sets, set)
		}
		return sets, true
	case syntax.OpCharClass:
		var set [256]bool
		ascii := true
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= min(re.Rune[i+1], 0x7f); r++ {
				addLastRune(&set, r)
			}
			if re.Rune[i+1] >= 0x80 {
				ascii = false
				for c := 0x80; c < 256; c++ {
					set[c] = true
				}
			}
		}
		return [][256]bool{set}, ascii
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		var set [256]bool
		for c := range set {
			set[c] = re.Op == syntax.OpAnyChar || c != '\n'
		}
		return [][256]bool{set}, false
	case syntax.OpCapture:
		return suffixSetsOf(re.Sub[0])
	case syntax.OpConcat:
		return suffixSets(re.Sub)
	case syntax.OpPlus, syntax.OpStar, syntax.OpQuest, syntax.OpRepeat:
		// A non-empty match ends with a non-empty match of the operand.
		s, _ := suffixSetsOf(re.Sub[0])
		return s, false
	case syntax.OpAlternate:
		if words, ok := exactSet(re); ok {
			return suffixSetsOfWords(words)
		}
		exact = true
		for i, sub := range re.Sub {
			if zeroWidth(sub) {
				return nil, false
			}
			s, e := suffixSetsOf(sub)
			if i == 0 {
				sets = s
			} else {
				exact = exact && len(s) == len(sets)
				sets = unionSets(sets, s)
			}
			exact = exact && e
		}
		return sets, exact
	}
	return nil, false
}

// suffixSetsOfWords is suffixSetsOf for an expression matching exactly
// words (see exactSet): their last bytes, as far as all of them have
// ASCII ones.
func suffixSetsOfWords(words []string) (sets [][256]bool, exact bool) {
	n := -1
	exact = true
	for _, w := range words {
		k := 0
		for k < len(w) && w[len(w)-1-k] < 0x80 {
			k++
		}
		if n < 0 || k < n {
			n = k
		}
		exact = exact && k == len(w) && len(w) == len(words[0])
	}
	for i := 0; i < n; i++ {
		var set [256]bool
		for _, w := range words {
			addLastRune(&set, rune(w[len(w)-1-i]))
		}
		sets = append(sets, set)
	}
	return sets, exact
}

// maxExact bounds the strings exactSet spells out.
const maxExact = 64

// exactSet returns the strings re matches (in the case they are written,
// to be compared under (?i)) when they are few: literals and alternations,
// sequences and optional parts of them; ok is false otherwise.
func exactSet(re *syntax.Regexp) (words []string, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return exactSet(re.Sub[0])
	case syntax.OpQuest:
		w, ok := exactSet(re.Sub[0])
		return append(w, ""), ok && len(w) < maxExact
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			w, ok := exactSet(sub)
			if !ok || len(words)+len(w) > maxExact {
				return nil, false
			}
			words = append(words, w...)
		}
		return words, true
	case syntax.OpConcat:
		words = []string{""}
		for _, sub := range re.Sub {
			w, ok := exactSet(sub)
			if !ok || len(words)*len(w) > maxExact {
				return nil, false
			}
			var next []string
			for _, a := range words {
				for _, b := range w {
					next = append(next, a+b)
				}
			}
			words = next
		}
		return words, true
	}
	return nil, false
}

// zeroWidth reports whether re never consumes a byte.
func zeroWidth(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText:
		return true
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	}
	return false
}

// unionSets returns the position-wise unions of a and b, as long as the
// shorter.
func unionSets(a, b [][256]bool) [][256]bool {
	out := make([][256]bool, min(len(a), len(b)))
	for i := range out {
		for c := range out[i] {
			out[i][c] = a[i][c] || b[i][c]
		}
	}
	return out
}

// canBeEmpty reports whether re can match without consuming a byte.
func canBeEmpty(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	case syntax.OpCapture, syntax.OpPlus:
		return canBeEmpty(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min == 0 || canBeEmpty(re.Sub[0])
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if canBeEmpty(sub) {
				return true
			}
		}
		return false
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !canBeEmpty(sub) {
				return false
			}
		}
		return true
	}
	return false
}

// addLastRune adds the last byte of the ASCII rune r and of its case
// variants, lowered; a non-ASCII variant ends in a continuation byte, and
// search never sees the Kelvin sign or the long s anyway.
func addLastRune(set *[256]bool, r rune) {
	f := r
	for {
		if f < 0x80 {
			c := byte(f)
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			set[c] = true
		} else {
			for c := 0x80; c < 0xc0; c++ {
				set[c] = true
			}
		}
		if f = unicode.SimpleFold(f); f == r {
			return
		}
	}
}

// maxBytes returns the most bytes a match of re can span under (?i), or
// unbounded: a rune takes the longest encoding among its case variants
// (k may be the three-byte Kelvin sign), a class or any character four
// bytes (an invalid byte matches as one).
func maxBytes(re *syntax.Regexp) int {
	return maxOver(re, func(re *syntax.Regexp) int {
		switch re.Op {
		case syntax.OpLiteral:
			n := 0
			for _, r := range re.Rune {
				m := utf8.RuneLen(r)
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					m = max(m, utf8.RuneLen(f))
				}
				n += max(m, 1)
			}
			return n
		case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			return utf8.UTFMax
		}
		return unbounded
	})
}

// unbounded stands for no limit in what maxOver counts (maxNonWord,
// maxBytes, maxSpaces, maxNonDigitRunes) and in the bounds added from it.
const unbounded = -1

// maxNonWord returns the most bytes that are not ASCII word characters a
// match of re can hold, or unbounded.
func maxNonWord(re *syntax.Regexp) int {
	return maxOver(re, func(re *syntax.Regexp) int {
		switch re.Op {
		case syntax.OpLiteral:
			n := 0
			for _, r := range re.Rune {
				n += nonWordBytes(r)
			}
			return n
		case syntax.OpCharClass:
			n := 0
			for i := 0; i+1 < len(re.Rune); i += 2 {
				lo, hi := re.Rune[i], re.Rune[i+1]
				if hi >= 0x80 {
					return utf8.UTFMax
				}
				for r := lo; r <= hi; r++ {
					n = max(n, nonWordBytes(r))
				}
			}
			return n
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			return utf8.UTFMax
		}
		return unbounded
	})
}

// maxOver is the most a match of re can hold of something, or unbounded,
// given leaf's count for a literal, class or any character (unbounded for
// what it does not know): zero-width assertions hold nothing, a
// concatenation the sum, an alternation the most of its branches, and a
// repetition its count times its operand's.
func maxOver(re *syntax.Regexp, leaf func(*syntax.Regexp) int) int {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpCapture, syntax.OpQuest:
		return maxOver(re.Sub[0], leaf)
	case syntax.OpStar, syntax.OpPlus:
		if maxOver(re.Sub[0], leaf) == 0 {
			return 0
		}
		return unbounded
	case syntax.OpRepeat:
		n := maxOver(re.Sub[0], leaf)
		if n == 0 {
			return 0
		}
		if n < 0 || re.Max < 0 {
			return unbounded
		}
		return n * re.Max
	case syntax.OpAlternate, syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			m := maxOver(sub, leaf)
			if m < 0 {
				return unbounded
			}
			if re.Op == syntax.OpAlternate {
				n = max(n, m)
			} else {
				n += m
			}
		}
		return n
	}
	return leaf(re)
}

// nonWordBytes is how many non-word bytes r can match under (?i): none for
// an ASCII word character, else the longest encoding among its case
// variants (the Kelvin sign K is three bytes, k one).
func nonWordBytes(r rune) int {
	if r < 0x80 && isASCIIWord(byte(r)) {
		return 0
	}
	n := utf8.RuneLen(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		n = max(n, utf8.RuneLen(f))
	}
	return max(n, 1)
}

// firstBytes returns the bytes of the ASCII-lowered text a match of expr
// can start with; ok is false when it cannot tell.
func firstBytes(expr string) (set [256]bool, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return set, false
	}
	ok, empty := addFirst(&set, re)
	return set, ok && !empty
}

// addFirst adds to set the first bytes of re's matches; empty reports that
// re can match without consuming anything, when the bytes after it count
// too.
func addFirst(set *[256]bool, re *syntax.Regexp) (ok, empty bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText:
		return true, true
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return true, true
		}
		addRune(set, re.Rune[0])
		return true, false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], min(re.Rune[i+1], 0x7f)
			for r := lo; r <= hi; r++ {
				addRune(set, r)
			}
			if re.Rune[i+1] >= 0x80 {
				// Some non-ASCII rune: any lead byte, and k and s, which
				// the Kelvin sign and the long s match.
				for c := 0xc0; c < 256; c++ {
					set[c] = true
				}
				set['k'], set['s'] = true, true
			}
		}
		return len(re.Rune) > 0, false
	case syntax.OpCapture, syntax.OpPlus:
		return addFirst(set, re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		ok, _ := addFirst(set, re.Sub[0])
		return ok, true
	case syntax.OpRepeat:
		ok, empty := addFirst(set, re.Sub[0])
		return ok, empty || re.Min == 0
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			ok, e := addFirst(set, sub)
			if !ok {
				return false, false
			}
			empty = empty || e
		}
		return true, empty
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			ok, e := addFirst(set, sub)
			if !ok || !e {
				return ok, false
			}
		}
		return true, true
	}
	return false, false
}

// addRune adds the first byte of r and of its case variants, lowered.
// The Kelvin sign and the long s, variants of k and s, are left out:
// search never sees a text holding them (foldsToASCII), and their lead
// bytes, which are not word characters, kept a leading \b from ruling
// out starts inside words for every expression with a k or s in \w.
func addRune(set *[256]bool, r rune) {
	f := r
	for {
		var b [utf8.UTFMax]byte
		utf8.EncodeRune(b[:], f)
		c := b[0]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if f == r || f != '\u212a' && f != '\u017f' {
			set[c] = true
		}
		if f = unicode.SimpleFold(f); f == r {
			return
		}
	}
}

func startsWithWordBoundary(expr string) bool {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return false
	}
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re.Op == syntax.OpConcat && len(re.Sub) > 0 && re.Sub[0].Op == syntax.OpWordBoundary
}

// foldsToASCII reports whether text holds the Kelvin sign or the long s:
// under (?i) they match k and s, the only non-ASCII letters that fold to
// ASCII ones, so findRegex then searches the whole text.
func foldsToASCII(text string) bool {
	return strings.Contains(text, "\u212a") || strings.Contains(text, "\u017f")
}

// asciiLower folds ASCII letters only, so byte offsets stay those of s.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isASCIIWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
