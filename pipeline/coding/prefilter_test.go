package coding

import (
	"reflect"
	"regexp"
	"testing"
)

func TestRegexPrefixesAreLiteralsEveryMatchContains(t *testing.T) {
	cases := []struct {
		name, expr string
		want       []string
	}{
		{"a leading literal after a word boundary", `\bwacht(en|t)? (al )?weken\b`, []string{"wacht"}},
		{"an alternation of words", `\b(elke|iedere|per) (dag|week)`, []string{"elke", "iedere", "per"}},
		{"a literal in capitals is lower-cased", `\bWachtlijst`, []string{"wachtlijst"}},
		{"a leading digit class gives no prefix", `\b\d{1,3} aanbieders\b`, nil},
		{"an optional start gives no prefix", `(heel )?veel`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := regexPrefixes(c.expr)
			if c.want == nil {
				if got != nil {
					t.Fatalf("got %q, want none", got)
				}
				return
			}
			// Parsing may factor common prefixes ("elke|iedere" stays, but
			// "naar|nu" becomes "n"); what matters is that every match of
			// the expression contains one of them.
			if len(got) == 0 {
				t.Fatalf("got no prefixes, want %q", c.want)
			}
			if reflect.DeepEqual(got, c.want) {
				return
			}
			for _, w := range c.want {
				if !mayMatch(w, got) {
					t.Errorf("prefixes %q do not admit %q", got, w)
				}
			}
		})
	}
}

// FuzzRegexPrefilterNeverHidesAMatch checks the prefilter's one promise:
// when a codebook regex matches a text, the text contains a prefix.
func FuzzRegexPrefilterNeverHidesAMatch(f *testing.F) {
	f.Add(`\bwacht(en|t)? (al )?(\d+|een|twee) (weken|maanden)\b`, "Ze wachten al twee maanden op hulp")
	f.Add(`\b(maar|slechts) (\S+ ){0,2}gesprekken`, "Slechts drie korte gesprekken")
	f.Add(`(?:naar|nu|nooit) meer`, "NU MEER")
	f.Fuzz(func(t *testing.T, expr, text string) {
		re, err := regexp.Compile("(?i)" + expr)
		if err != nil {
			return
		}
		pre := regexPrefixes(expr)
		if re.MatchString(text) && !mayMatch(toLowerForPrefilter(text), pre) {
			t.Fatalf("%q matches %q but the prefilter %q rules it out", expr, text, pre)
		}
	})
}
