package privacy

import (
	"bytes"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// span is one personal value found in a text: bytes [start, end) of kind,
// with the normalised value its pseudonym derives from.
type span struct {
	start, end int
	kind       Kind
	value      string
	src        nameSource // for persons: which detector found it
}

// Compiled once: New and every call share them, and regexp is safe for
// concurrent use.
var (
	tokenRE = regexp.MustCompile(`\[(?:PERSOON|EMAIL|TELEFOON|BSN|RIJKSREGISTER|IBAN|ADRES|POSTCODE|GEBOORTEDATUM|URL)-[0-9a-f]{8}\]`)

	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}`)

	profileRE = regexp.MustCompile(`(?i)(?:https?://)?(?:www\.|[a-z]{2,3}\.)?(?:linkedin\.com/in|facebook\.com|fb\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com|threads\.net)/@?[A-Za-z0-9_.\-%?=&]+/?`)
	handleRE  = regexp.MustCompile(`@[A-Za-z0-9_]{2,30}`)

	// phoneRE finds runs of digits and separators that may hold one or more
	// phone numbers; splitPhones decides.
	phoneRE = regexp.MustCompile(`(?:\+|\b)\d[\d \t\-./()\x{00A0}]{6,40}\d`)

	bsnRE      = regexp.MustCompile(`\b(?:\d{9}|\d{4}\.\d{2}\.\d{3})\b`)
	nationalRE = regexp.MustCompile(`\b(?:\d{2}\.\d{2}\.\d{2}[-. ]?\d{3}[.\-]?\d{2}|\d{6}[- ]\d{3}[- .]?\d{2}|\d{11})\b`)
	ibanRE     = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b`)

	addressRE = regexp.MustCompile(`(?:\p{Lu}[\p{Ll}'’\-]+\.? (?:(?:\p{Lu}[\p{Ll}'’\-]*\.?|van|de|der|den|het|'t|ter|ten|te|op|aan) ){0,2})?` +
		`(?:\p{Lu}[\p{L}'’\-]*(?:straat|weg|laan|plein|gracht|kade|singel|dijk|dreef|hof|pad|steeg|markt|park|plantsoen|lei|steenweg|baan|boulevard|allee|wal|burgwal|haven|vest|berg|straatje|polder)|Markt|Plein|Kade|Singel|Dreef|Laan|Vest|Meir)` +
		` \d{1,5}(?:[ ]?[a-zA-Z]\b|[ ]?-[ ]?\d{1,4}\b|[ ]bus[ ]\d{1,4}\b|[ ]?(?:bis|hs|HS)\b)?` +
		`|(?:[Rr]ue|[Aa]venue|[Cc]hauss[ée]e|[Bb]oulevard|[Pp]lace|[Cc]hemin) (?:[\p{L}'’\-]+ ){1,4}\d{1,4}\b`)

	birthRE = regexp.MustCompile(`(?i)\b(?:geboren(?: op| in| d\.?d\.?)?|geb\.?(?: op)?|geboortedatum|geb\.? ?datum|born(?: on)?|date of birth|d\.?o\.?b\.?)[ \t]*:?[ \t]*` +
		`(\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b|\d{4}-\d{2}-\d{2}\b|\d{1,2}(?:e|ste|de)? ` + months + `\.? \d{4}\b|` + months + `\.? \d{1,2},? \d{4}\b)`)
)

const months = `(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|january|february|march|may|june|july|august|october|jan|febr|feb|mrt|mar|apr|jun|jul|aug|sept|sep|okt|oct|nov|dec)`

// kindRank breaks ties between spans of equal length: checksummed numbers
// before look-alikes.
var kindRank = map[Kind]int{Email: 0, URL: 1, IBAN: 2, NationalNumber: 3, BSN: 4, BirthDate: 5, Phone: 6, Address: 7, Postcode: 8, Person: 9}

// detect finds the personal values in text, without overlaps, in text
// order.
func (p *Pseudonymizer) detect(text string, known []string) []span {
	sc := scratchPool.Get().(*scratch)
	defer sc.put()
	var spans []span
	f := measure(text)
	// The keyword tests below search a copy lowered once, not the text
	// once for each keyword in each case.
	var low folded
	if f.digits > 0 || strings.IndexByte(text, '/') >= 0 {
		sc.lower = asciiLower(sc.lower[:0], text)
		low = sc.lower
	}
	if f.at {
		for _, w := range f.atWindows(text) {
			spans = findIn(emailRE, text, w, Email, spans, func(s string) (string, bool) { return strings.ToLower(s), true })
		}
		spans = findHandles(text, spans)
	}
	if low.contains(".com/") || low.contains(".net/") {
		spans = findProfiles(text, spans)
	}
	var shapes [][2]int
	for _, w := range f.ibans {
		n := len(spans)
		spans = findIn(ibanRE, text, w, IBAN, spans, nil)
		var sh [][2]int
		spans, sh = findIBANs(text, spans, n)
		shapes = append(shapes, sh...)
	}
	for _, w := range f.clusters {
		spans = findIn(bsnRE, text, w, BSN, spans, bsnValue)
		spans = findIn(nationalRE, text, w, NationalNumber, spans, nationalValue)
		spans = findPhones(text, w, spans, shapes)
	}
	if f.digits >= 4 {
		spans = findPostcodes(text, spans)
		var ws [][2]int
		for _, kw := range []string{"geb", "born", "date of birth", "dob", "d.o.b"} {
			for i := low.index(kw, 0); i >= 0; i = low.index(kw, i+1) {
				ws = appendWindow(ws, text, i-1, i+len(kw)+48)
			}
		}
		slices.SortFunc(ws, func(a, b [2]int) int { return a[0] - b[0] })
		for i, w := range ws {
			if i > 0 && w[0] < ws[i-1][1] {
				w[0] = ws[i-1][1] // a later keyword's window may overlap an earlier one
			}
			if w[0] < w[1] {
				spans = findBirthDates(text, w, spans)
			}
		}
	}
	if f.digits > 0 && f.letters {
		spans = findAddresses(text, low, spans)
	}
	if f.letters {
		var kd *nameDict
		if len(known) > 0 {
			kd = p.knownDict(known)
		}
		spans = p.findNames(text, kd, sc, spans)
	}
	var protected [][]int
	if strings.Contains(text, "[") {
		protected = tokenRE.FindAllStringIndex(text, -1)
	}
	if len(spans) == 0 {
		return nil
	}
	return resolve(text, spans, protected)
}

// resolve keeps the longest of overlapping spans, drops spans that touch
// an existing token, then replaces every other occurrence of a value it
// kept, so that a name caught once is caught everywhere in the text.
func resolve(text string, spans []span, protected [][]int) []span {
	slices.SortFunc(spans, func(a, b span) int {
		if d := (b.end - b.start) - (a.end - a.start); d != 0 {
			return d
		}
		if d := a.start - b.start; d != 0 {
			return d
		}
		if d := kindRank[a.kind] - kindRank[b.kind]; d != 0 {
			return d
		}
		return int(a.src) - int(b.src)
	})
	taken := make([]bool, len(text)+1)
	for _, pr := range protected {
		for i := pr[0]; i < pr[1]; i++ {
			taken[i] = true
		}
	}
	free := func(start, end int) bool {
		for i := start; i < end; i++ {
			if taken[i] {
				return false
			}
		}
		return true
	}
	take := func(start, end int) {
		for i := start; i < end; i++ {
			taken[i] = true
		}
	}
	kept := spans[:0]
	for _, s := range spans {
		if s.end > s.start && free(s.start, s.end) {
			take(s.start, s.end)
			kept = append(kept, s)
		}
	}
	// Other occurrences of a kept value: "Dan" at a sentence start is no
	// name, unless this text already named "Dan" elsewhere.
	seen := map[string]bool{}
	n := len(kept)
	for i := 0; i < n && len(seen) < 256; i++ {
		s := kept[i]
		raw := text[s.start:s.end]
		if seen[raw] {
			continue
		}
		seen[raw] = true
		for off := 0; off < len(text); {
			j := strings.Index(text[off:], raw)
			if j < 0 {
				break
			}
			start, end := off+j, off+j+len(raw)
			off = start + 1
			if s.kind == Person && !wordBounded(text, start, end) || !free(start, end) {
				continue
			}
			take(start, end)
			kept = append(kept, span{start: start, end: end, kind: s.kind, value: s.value, src: s.src})
		}
	}
	slices.SortFunc(kept, func(a, b span) int { return a.start - b.start })
	return kept
}

func wordBounded(text string, start, end int) bool {
	before, after := []rune(text[max(0, start-4):start]), []rune(text[end:min(len(text), end+4)])
	if len(before) > 0 && isLetterOrDigit(before[len(before)-1]) {
		return false
	}
	return len(after) == 0 || !isLetterOrDigit(after[0])
}

func isLetterOrDigit(r rune) bool { return isLetter(r) || r >= '0' && r <= '9' }

// features are cheap facts about a text that decide which detectors run:
// most answers hold no run of nine digits, no '@' and no IBAN, and the
// regexps for those are the slow part.
type features struct {
	digits  int  // digits in the text
	at      bool // an '@'
	letters bool
	// clusters are the runs of nine digits or more joined by separators
	// ("06 1234 5678"), widened by a few bytes so \b and '+' still see
	// their context; only there can a phone number, BSN or register
	// number be.
	clusters [][2]int
	// ibans are windows starting at two capitals followed by two digits.
	ibans [][2]int
}

func measure(text string) features {
	var f features
	// '@' and letters are found apart, so the loop below, run for every
	// byte, only tests for a digit.
	f.at = strings.IndexByte(text, '@') >= 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 0x80 || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			f.letters = true
			break
		}
	}
	run, first, lastDigit := 0, 0, -10
	endCluster := func() {
		if run >= 9 {
			f.clusters = appendWindow(f.clusters, text, first-3, lastDigit+2)
		}
	}
	for i := nextDigit(text, 0); i < len(text); i = nextDigit(text, i+1) {
		f.digits++
		if i-lastDigit > 4 || !separators(text[lastDigit+1:i]) {
			endCluster()
			run, first = 0, i
		}
		run++
		lastDigit = i
		if i >= 3 && text[i-1] >= '0' && text[i-1] <= '9' && isCapital(text[i-2]) && isCapital(text[i-3]) {
			f.ibans = appendWindow(f.ibans, text, i-4, i+44)
		}
	}
	endCluster()
	return f
}

// nextDigit returns the index of the first ASCII digit in s from i on, or
// len(s). Most answers hold few digits, so it tests eight bytes at a time.
func nextDigit(s string, i int) int {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8] // of known length, so the loads need no bounds checks
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// The high bit of each byte of t says whether that byte is in
		// '0'..'9' (0x30-0x39): low7+0x50 reaches 0x80 from 0x30 on,
		// 0xB9-low7 stays at 0x80 or above up to 0x39, and ^x drops bytes
		// of 0x80 and above. No byte carries into the next.
		low7 := x &^ high
		if t := (ones*0xB9 - low7) & ^x & (low7 + ones*0x50) & high; t != 0 {
			return i + bits.TrailingZeros64(t)/8
		}
	}
	for ; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return i
		}
	}
	return len(s)
}

// appendWindow adds [lo,hi) clamped to text and widened to whole UTF-8
// sequences, merged with the previous window when they overlap.
func appendWindow(ws [][2]int, text string, lo, hi int) [][2]int {
	lo, hi = max(0, lo), min(len(text), hi)
	for lo > 0 && text[lo]&0xC0 == 0x80 {
		lo--
	}
	for hi < len(text) && text[hi]&0xC0 == 0x80 {
		hi++
	}
	if n := len(ws); n > 0 && lo <= ws[n-1][1] {
		ws[n-1][1] = max(ws[n-1][1], hi)
		return ws
	}
	return append(ws, [2]int{lo, hi})
}

// atWindows are the stretches around each '@' that an e-mail address could
// occupy.
func (f features) atWindows(text string) [][2]int {
	var ws [][2]int
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		lo, hi := i, i+1
		for lo > 0 && emailByte(text[lo-1]) {
			lo--
		}
		for hi < len(text) && emailByte(text[hi]) {
			hi++
		}
		ws = appendWindow(ws, text, lo-1, hi+1)
	}
	return ws
}

func emailByte(c byte) bool { return isWordByte(c) && c < 0x80 || strings.IndexByte(".%+-", c) >= 0 }

// findIn is findAll on the window w of text. The window keeps a byte of
// context on each side, so a match touching its edge is one the whole text
// would not give; such matches are dropped.
func findIn(re *regexp.Regexp, text string, w [2]int, k Kind, spans []span, value func(string) (string, bool)) []span {
	n := len(spans)
	spans = findAll(re, text[w[0]:w[1]], k, spans, value)
	kept := spans[:n]
	for _, s := range spans[n:] {
		s.start += w[0]
		s.end += w[0]
		if s.start == w[0] && w[0] > 0 && isWordByte(text[s.start]) || s.end == w[1] && w[1] < len(text) && isWordByte(text[s.end-1]) && isWordByte(text[s.end]) {
			continue
		}
		kept = append(kept, s)
	}
	return kept
}

func isCapital(c byte) bool { return c >= 'A' && c <= 'Z' }

// separators reports whether s only holds characters that may sit between
// the digit groups of one number.
func separators(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(" \t-./()+", rune(s[i])) {
			return false
		}
	}
	return true
}

// findPostcodes finds Dutch postcodes by hand, which is much faster than a
// regexp over every answer: four digits not starting with 0, an optional
// space and two capitals, standing alone.
func findPostcodes(text string, spans []span) []span {
	for i := 0; i+6 <= len(text); i++ {
		if text[i] < '1' || text[i] > '9' || i > 0 && isWordByte(text[i-1]) {
			continue
		}
		j := i + 1
		for j < len(text) && j < i+5 && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j != i+4 {
			i = j - 1
			continue
		}
		k := j
		if k < len(text) && text[k] == ' ' {
			k++
		}
		if k+2 > len(text) || !isCapital(text[k]) || !isCapital(text[k+1]) || k+2 < len(text) && isWordByte(text[k+2]) {
			i = j - 1
			continue
		}
		if v, ok := postcodeValue(text[i : k+2]); ok {
			spans = append(spans, span{start: i, end: k + 2, kind: Postcode, value: v})
		}
		i = k + 1
	}
	return spans
}

// isWordByte is regexp's \w, plus the bytes of non-ASCII letters.
func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c >= 0x80
}

// streetSuffixes end Dutch and Flemish street names.
var streetSuffixes = []string{"straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "dreef", "hof", "pad", "steeg", "markt", "park", "plantsoen", "lei", "steenweg", "baan", "boulevard", "allee", "wal", "burgwal", "haven", "vest", "berg", "straatje", "polder"}

// findAddresses runs the address regexp only around a number that follows a
// word ending like a street, since almost no answer has one.
func findAddresses(text string, low folded, spans []span) []span {
	if low.contains("rue ") || low.contains("avenue ") || low.contains("chauss") || low.contains("boulevard ") || low.contains("place ") || low.contains("chemin ") {
		return findAll(addressRE, text, Address, spans, func(s string) (string, bool) { return normName(s), true })
	}
	last := -1
	for i := 2; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' || text[i-1] != ' ' || i <= last {
			continue
		}
		w := i - 1
		for w > 0 && (isWordByte(text[w-1]) || text[w-1] == '-' || text[w-1] == '\'') {
			w--
		}
		word := strings.ToLower(text[w : i-1])
		street := false
		for _, suf := range streetSuffixes {
			if strings.HasSuffix(word, suf) {
				street = true
				break
			}
		}
		if !street && word != "meir" {
			continue
		}
		lo, hi := max(0, w-80), min(len(text), i+24)
		for lo > 0 && text[lo]&0xC0 == 0x80 {
			lo-- // do not cut a UTF-8 sequence
		}
		for hi < len(text) && text[hi]&0xC0 == 0x80 {
			hi++
		}
		for _, m := range addressRE.FindAllStringIndex(text[lo:hi], -1) {
			if lo+m[0] <= i && i < lo+m[1] {
				spans = append(spans, span{start: lo + m[0], end: lo + m[1], kind: Address, value: normName(text[lo+m[0] : lo+m[1]])})
				last = lo + m[1]
			}
		}
	}
	return spans
}

// findAll appends a span for each match of re that value accepts; value
// returns the normalised value. A nil value keeps the match as is.
func findAll(re *regexp.Regexp, text string, k Kind, spans []span, value func(string) (string, bool)) []span {
	for _, m := range re.FindAllStringIndex(text, -1) {
		raw := text[m[0]:m[1]]
		v, ok := raw, true
		if value != nil {
			v, ok = value(raw)
		}
		if ok {
			spans = append(spans, span{start: m[0], end: m[1], kind: k, value: v})
		}
	}
	return spans
}

func findHandles(text string, spans []span) []span {
	for _, m := range handleRE.FindAllStringIndex(text, -1) {
		if m[0] > 0 && (isLetterOrDigit(rune(text[m[0]-1])) || strings.ContainsRune("._@-", rune(text[m[0]-1]))) {
			continue // part of an e-mail address
		}
		h := text[m[0]+1 : m[1]]
		if strings.Trim(h, "0123456789") == "" || m[1] < len(text) && (text[m[1]] == '.' && m[1]+1 < len(text) && isLetterOrDigit(rune(text[m[1]+1])) || text[m[1]] == '@') {
			continue // "@10" is "at ten"; "@x.nl" is a broken address
		}
		spans = append(spans, span{start: m[0], end: m[1], kind: URL, value: "@" + strings.ToLower(h)})
	}
	return spans
}

func findProfiles(text string, spans []span) []span {
	for _, m := range profileRE.FindAllStringIndex(text, -1) {
		if m[0] > 0 && (isLetterOrDigit(rune(text[m[0]-1])) || strings.ContainsRune(".-", rune(text[m[0]-1]))) {
			continue // "netflix.com/…" is not x.com
		}
		raw := strings.TrimRight(text[m[0]:m[1]], "./")
		v := strings.ToLower(raw)
		v = strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
		v = strings.TrimPrefix(v, "www.")
		spans = append(spans, span{start: m[0], end: m[0] + len(raw), kind: URL, value: v})
	}
	return spans
}

// bsnValue accepts nine digits passing the eleven-test.
func bsnValue(s string) (string, bool) {
	d := onlyDigits(s)
	if len(d) != 9 || d == "000000000" {
		return "", false
	}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(d[i]-'0') * (9 - i)
	}
	sum -= int(d[8] - '0')
	return d, sum%11 == 0
}

// nationalValue accepts a Belgian national register number: birth date,
// serial number and a mod-97 check over both, with "2" prefixed for those
// born in 2000 or later.
func nationalValue(s string) (string, bool) {
	d := onlyDigits(s)
	if len(d) != 11 {
		return "", false
	}
	base, _ := strconv.ParseInt(d[:9], 10, 64)
	check, _ := strconv.ParseInt(d[9:], 10, 64)
	month, _ := strconv.Atoi(d[2:4])
	day, _ := strconv.Atoi(d[4:6])
	// Months 20-32 and 40-52 mark numbers given to people without a known
	// birth date (bis numbers).
	if month%20 > 12 || day > 31 {
		return "", false
	}
	if 97-base%97 == check || 97-(2000000000+base)%97 == check {
		return d, true
	}
	return "", false
}

// ibanLength is the length of a country's IBAN, for the countries whose
// residents Dutch and Flemish practitioners meet most.
var ibanLength = map[string]int{"NL": 18, "BE": 16, "DE": 22, "FR": 27, "LU": 20, "GB": 22, "ES": 24, "IT": 27, "PL": 28, "TR": 26, "MA": 28, "PT": 25, "AT": 20, "CH": 21, "IE": 22, "RO": 24, "BG": 22}

// findIBANs checks the IBAN-shaped matches, trimming those the regexp gave
// too much ("NL91 ABNA 0417 1643 00 EUR"). It returns the shapes that hold
// no valid IBAN, so their digits are not taken for a phone number either.
func findIBANs(text string, spans []span, from int) ([]span, [][2]int) {
	var shapes [][2]int
	valid := spans[:from]
	for _, s := range spans[from:] {
		raw := text[s.start:s.end]
		found := false
		for end := len(raw); end >= 15 && !found; end-- {
			if end < len(raw) && raw[end] != ' ' {
				continue
			}
			if v, ok := ibanValue(raw[:end]); ok {
				valid = append(valid, span{start: s.start, end: s.start + len(strings.TrimRight(raw[:end], " ")), kind: IBAN, value: v})
				found = true
			}
		}
		if !found {
			shapes = append(shapes, [2]int{s.start, s.end})
		}
	}
	return valid, shapes
}

func ibanValue(s string) (string, bool) {
	v := strings.ReplaceAll(s, " ", "")
	if len(v) < 15 || len(v) > 34 {
		return "", false
	}
	if want, ok := ibanLength[v[:2]]; ok && len(v) != want {
		return "", false
	}
	rearranged := v[4:] + v[:4]
	rem := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A'+10)) % 97
		default:
			return "", false
		}
	}
	return v, rem == 1
}

// postcodeUnits are letter pairs after four digits that are units, not
// postcodes ("1000 KM"); SA, SD and SS are never issued.
var postcodeUnits = map[string]bool{"SA": true, "SD": true, "SS": true, "KM": true, "KG": true, "CM": true, "MM": true, "ML": true, "MG": true, "GB": true, "MB": true, "KB": true, "TB": true, "AM": true, "PM": true, "EU": true, "NL": true, "BE": true, "CO": true}

func postcodeValue(s string) (string, bool) {
	v := strings.ReplaceAll(s, " ", "")
	return v, !postcodeUnits[v[4:]]
}

// findBirthDates looks for a date after a birth keyword in the window w,
// which starts a byte before the keyword.
func findBirthDates(text string, w [2]int, spans []span) []span {
	for _, m := range birthRE.FindAllStringSubmatchIndex(text[w[0]:w[1]], -1) {
		if m[2] < 0 {
			continue
		}
		start, end := w[0]+m[2], w[0]+m[3]
		if end == w[1] && end < len(text) && isWordByte(text[end]) {
			continue // the window cut the date short
		}
		spans = append(spans, span{start: start, end: end, kind: BirthDate, value: normDate(text[start:end])})
	}
	return spans
}

var monthNumber = map[string]string{
	"jan": "01", "feb": "02", "febr": "02", "mrt": "03", "mar": "03", "apr": "04", "mei": "05", "may": "05",
	"jun": "06", "jul": "07", "aug": "08", "sep": "09", "sept": "09", "okt": "10", "oct": "10", "nov": "11", "dec": "12",
	"januari": "01", "februari": "02", "maart": "03", "april": "04", "juni": "06", "juli": "07", "augustus": "08",
	"september": "09", "oktober": "10", "november": "11", "december": "12", "january": "01", "february": "02",
	"march": "03", "june": "06", "july": "07", "august": "08", "october": "10",
}

// normDate writes a date of birth as yyyy-mm-dd where it can, so
// "12-03-1980" and "12 maart 1980" get one pseudonym.
func normDate(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return strings.ContainsRune(" -/.,", r) })
	if len(f) != 3 {
		return normName(s)
	}
	day, month, year := f[0], f[1], f[2]
	switch {
	case len(f[0]) == 4: // yyyy-mm-dd
		day, year = f[2], f[0]
	case monthNumber[f[0]] != "": // march 12, 1980
		day, month = f[1], f[0]
	}
	day = strings.TrimRight(day, "stde")
	if m, ok := monthNumber[month]; ok {
		month = m
	}
	if len(day) == 1 {
		day = "0" + day
	}
	if len(month) == 1 {
		month = "0" + month
	}
	return year + "-" + month + "-" + day
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// folded is a text with only A-Z lowered, in which a lower-case ASCII
// keyword is found in any case: what strings.EqualFold finds for such a
// keyword, since a non-ASCII rune is never fold-equal to its ASCII bytes.
type folded []byte

func asciiLower(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// index is strings.Index for a lower-case ASCII sub from byte from on.
func (f folded) index(sub string, from int) int {
	if from > len(f) {
		return -1
	}
	if i := bytes.Index(f[from:], []byte(sub)); i >= 0 {
		return from + i
	}
	return -1
}

func (f folded) contains(sub string) bool { return bytes.Contains(f, []byte(sub)) }

// scratch holds a detect call's buffers, pooled: detect runs for every
// unit and every closed answer of a run.
type scratch struct {
	lower []byte
	words []word
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func (sc *scratch) put() {
	if cap(sc.lower) > 1<<16 || cap(sc.words) > 1<<14 {
		return // a long transcript; do not keep its buffers
	}
	scratchPool.Put(sc)
}
