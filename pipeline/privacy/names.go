package privacy

import (
	"bytes"
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameSource says which of the four name detectors found a name; tests
// switch them on one at a time to measure what each adds.
type nameSource uint8

const (
	fromKnown     nameSource = 1 << iota // names passed with the call
	fromConfig                           // Options.Names, Options.NamesFile
	fromTitle                            // "mevrouw De Vries", "collega Sanne"
	fromFirstName                        // the built-in first-name list
	allSources    = fromKnown | fromConfig | fromTitle | fromFirstName
)

var (
	//go:embed lists/firstnames.txt
	firstNamesText string
	//go:embed lists/ambiguous.txt
	ambiguousText string
	//go:embed lists/places.txt
	placesText string
	//go:embed lists/stopwords.txt
	stopwordsText string

	firstNames = wordSet(firstNamesText)
	ambiguous  = wordSet(ambiguousText)
	places     = wordSet(placesText)
	stopwords  = wordSet(stopwordsText)
)

// titles precede a name; stored in lower case. Abbreviations may carry a
// dot ("mevr.", "dhr.").
var titles = lowerSet(`meneer mevrouw mevr dhr mw mr dr heer collega cliënt
client cliënte cliente buurvrouw buurman teamleider manager wethouder juf
mrs ms miss prof zus broer oom tante`)

// titleShapes holds, by first byte, a bit for the byte length of every
// lowered word isTitle accepts: most words have no title's shape, and
// testing the shape is much cheaper than hashing the word.
var titleShapes = func() (m [256]uint32) {
	for _, w := range titleWords {
		m[w[0]] |= shapeBit32(len(w))
	}
	return m
}()

// titleWords are the lowered words isTitle may accept.
var titleWords = append([]string{"v", "van", "tnv"}, keys(titles)...)

// titlePairs holds, by the first two bytes of every ASCII word in
// titleWords (pairIndex), a bit for its length, and titleLists those
// words. An ASCII word lowers to one of the same length, so maybeTitle
// rules out most words before lowering or hashing them; titleShapes, by
// first byte and length alone, passed a quarter of all words ("de" for
// "dr", "mijn" for "miss").
var titlePairs, titleLists = func() (m [32 * 32]uint32, l [32 * 32][]string) {
	for _, w := range titleWords {
		if !isASCII(w) {
			continue // no ASCII word lowers to it
		}
		i := pairIndex(w)
		m[i] |= shapeBit32(len(w))
		l[i] = append(l[i], w)
	}
	return m, l
}()

// pairIndex folds the first two bytes of a word, so that an ASCII word
// and its lowered form have one index; other bytes may share it.
func pairIndex(w string) int {
	b := byte(0)
	if len(w) > 1 {
		b = w[1]
	}
	return int(w[0]|0x20)&31<<5 | int(b|0x20)&31
}

// maybeTitle is false for a word isTitle rejects by its first two bytes
// and length, tested without lowering it or hashing it; ascii says whether
// every byte of w is ASCII. It is small enough to be inlined.
func maybeTitle(w string, ascii bool) bool {
	return !ascii || titlePairs[pairIndex(w)]&shapeBit32(len(w)) != 0
}

// titleListed reports whether the ASCII word w lowered is one of the
// lower-case words of its length in l ("meer" and "mensen" pass
// titlePairs for "mevr" and "meneer").
func titleListed(w string, l []string) bool {
	for _, t := range l {
		if len(t) == len(w) && asciiEqualFold(w, t) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether the ASCII word w lowered is lower, which
// has its length.
func asciiEqualFold(w, lower string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// firstNamePairs holds, by the first two letters of every first name that
// is a capital A-Z and a small a-z, a bit for its byte length, so most
// capitalised words ("De", "Het", "Utrecht") are ruled out without hashing
// them.
var firstNamePairs = func() (m [26 * 26]uint64) {
	for w := range firstNames {
		if len(w) >= 2 && isCapital(w[0]) && 'a' <= w[1] && w[1] <= 'z' {
			m[int(w[0]-'A')*26+int(w[1]-'a')] |= 1 << min(len(w), 63)
		}
	}
	return m
}()

// maybeFirstName is false for a word firstNames does not hold.
func maybeFirstName(w string) bool {
	if len(w) < 2 || !isCapital(w[0]) || w[1] < 'a' || w[1] > 'z' {
		return true
	}
	return firstNamePairs[int(w[0]-'A')*26+int(w[1]-'a')]&(1<<min(len(w), 63)) != 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// shapeBit32 is the bit for a word of n bytes; all words of 31 bytes or
// more share a bit.
func shapeBit32(n int) uint32 { return 1 << min(n, 31) }

func keys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// tussenvoegsels join given names and surname ("van der", "ter"); stored in
// lower case.
var tussenvoegsels = lowerSet(`van de der den ter ten te het 't in op von
el al da di du le la dos das del bin`)

func wordSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			set[w] = true
		}
	}
	return set
}

func lowerSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(text) {
		set[strings.ToLower(w)] = true
	}
	return set
}

// normName folds case and whitespace so spellings of one name agree.
func normName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// word is one run of letters in a text, with what the name detectors need
// to know about its surroundings.
type word struct {
	start, end int
	capital    bool // upper-case letter followed by a lower-case one
	upper      bool // first letter upper case
	sentStart  bool // first word of a sentence, line, quote or list item
	afterNum   bool // right after a number ("12 Augustus")
	joined     bool // only spaces or tabs since the previous word
	ascii      bool // every byte ASCII, so lowering keeps its length
}

// Classes of ASCII bytes for splitWords, which looks each byte up once
// instead of testing it against ranges and a list of punctuation.
const (
	clsOther  = iota
	clsLower  // a-z
	clsUpper  // A-Z
	clsDigit  // 0-9
	clsSpace  // space, tab
	clsBreak  // ends a sentence: line breaks and .!?:;"(-*[>
	clsJoiner // inside a word: ' (also - , which is clsBreak outside one)
	clsHigh   // not ASCII: decode the rune
)

var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= 0x80:
			t[c] = clsHigh
		case 'a' <= c && c <= 'z':
			t[c] = clsLower
		case 'A' <= c && c <= 'Z':
			t[c] = clsUpper
		case '0' <= c && c <= '9':
			t[c] = clsDigit
		case c == ' ' || c == '\t':
			t[c] = clsSpace
		case c == '\'':
			t[c] = clsJoiner
		case c == '\n' || c == '\r' || strings.IndexByte(".!?:;\"(-*[>", byte(c)) >= 0:
			t[c] = clsBreak
		}
	}
	return t
}()

// splitWords finds the words of text. Hyphens and apostrophes between
// letters stay inside a word ("Anne-Marie", "d'Hondt"). ASCII bytes are
// classed by table; other runes take the unicode tables.
func splitWords(text string, ws []word) []word {
	sentEnd, other, num := true, false, false
	spaceOnly := false
	for i := 0; i < len(text); {
		cls := byteClass[text[i]]
		size := 1
		var r rune
		if cls == clsHigh {
			r, size = utf8.DecodeRuneInString(text[i:])
			switch {
			case unicode.IsLetter(r):
				cls = clsLower // a letter; its case is decided below
			case r == '\u00a0':
				cls = clsSpace
			case strings.ContainsRune("“”‘–—•", r):
				cls = clsBreak
			default:
				cls = clsOther
			}
		}
		switch cls {
		case clsLower, clsUpper:
			w := word{start: i, sentStart: sentEnd, afterNum: num && !other, joined: spaceOnly && !other && len(ws) > 0, ascii: size == 1 && r == 0}
			if r == 0 {
				w.upper = cls == clsUpper
			} else {
				w.upper = unicode.IsUpper(r)
			}
			j := i + size
			second := true
			for j < len(text) {
				// Most letters and word ends are ASCII, for which the
				// unicode tables (IsMark above all) are slow.
				c := text[j]
				if k := byteClass[c]; k == clsLower || k == clsUpper {
					if second {
						w.capital = w.upper && k == clsLower
						second = false
					}
					j++
					for j < len(text) && byteClass[text[j]]-clsLower < 2 {
						j++
					}
					continue
				} else if k != clsHigh && c != '-' && c != '\'' {
					break
				}
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isLetter(r2) || unicode.IsMark(r2) {
					if second {
						w.capital = w.upper && unicode.IsLower(r2)
						second = false
					}
					w.ascii = false
					j += s2
					continue
				}
				if r2 == '-' || r2 == '\'' || r2 == '’' {
					r3, s3 := utf8.DecodeRuneInString(text[j+s2:])
					if r2 != '-' && r3 == 's' {
						// A possessive ("Emma's") ends the name.
						r4, _ := utf8.DecodeRuneInString(text[j+s2+s3:])
						if !isLetter(r4) {
							break
						}
					}
					if isLetter(r3) {
						w.ascii = w.ascii && s2 == 1
						j += s2
						second = false
						continue
					}
				}
				break
			}
			w.end = j
			ws = append(ws, w)
			i = j
			sentEnd, other, num, spaceOnly = false, false, false, true
			if i < len(text) && text[i] == ' ' {
				i++ // a space changes nothing; most words end in one
			}
			continue
		case clsDigit:
			sentEnd, other, num, spaceOnly = false, false, true, true
		case clsSpace:
		case clsBreak:
			sentEnd, other = true, true
		default:
			other = true
		}
		i += size
	}
	return ws
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// nameEntry is one name of a dictionary, as lower-case words.
type nameEntry struct {
	words []string
	value string // normalised name whose pseudonym it gets
	src   nameSource
	// exact entries must match every non-tussenvoegsel word with a capital;
	// single words and parts of names are exact, because "ben", "roos" and
	// "de vries" are also ordinary words.
	exact bool
}

// nameDict finds listed names in a text; it is keyed by first word in the
// spellings a text uses (kees, Kees, KEES) so lookups need no lower-casing.
type nameDict struct {
	byFirst map[string][]nameEntry
	// shapes has, by first byte, a bit for the byte length of every key of
	// byFirst (all of 63 bytes or more share one), so most words are ruled
	// out without hashing them.
	shapes [256]uint64
}

func newNameDict(names []string, src nameSource) *nameDict {
	d := &nameDict{byFirst: map[string][]nameEntry{}}
	parts := map[string]string{} // part → full name; "" when two names share it
	for _, n := range names {
		ws := strings.Fields(n)
		if len(ws) == 0 {
			continue
		}
		value := normName(n)
		d.add(nameEntry{words: lowerAll(ws), value: value, src: src, exact: len(ws) == 1})
		if len(ws) < 2 {
			continue
		}
		// The parts of a full name point at the full name, so "Kees" and
		// "De Vries" in the interview get the pseudonym of the speaker
		// label "Kees de Vries".
		addPart := func(p []string) {
			key := normName(strings.Join(p, " "))
			if full, ok := parts[key]; ok && full != value {
				parts[key] = ""
				return
			}
			parts[key] = value
		}
		if !tussenvoegsels[strings.ToLower(ws[0])] {
			addPart(ws[:1])
		}
		for i := 1; i < len(ws); i++ {
			if !tussenvoegsels[strings.ToLower(ws[i])] {
				// The surname with the tussenvoegsels before it: "de Vries".
				j := i
				for j > 1 && tussenvoegsels[strings.ToLower(ws[j-1])] {
					j--
				}
				if i == len(ws)-1 && utf8.RuneCountInString(ws[i]) >= 3 {
					addPart(ws[j:])
				}
			}
		}
	}
	for part, full := range parts {
		if full == "" {
			full = part
		}
		d.add(nameEntry{words: strings.Fields(part), value: full, src: src, exact: true})
	}
	return d
}

func lowerAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strings.ToLower(w)
	}
	return out
}

func (d *nameDict) add(e nameEntry) {
	first := e.words[0]
	for _, key := range []string{first, titleCase(first), strings.ToUpper(first)} {
		if !containsEntry(d.byFirst[key], e) {
			d.byFirst[key] = append(d.byFirst[key], e)
			d.shapes[key[0]] |= 1 << min(len(key), 63)
		}
	}
}

func containsEntry(es []nameEntry, e nameEntry) bool {
	for _, x := range es {
		if x.value == e.value && strings.Join(x.words, " ") == strings.Join(e.words, " ") {
			return true
		}
	}
	return false
}

func titleCase(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// maybe is false for a word that starts no entry, tested by its shape.
func (d *nameDict) maybe(w string) bool { return d.shapes[w[0]]&(1<<min(len(w), 63)) != 0 }

// match returns the longest entry matching the words from i on, and how
// many words it covers.
func (d *nameDict) match(text string, ws []word, i int) (nameEntry, int) {
	var best nameEntry
	n := 0
	if w := text[ws[i].start:ws[i].end]; d.shapes[w[0]]&(1<<min(len(w), 63)) == 0 {
		return best, n
	}
	for _, e := range d.byFirst[text[ws[i].start:ws[i].end]] {
		if len(e.words) <= n || i+len(e.words) > len(ws) {
			continue
		}
		ok := true
		for k, ew := range e.words {
			w := ws[i+k]
			if k > 0 && !w.joined || !strings.EqualFold(text[w.start:w.end], ew) {
				ok = false
				break
			}
			if e.exact && !tussenvoegsels[ew] && !w.upper {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if len(e.words) == 1 && ambiguous[text[ws[i].start:ws[i].end]] && ws[i].sentStart {
			continue
		}
		best, n = e, len(e.words)
	}
	return best, n
}

// findNames appends a span for every name in text that the enabled sources
// find; overlaps are resolved by the caller.
func (p *Pseudonymizer) findNames(text string, known *nameDict, sc *scratch, spans []span) []span {
	ws := splitWords(text, sc.words[:0])
	sc.words = ws
	add := func(i, n int, value string, src nameSource) {
		start, end := ws[i].start, ws[i+n-1].end
		if value == "" {
			value = normName(text[start:end])
		}
		spans = append(spans, span{start: start, end: end, kind: Person, value: value, src: src})
	}
	var buf [32]byte // lowered words; most fit, so they stay on the stack
	// Each test below first rules out what it can from the word's bytes
	// alone: almost no word is a name or title, and this loop sees every
	// word of every unit.
	useKnown := known != nil && p.sources&fromKnown != 0
	useConfig := p.sources&fromConfig != 0 && len(p.names.byFirst) > 0
	useTitle, useFirst := p.sources&fromTitle != 0, p.sources&fromFirstName != 0
	for i := range ws {
		w := text[ws[i].start:ws[i].end]
		if useKnown && known.maybe(w) {
			if e, n := known.match(text, ws, i); n > 0 {
				add(i, n, e.value, fromKnown)
			}
		}
		if useConfig && p.names.maybe(w) {
			if e, n := p.names.match(text, ws, i); n > 0 {
				add(i, n, e.value, fromConfig)
			}
		}
		if useTitle && i+1 < len(ws) && maybeTitle(w, ws[i].ascii) && isTitle(text, ws, i, buf[:0]) && titleGap(text[ws[i].end:ws[i+1].start]) {
			if n := nameAfter(text, ws, i+1, true); n > 0 {
				add(i+1, n, "", fromTitle)
			}
		}
		if useFirst && ws[i].capital && maybeFirstName(w) && firstNames[w] && !ws[i].afterNum {
			n := 1 + nameAfter(text, ws, i+1, false)
			if n == 1 && ambiguous[w] && (ws[i].sentStart || i+1 < len(ws) && ws[i+1].joined && ws[i+1].capital) {
				// "Mark" alone at a sentence start, or "May Day", is too
				// likely an ordinary word.
				continue
			}
			add(i, n, "", fromFirstName)
		}
	}
	return spans
}

// isTitle reports whether word i introduces a name: a title or role, or the
// payment formula "t.n.v." / "ten name van" (IBANs in answers come with the
// account holder's name). buf is room for the lowered word. It runs for
// every word of every unit, so it lowers the word into buf and only a few
// bytes before it, never the text: lowering the text before each word made
// pseudonymizing quadratic in the text length (issue 10).
func isTitle(text string, ws []word, i int, buf []byte) bool {
	if w := text[ws[i].start:ws[i].end]; ws[i].ascii && !titleListed(w, titleLists[pairIndex(w)]) {
		return false
	}
	lw := appendLower(buf, text[ws[i].start:ws[i].end])
	if titleShapes[lw[0]]&shapeBit32(len(lw)) == 0 {
		return false
	}
	if titles[string(lw)] {
		return true
	}
	switch string(lw) {
	case "v":
		return lowerEndsWith(text, ws, i, ws[i].start, "t.n.") || lowerEndsWith(text, ws, i, ws[i].start, "t. n. ")
	case "van":
		return lowerEndsWith(text, ws, i, len(strings.TrimRight(text[:ws[i].start], " ")), "ten name")
	case "tnv":
		return true
	}
	return false
}

// appendLower appends strings.ToLower(s) to buf: the same runes, the same
// U+FFFD for invalid bytes, and "İ" and the Kelvin sign lowered to ASCII,
// so lookups give what they gave with strings.ToLower.
func appendLower(buf []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		buf = utf8.AppendRune(buf, unicode.ToLower(r))
		i += size
	}
	return buf
}

// lowerEndsWith reports whether strings.ToLower(text[:end]) ends with the
// ASCII suffix, lowering only a tail of text[:end]. The tail starts where a
// word before word i starts, so it starts at a rune boundary of text
// (splitWords decodes from the front, as strings.ToLower does), and its
// lowered form is a suffix of the whole prefix lowered; 4 bytes a rune at
// most and 1 byte at least after lowering make 4*len(suffix) bytes enough.
func lowerEndsWith(text string, ws []word, i, end int, suffix string) bool {
	from := 0
	for j := i - 1; j >= 0; j-- {
		if ws[j].start <= end-4*len(suffix) {
			from = ws[j].start
			break
		}
	}
	var buf [64]byte
	return bytes.HasSuffix(appendLower(buf[:0], text[from:end]), []byte(suffix))
}

// titleGap accepts what may stand between a title and a name: spaces, after
// an abbreviation's dot.
func titleGap(gap string) bool {
	gap = strings.TrimPrefix(gap, ".")
	return gap != "" && strings.Trim(gap, " \t\u00a0") == ""
}

// nameAfter counts the words from i on that continue a name: given names or
// initials (only after a title), tussenvoegsels, and a surname. It never
// takes stop words or places, and takes tussenvoegsels only before a
// capitalised surname.
func nameAfter(text string, ws []word, i int, afterTitle bool) int {
	k := i
	initial := -1 // index of the last initial taken; the word after it follows its dot
	joined := func(k int) bool {
		return k < len(ws) && (k == i && afterTitle || k == initial+1 || ws[k].joined)
	}
	var buf [32]byte
	nameLike := func(k int) bool {
		s := text[ws[k].start:ws[k].end]
		return ws[k].capital && !stopwords[s] && !places[s] && !titles[string(appendLower(buf[:0], s))]
	}
	given := 0
	for given < 3 && joined(k) {
		if nameLike(k) {
			k++
			given++
			continue
		}
		// An initial: one capital letter and a dot ("mevrouw A. de Vries").
		if afterTitle && ws[k].upper && utf8.RuneCountInString(text[ws[k].start:ws[k].end]) == 1 &&
			k+1 < len(ws) && strings.HasPrefix(text[ws[k].end:], ".") && titleGap(text[ws[k].end:ws[k+1].start]) {
			initial = k
			k++
			given++
			continue
		}
		break
	}
	t := k
	for t-k < 3 && joined(t) && tussenvoegsels[string(appendLower(buf[:0], text[ws[t].start:ws[t].end]))] {
		t++
	}
	if t > k && joined(t) && nameLike(t) {
		return t + 1 - i
	}
	if given > 0 && initial == k-1 {
		// Initials without a surname are no name.
		return 0
	}
	return k - i
}
