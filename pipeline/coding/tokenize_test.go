package coding

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// simpleTokenizeInto is tokenizeInto as it was before its word loop,
// clause-word test and sentence ends were made faster (with clause words
// looked up in clauseWords): the oracle the fast one must agree with.
func simpleTokenizeInto(text string, toks []token, starts []int, norms []byte) doc {
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
				if simpleEndsSentence(text, i, r, size, d.Tokens) {
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
		for end < len(text) {
			c := text[end]
			if c < utf8.RuneSelf {
				if k := asciiWordClass[c]; k&wordByte != 0 {
					lower = lower && k&upperByte == 0
					end++
					continue
				}
			}
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
		t := token{Start: start, End: end, Norm: text[start:end], Sentence: sentence}
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
			t.Norm = fold(t.Norm)
		}
		if len(d.Tokens) > 0 && clauseWords[t.Norm] {
			clause++
		}
		t.Clause = clause
		if hyphenated {
			t.Parts = splitParts(text, start, end)
		}
		d.Tokens = append(d.Tokens, t)
		i = end
	}
	return d
}

// simpleEndsSentence is endsSentence as it was before its fast paths.
func simpleEndsSentence(text string, i int, r rune, size int, toks []token) bool {
	next := i + size
	// Skip closing quotes and brackets, then require space or the end.
	for next < len(text) && strings.ContainsRune("\"')]’”", rune(text[next])) {
		next++
	}
	if next < len(text) {
		r2, _ := utf8.DecodeRuneInString(text[next:])
		if !unicode.IsSpace(r2) && r2 != '.' && r2 != '!' && r2 != '?' {
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

func checkTokenizerAgrees(t *testing.T, text string) {
	t.Helper()
	got := tokenize(text)
	want := simpleTokenizeInto(text, nil, nil, nil)
	if !reflect.DeepEqual(got.Tokens, want.Tokens) || !reflect.DeepEqual(got.sentenceStarts, want.sentenceStarts) {
		t.Fatalf("%q:\ngot  %+v %v\nwant %+v %v", text, got.Tokens, got.sentenceStarts, want.Tokens, want.sentenceStarts)
	}
}

var tokenizerSeeds = []string{
	"De werkdruk is niet hoog, maar de productie-eisen wel.", "Bijv. dit. En o.a. dat! Zo? Ja… nee", "J. Jansen zei: \"stop.\" Daarna",
	"enz. en verder. (Einde.) 'Klaar.' Nieuw", "3.5 uur, www.x.nl. Mw. de Vries", "Één café: de cliënt’s ‘dossier’ — klaar.\nVolgende",
	"DON'T stop. Don’t. MAAR dus WANT though", "a.\tB. c.\u00a0D. e.\u2003F", "\xff\xfe. X", "Hé. É. ß. İ. K. \u212a.",
}

func TestTokenizerAgreesWithSimpleTokenizer(t *testing.T) {
	phenCB, _ := loadCoder(t)
	texts := append(randomTexts([]*Codebook{realCoder(t).cb, phenCB}, 3000, 9), tokenizerSeeds...)
	for _, u := range generatedUnits(t, 300) {
		texts = append(texts, u.Text)
	}
	for _, text := range texts {
		checkTokenizerAgrees(t, text)
		checkTokenizerAgrees(t, strings.ToUpper(text))
	}
}

func FuzzTokenizerAgreesWithSimpleTokenizer(f *testing.F) {
	for _, s := range tokenizerSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkTokenizerAgrees(t, text)
	})
}
