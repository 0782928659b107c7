package privacy

import (
	"strings"
	"testing"
)

// FuzzText checks the promises Text and Scan make on any input: no panic,
// no detected value left in the output, and a second pass changes nothing.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"Ik sprak Kees de Vries, 06-12345678, kees@x.nl.",
		"mevrouw A. de Groot, geb. 12 maart 1980, Kerkweg 3a, 1234 AB Utrecht",
		"NL91 ABNA 0417 1643 00 en 85.07.30-033.28 en 111222333",
		"Dan gaan we. Wil je? Mark het. linkedin.com/in/x @kees",
		"[PERSOON-0123abcd] zei 06-[TELEFOON-00000000]",
		"Emma's moeder, collega Sanne van der Berg-de Jong.",
		"+32 470 12 34 56 0470/12.34.56 +31 (0)20 1234567",
	} {
		f.Add(s, "Wietske Hoogland")
	}
	p := newTest(f, Options{Names: []string{"Yolanda Dekker"}})
	f.Fuzz(func(t *testing.T, text, knownName string) {
		known := []string{knownName}
		out := p.Text(text, known)
		for _, s := range p.detect(text, known) {
			raw := text[s.start:s.end]
			if containsWord(out, raw) {
				t.Fatalf("%s %q survives in %q", s.kind, raw, out)
			}
		}
		if again := p.Text(out, known); again != out {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", text, out, again)
		}
		n := 0
		for _, c := range p.Scan(text, known) {
			n += c
		}
		if got := strings.Count(out, "[") - strings.Count(text, "["); n > 0 && got < 1 {
			t.Fatalf("Scan found %d values but Text replaced none", n)
		}
	})
}

// containsWord reports whether v occurs in s not inside a longer word or
// number: "Kees" may stay in "Keesje", but not on its own.
func containsWord(s, v string) bool {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], v)
		if i < 0 {
			return false
		}
		if wordBounded(s, off+i, off+i+len(v)) {
			return true
		}
		off += i + 1
	}
	return false
}
