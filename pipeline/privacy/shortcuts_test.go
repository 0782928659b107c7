package privacy

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The name detectors take shortcuts for speed (issue 10): ASCII fast paths,
// lowering into buffers, shape filters before map lookups. FuzzNameShortcuts
// holds each shortcut to the plain code it replaced, on any input, since
// pseudonyms must not change between versions.
func FuzzNameShortcuts(f *testing.F) {
	for _, s := range []string{
		"Ik sprak mevrouw De Vries en collega Sanne.",
		"Betaald op NL91 ABNA 0417 1643 00 t.n.v. J. Jansen, of T. N. v. Kees, ten name  van Fatima",
		"CLİENT Kees en MEVR. Jansen; Kelvin: \u212aees; ſ; \xe2\x82 Dhr \xff mevr",
		"Anne-Marie d'Hondt, Emma's moeder, O’Brien en e\u0301e\u0301n",
		"TEN NAME VAN Yolanda Dekker, ten name\tvan Bouchra",
	} {
		f.Add(s, "Kees van der Berg")
	}
	f.Fuzz(func(t *testing.T, text, name string) {
		if got, want := string(appendLower(nil, text)), strings.ToLower(text); got != want {
			t.Fatalf("appendLower(%q) = %q, want %q", text, got, want)
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
