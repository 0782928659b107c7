package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// isNonAnswer's length shortcut must agree with normalizing every answer
// (the old implementation, kept here as the oracle), for the default and
// custom lists, on random texts of letters that change length when
// lower-cased (K, İ, Ⱥ), punctuation, spaces and invalid UTF-8.
func TestNonAnswerShortcut(t *testing.T) {
	oracle := func(s string, set map[string]bool) bool {
		n := normalizeAnswer(s)
		return n == "" || set[n]
	}
	pieces := []string{"n", "v", "t", ".", "-", " ", "\t", "\n", "ä", "K", "İ", "Ⱥ", "G", "E", "e", "n", "\xff", "?", "…", "geen", "N.v.t.", "weet niet", "Geen idee", "x"}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, list := range [][]string{nil, {"Ⱥ", "k", "nee!"}, {"-"}} {
		na := nonAnswerSet(list)
		for _, s := range defaultNonAnswers {
			if got, want := isNonAnswer(s, na), oracle(s, na.set); got != want {
				t.Errorf("list %q: isNonAnswer(%q) = %v, want %v", list, s, got, want)
			}
		}
		for range 200000 {
			var b strings.Builder
			for range rng.IntN(8) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			if got, want := isNonAnswer(s, na), oracle(s, na.set); got != want {
				t.Fatalf("list %q: isNonAnswer(%q) = %v, want %v", list, s, got, want)
			}
		}
	}
}
