package privacy

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The detectors take shortcuts for speed (issue 10): ASCII fast paths,
// lowering into buffers, shape filters before map lookups. FuzzShortcuts
// holds each shortcut to the plain code it replaced, on any input, since
// pseudonyms must not change between versions.
func FuzzShortcuts(f *testing.F) {
	for _, s := range []string{
		"Ik sprak mevrouw De Vries en collega Sanne.",
		"Betaald op NL91 ABNA 0417 1643 00 t.n.v. J. Jansen, of T. N. v. Kees, ten name  van Fatima",
		"CLİENT Kees en MEVR. Jansen; Kelvin: \u212aees; ſ; \xe2\x82 Dhr \xff mevr",
		"Anne-Marie d'Hondt, Emma's moeder, O’Brien en e\u0301e\u0301n",
		"TEN NAME VAN Yolanda Dekker, ten name\tvan Bouchra",
		"Geb. 12-03-1980, D.O.B 1.2.1999, Rue de la Loi 16, CHAUSSÉE 3, x.COM/kees, \x0ecom/, BOULEVARD\u017f 1, NL91ABNA0417164300 @kees",
	} {
		f.Add(s, "Kees van der Berg")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		if got, want := string(appendLower(nil, text)), strings.ToLower(text); got != want {
			t.Fatalf("appendLower(%q) = %q, want %q", text, got, want)
		}
		if got, want := measure(text), measurePlain(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("measure(%q) = %+v, want %+v", text, got, want)
		}
		low := folded(asciiLower(nil, text))
		for _, kw := range []string{".com/", ".net/", "geb", "born", "date of birth", "dob", "d.o.b", "rue ", "avenue ", "chauss", "boulevard ", "place ", "chemin "} {
			if got, want := low.contains(kw), containsFoldPlain(text, kw); got != want {
				t.Fatalf("contains(%q, %q) = %v, want %v", text, kw, got, want)
			}
			for from := 0; from <= len(text); from++ {
				if got, want := low.index(kw, from), indexFoldPlain(text, kw, from); got != want {
					t.Fatalf("index(%q, %q, %d) = %d, want %d", text, kw, from, got, want)
				}
			}
		}
		ws := splitWords(text, nil)
		if want := splitWordsPlain(text, nil); !slices.Equal(ws, want) {
			t.Fatalf("splitWords(%q) =\n%v, want\n%v", text, ws, want)
		}
		var buf [32]byte
		for i := range ws {
			if got, want := isTitle(text, ws, i, buf[:0]), isTitlePlain(text, ws, i); got != want {
				t.Fatalf("isTitle(%q, word %d %q) = %v, want %v", text, i, text[ws[i].start:ws[i].end], got, want)
			}
		}
		d := newNameDict([]string{name, "Kees de Vries", "ſanne"}, fromConfig)
		plain := *d
		for i := range plain.shapes {
			plain.shapes[i] = ^uint64(0)
		}
		for i := range ws {
			e, n := d.match(text, ws, i)
			pe, pn := plain.match(text, ws, i)
			if n != pn || e.value != pe.value {
				t.Fatalf("match(%q, word %d) = %q %d, without shapes %q %d", text, i, e.value, n, pe.value, pn)
			}
		}
	})
}

// isTitlePlain is isTitle as it was before issue 10.
func isTitlePlain(text string, ws []word, i int) bool {
	w := strings.ToLower(text[ws[i].start:ws[i].end])
	if titles[w] {
		return true
	}
	before := strings.ToLower(text[:ws[i].start])
	switch w {
	case "v":
		return strings.HasSuffix(before, "t.n.") || strings.HasSuffix(before, "t. n. ")
	case "van":
		return strings.HasSuffix(strings.TrimRight(before, " "), "ten name")
	case "tnv":
		return true
	}
	return false
}

// splitWordsPlain is splitWords as it was before issue 10, decoding every
// rune.
func splitWordsPlain(text string, ws []word) []word {
	sentEnd, other, num := true, false, false
	spaceOnly := false
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isLetter(r):
			w := word{start: i, sentStart: sentEnd, afterNum: num && !other, joined: spaceOnly && !other && len(ws) > 0}
			w.upper = unicode.IsUpper(r)
			j := i + size
			second := true
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if isLetter(r2) || unicode.IsMark(r2) {
					if second {
						w.capital = w.upper && unicode.IsLower(r2)
						second = false
					}
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
						j += s2
						second = false
						continue
					}
				}
				break
			}
			w.end = j
			w.ascii = !strings.ContainsFunc(text[w.start:w.end], func(r rune) bool { return r >= utf8.RuneSelf })
			ws = append(ws, w)
			i = j
			sentEnd, other, num, spaceOnly = false, false, false, true
			continue
		case r >= '0' && r <= '9':
			sentEnd, other, num, spaceOnly = false, false, true, true
		case r == ' ' || r == '\t' || r == '\u00a0':
		case r == '\n' || r == '\r':
			sentEnd, other = true, true
		case strings.ContainsRune(".!?:;\"“”‘(-–—•*[>", r):
			sentEnd, other = true, true
		default:
			other = true
		}
		i += size
	}
	return ws
}

// measurePlain is measure as it was before issue 10.
func measurePlain(text string) features {
	var f features
	run, first, lastDigit := 0, 0, -10
	endCluster := func() {
		if run >= 9 {
			f.clusters = appendWindow(f.clusters, text, first-3, lastDigit+2)
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
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
		case c == '@':
			f.at = true
		case c >= 0x80 || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			f.letters = true
		}
	}
	endCluster()
	return f
}

// indexFoldPlain is indexFold as it was before issue 10: strings.Index for
// a lower-case ASCII sub in any case.
func indexFoldPlain(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// containsFoldPlain reports whether s holds the lower-case ASCII word sub in any
// case, without allocating.
func containsFoldPlain(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}
