package coding

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// foldTable maps runes below foldLimit to their lower-case, diacritic-free
// form ("É" → "e", "ï" → "i"). It is built once so the hot path never calls
// the Unicode normaliser.
var foldTable [foldLimit]rune

const foldLimit = 0x250 // through Latin Extended-B: every letter Dutch and English use

func init() {
	for r := rune(0); r < foldLimit; r++ {
		l := unicode.ToLower(r)
		d := []rune(norm.NFD.String(string(l)))
		if len(d) > 0 && d[0] < 0x80 && unicode.IsLetter(d[0]) {
			l = d[0]
		}
		foldTable[r] = l
	}
}

// foldRune lower-cases r and strips its diacritics, so that "cliënt" and
// "client" are one word to the matcher.
func foldRune(r rune) rune {
	if r < foldLimit {
		return foldTable[r]
	}
	return unicode.ToLower(r)
}

// fold returns s lower-cased and without diacritics. Typographic
// apostrophes and hyphens become ASCII so "don’t" and "don't" agree.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	if lowered, ok := foldASCII(s); ok {
		return lowered
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case isApostrophe(r):
			b.WriteByte('\'')
		case isHyphen(r):
			b.WriteByte('-')
		case r == 'ĳ' || r == 'Ĳ':
			b.WriteString("ij")
		default:
			b.WriteRune(foldRune(r))
		}
	}
	return b.String()
}

// appendFold appends fold(s) to dst, rune by rune as fold's last resort
// does, which gives fold's bytes for every s.
func appendFold(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case isApostrophe(r):
			dst = append(dst, '\'')
		case isHyphen(r):
			dst = append(dst, '-')
		case r == 'ĳ' || r == 'Ĳ':
			dst = append(dst, "ij"...)
		default:
			dst = utf8.AppendRune(dst, foldRune(r))
		}
	}
	return dst
}

// foldASCII is fold for a word of ASCII bytes (a capitalised word, the
// commonest that needs folding), without a rune at a time through a
// strings.Builder; ok is false when s has a byte from 0x80 up.
func foldASCII(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", false
		}
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	// b is never written again.
	return unsafe.String(unsafe.SliceData(b), len(b)), true
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '‘' }
func isHyphen(r rune) bool     { return r == '-' || r == '‐' || r == '‑' }

func isWordRune(r rune) bool {
	if r < 0x80 {
		return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// token is one word of a unit. Start and End are byte offsets into the
// original text; Norm is the folded word. A hyphenated word
// ("productie-eisen") is one token whose Parts are its pieces, so a term can
// match the whole word or any part.
type token struct {
	Start, End int
	Norm       string
	Parts      []part
	// Sentence and Clause number the sentence and clause the token is in;
	// clause numbers never repeat across sentences.
	Sentence, Clause int
}

type part struct {
	Start, End int
	Norm       string
}

// doc is a tokenised unit.
type doc struct {
	Text   string
	Tokens []token
	// sentenceStarts holds the byte offset where each sentence begins, so a
	// regex match can be placed in its sentence.
	sentenceStarts []int
	// norms holds the folded ASCII words among the tokens' Norms: a coder
	// reuses it for the next unit, so no Norm may outlive the unit.
	norms []byte
}

// asciiWordClass tells, per byte, whether it is an ASCII letter or digit
// (wordByte) and whether fold changes it (upperByte): the tokenizer reads
// both for every byte of a word.
var asciiWordClass = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		if isWordRune(rune(c)) {
			t[c] |= wordByte
		}
		if 'A' <= c && c <= 'Z' {
			t[c] |= upperByte
		}
	}
	return t
}()

const (
	wordByte = 1 << iota
	upperByte
)

// clauseWords end a negation's scope: the clause after them is about
// something else ("geen werkdruk, maar wel regels").
var clauseWords = map[string]bool{
	"maar": true, "omdat": true, "want": true, "terwijl": true, "doordat": true,
	"hoewel": true, "echter": true, "behalve": true, "dus": true,
	"but": true, "because": true, "although": true, "though": true,
	"while": true, "whereas": true, "however": true, "except": true,
}

// clauseKeys holds the clause words by length, packed by packWord: every
// token was looked up in clauseWords, a tenth of tokenising.
var clauseKeys = func() (keys [maxPacked + 1][]uint64) {
	for w := range clauseWords {
		if len(w) > maxPacked {
			panic("coding: clause word " + w + " is too long to pack")
		}
		keys[len(w)] = append(keys[len(w)], packWord(w))
	}
	return keys
}()

const maxPacked = 8

// packWord packs a word of at most maxPacked bytes into a number, one
// to one among words of the same length.
func packWord(w string) uint64 {
	var k uint64
	for i := 0; i < len(w); i++ {
		k = k<<8 | uint64(w[i])
	}
	return k
}

// clauseFirst holds the first bytes of the clause words: most tokens
// start with another, and need not be packed.
var clauseFirst = func() (t [256]bool) {
	for w := range clauseWords {
		t[w[0]] = true
	}
	return t
}()

// clauseLens has bit n set for byte c when a clause word of n bytes
// starts with c: the tokenizer asks isClauseWord only about those
// tokens, which the call cost more than for every token.
var clauseLens = func() (t [256]uint16) {
	for w := range clauseWords {
		t[w[0]] |= 1 << len(w)
	}
	return t
}()

// isClauseWord reports whether clauseWords holds w.
func isClauseWord(w string) bool {
	return len(w) <= maxPacked && len(w) > 0 && clauseFirst[w[0]] && slices.Contains(clauseKeys[len(w)], packWord(w))
}

// abbreviations end in a full stop that does not end a sentence. Dotted
// ones like "o.a." and "d.w.z." are recognised by their inner stops, and
// single letters (initials) by their length, so only word-like ones are
// listed here.
var abbreviations = map[string]bool{
	"bijv": true, "mw": true, "mevr": true, "dhr": true, "enz": true, "etc": true,
	"ca": true, "nr": true, "zgn": true, "resp": true, "incl": true, "excl": true,
	"evt": true, "vgl": true, "jl": true, "prof": true, "dr": true, "drs": true,
	"ir": true, "mr": true, "ing": true, "st": true, "tel": true,
	"mln": true, "mld": true, "vs": true, "mrs": true, "ms": true,
	"jr": true, "sr": true, "fig": true, "blz": true, "pag": true, "art": true,
}

// maxAbbreviation is the longest abbreviation's length: a sentence's last
// word is mostly longer, and needs no look-up.
var maxAbbreviation = func() int {
	n := 0
	for w := range abbreviations {
		n = max(n, len(w))
	}
	return n
}()

// tokenize splits text into word tokens with byte offsets, numbering
// sentences and clauses as it goes. It is the hot path: one pass over the
// bytes, no regular expressions.
func tokenize(text string) doc {
	return tokenizeInto(text, nil, nil, nil)
}

// tokenizeInto is tokenize writing into toks, starts and norms, so that a
// coder reuses one unit's memory for the next.
func tokenizeInto(text string, toks []token, starts []int, norms []byte) doc {
	d := doc{Text: text, Tokens: toks[:0], sentenceStarts: append(starts[:0], 0), norms: norms[:0]}
	sentence, clause := 0, 0
	pendingBreak, pendingClause := false, false
	i := 0
	for i < len(text) {
		if text[i] == ' ' {
			i++ // the commonest byte, and no word, break or clause
			continue
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if r < utf8.RuneSelf && asciiWordClass[r]&wordByte == 0 || r >= utf8.RuneSelf && !isWordRune(r) {
			switch {
			case r == ',' || r == ';' || r == ':' || r == '(' || r == ')' || r == '–' || r == '—' || r == '/':
				pendingClause = true
			case r == '\n':
				// Practitioners answer in lists, one point a line.
				pendingBreak = true
			case r == '.' || r == '!' || r == '?' || r == '…':
				if endsSentence(text, i, r, size, d.Tokens) {
					pendingBreak = true
				} else if r != '.' {
					pendingClause = true
				}
			}
			i += size
			continue
		}
		// A word: letters and digits, joined across inner hyphens and
		// apostrophes (productie-eisen, auto's, don't).
		start := i
		end := i + size
		hyphenated := false
		// lower is set while the word is lower-case ASCII letters and
		// digits, which fold leaves as they are; ascii while its bytes are
		// ASCII, which fold only lowers.
		lower := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		ascii := r < utf8.RuneSelf
		for {
			// The ASCII letters and digits, most of a word, in a loop of
			// their own: the classes of its bytes are or-ed, and tested
			// for upper case once.
			var class uint8
			for end < len(text) {
				k := asciiWordClass[text[end]]
				if k&wordByte == 0 {
					break
				}
				class |= k
				end++
			}
			if class&upperByte != 0 {
				lower = false
			}
			if end >= len(text) {
				break
			}
			c := text[end]
			r2, s2 := rune(c), 1
			if c >= utf8.RuneSelf {
				r2, s2 = utf8.DecodeRuneInString(text[end:])
				if isWordRune(r2) {
					lower, ascii = false, false
					end += s2
					continue
				}
			}
			if isHyphen(r2) || isApostrophe(r2) {
				if end+s2 < len(text) {
					r3, _ := utf8.DecodeRuneInString(text[end+s2:])
					if isWordRune(r3) {
						if isHyphen(r2) {
							hyphenated = true
						}
						lower = false
						ascii = ascii && s2 == 1
						end += s2
						continue
					}
				}
			}
			break
		}
		if pendingBreak && len(d.Tokens) > 0 {
			sentence++
			clause++
			d.sentenceStarts = append(d.sentenceStarts, start)
		} else if pendingClause && len(d.Tokens) > 0 {
			clause++
		}
		pendingBreak, pendingClause = false, false
		// The token is filled in place: building it aside and copying it
		// in cost a tenth of tokenising.
		d.Tokens = append(d.Tokens, token{Start: start, End: end, Norm: text[start:end], Sentence: sentence})
		t := &d.Tokens[len(d.Tokens)-1]
		switch {
		case lower:
		case ascii:
			// A capitalised word, the commonest that needs folding:
			// lowered into norms rather than a string of its own.
			at := len(d.norms)
			for j := start; j < end; j++ {
				c := text[j]
				if asciiWordClass[c]&upperByte != 0 {
					c += 'a' - 'A'
				}
				d.norms = append(d.norms, c)
			}
			t.Norm = unsafe.String(&d.norms[at], end-start)
		default:
			// Folded into norms as well, rather than through a
			// strings.Builder of its own.
			at := len(d.norms)
			d.norms = appendFold(d.norms, t.Norm)
			t.Norm = unsafe.String(&d.norms[at], len(d.norms)-at)
		}
		if len(d.Tokens) > 1 && len(t.Norm) <= maxPacked && clauseLens[t.Norm[0]]&(1<<len(t.Norm)) != 0 && isClauseWord(t.Norm) {
			clause++
		}
		t.Clause = clause
		if hyphenated {
			t.Parts = splitParts(text, start, end)
		}
		i = end
	}
	return d
}

func splitParts(text string, start, end int) []part {
	var parts []part
	ps := start
	for j := start; j < end; {
		r, s := utf8.DecodeRuneInString(text[j:])
		if isHyphen(r) {
			parts = append(parts, part{ps, j, fold(text[ps:j])})
			ps = j + s
		}
		j += s
	}
	return append(parts, part{ps, end, fold(text[ps:end])})
}

// endsSentence decides whether the stop at text[i] ends a sentence. A full
// stop after an abbreviation (bijv., o.a., J.) or inside a number or word
// (3.5, www.x.nl) does not; nor does one followed by a lower-case word.
func endsSentence(text string, i int, r rune, size int, toks []token) bool {
	next := i + size
	// Skip closing quotes and brackets, then require space or the end.
	// One byte at a time: the typographic quotes are never skipped.
	for next < len(text) && closing[text[next]] {
		next++
	}
	if next < len(text) {
		if c := text[next]; c < utf8.RuneSelf {
			if c != ' ' && !asciiSpaceOrStop[c] {
				return false
			}
		} else if r2, _ := utf8.DecodeRuneInString(text[next:]); !unicode.IsSpace(r2) {
			return false
		}
	}
	if r != '.' {
		return true
	}
	if len(toks) > 0 {
		last := toks[len(toks)-1]
		if last.End == i {
			w := last.Norm
			if len(w) <= maxAbbreviation && abbreviations[w] || (utf8.RuneCountInString(w) == 1 && unicode.IsLetter(rune(w[0]))) {
				return false
			}
			if last.Start > 0 && text[last.Start-1] == '.' {
				return false // the last piece of o.a. or d.w.z.
			}
		}
	}
	// A lower-case word after the stop continues the sentence ("enz. en").
	j := next
	for j < len(text) {
		if c := text[j]; c < utf8.RuneSelf {
			if c == ' ' || c != '\n' && asciiSpaceOrStop[c] && c != '.' && c != '!' && c != '?' {
				j++
				continue
			}
			return !('a' <= c && c <= 'z')
		}
		r2, s2 := utf8.DecodeRuneInString(text[j:])
		if unicode.IsSpace(r2) && r2 != '\n' {
			j += s2
			continue
		}
		if unicode.IsLower(r2) {
			return false
		}
		break
	}
	return true
}

// closing holds the bytes endsSentence skips after a stop: closing
// quotes and brackets.
var closing = [256]bool{'"': true, '\'': true, ')': true, ']': true}

// asciiSpaceOrStop holds the ASCII bytes unicode.IsSpace accepts, and
// . ! ?: what may follow a stop that ends a sentence.
var asciiSpaceOrStop = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = unicode.IsSpace(rune(c)) || c == '.' || c == '!' || c == '?'
	}
	return t
}()

// sentenceOf returns the number of the sentence holding byte offset off.
func (d *doc) sentenceOf(off int) int {
	lo, hi := 0, len(d.sentenceStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if d.sentenceStarts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
