package coding

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// randomTexts builds n texts out of the codebook's own words, bent the ways
// answers bend them: stems and globs with endings, compound tails with
// heads, upper case, diacritics, hyphenated and apostrophised words,
// negation cues, clause words, abbreviations, numbers and the fragments
// the codebooks' regexes look for, with punctuation and line breaks between.
// An index or prefilter that skips a term it should have tried shows up
// as a difference on these texts long before it would on real answers.
func randomTexts(cbs []*Codebook, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	words := map[string]bool{}
	var phrases [][]string
	for _, cb := range cbs {
		for _, code := range cb.Codes {
			for _, src := range []map[string][]string{code.Terms, code.Exclude} {
				for _, lang := range sortedKeys(src) {
					for _, t := range src[lang] {
						if strings.HasPrefix(t, "/") {
							continue
						}
						if fs := strings.Fields(t); len(fs) > 1 {
							phrases = append(phrases, fs)
						}
						for _, f := range strings.Fields(t) {
							if f == "…" || f == "..." || strings.HasPrefix(f, "NEAR/") {
								continue
							}
							words[f] = true
						}
					}
				}
			}
		}
	}
	vocab := make([]string, 0, len(words))
	for w := range words {
		vocab = append(vocab, w)
	}
	sort.Strings(vocab)
	cues := []string{"geen", "niet", "nooit", "nauwelijks", "zonder", "niets", "no", "not", "never", "without", "hardly", "don't", "isn’t", "alleen", "only", "niet alleen", "not only"}
	glue := []string{"maar", "omdat", "want", "dus", "but", "because", "de", "het", "een", "en", "is", "te", "veel", "van", "op", "per", "ik", "we", "bijv.", "o.a.", "d.w.z.", "enz.", "J."}
	fragments := []string{
		"40 dossiers", "op 12 cliënten", "met 30 gezinnen", "twintig dossiers", "honderd cliënten", "85% declarabel",
		"85 procent van de tijd declarabel", "80 % productief", "elke week twintig gesprekken", "per dag zes huisbezoeken",
		"ben helemaal op.", "zijn op", "is echt op!", "3 van de 40 uur", "32 op 36 uur", "zes zware gesprekken per dag",
		"acht cliënten op een dag", "80 percent billable", "90 per cent client", "5 keer per week", "tachtig procent", "3.5 uur",
		"K", "ſ", "Ĳzer", "ÉÉN", "café", "naïef", "coöperatie",
	}
	endings := []string{"", "", "en", "s", "ing", "ingen", "d", "t", "e", "er", "'s"}
	heads := []string{"", "tijds", "werk", "over", "zorg", "cliënt"}
	punct := []string{" ", " ", " ", " ", ", ", "; ", ": ", ". ", "! ", "? ", "… ", "\n", " - ", " / ", " (", ") ", " – ", "...", " \"", "\" "}
	accent := strings.NewReplacer("e", "é", "i", "ï", "o", "ö", "u", "ü", "a", "à")
	bend := func(w string) string {
		switch {
		case strings.HasPrefix(w, "~"):
			w = w[1:] + endings[rng.IntN(len(endings))]
		case strings.HasPrefix(w, "*"):
			w = heads[rng.IntN(len(heads))] + w[1:]
		case strings.HasSuffix(w, "*"):
			w = w[:len(w)-1] + endings[rng.IntN(len(endings))]
		}
		switch rng.IntN(12) {
		case 0:
			w = strings.ToUpper(w)
		case 1:
			w = strings.ToUpper(w[:1]) + w[1:]
		case 2:
			w = accent.Replace(w)
		case 3:
			w = strings.ReplaceAll(w, "-", "‐")
		}
		return w
	}
	word := func() string { return bend(vocab[rng.IntN(len(vocab))]) }
	filler := func(max int) string {
		var fs []string
		for range rng.IntN(max + 1) {
			fs = append(fs, glue[rng.IntN(len(glue))])
		}
		return strings.Join(fs, " ")
	}
	// phrase writes a whole term, its gaps and NEAR filled with up to one
	// word more than they allow, its sides now and then swapped.
	phrase := func() string {
		fs := phrases[rng.IntN(len(phrases))]
		var out []string
		for i, f := range fs {
			switch {
			case f == "…" || f == "...":
				out = append(out, filler(maxGap+1))
			case strings.HasPrefix(f, "NEAR/"):
				n, _ := strconv.Atoi(f[len("NEAR/"):])
				if rng.IntN(3) == 0 {
					var right []string
					for _, g := range fs[i+1:] {
						right = append(right, bend(g))
					}
					return strings.Join(right, " ") + " " + filler(n) + " " + strings.Join(out, " ")
				}
				out = append(out, filler(n))
			default:
				out = append(out, bend(f))
			}
		}
		return strings.Join(out, " ")
	}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 3 + rng.IntN(60) {
			switch r := rng.IntN(20); {
			case r < 6:
				b.WriteString(word())
			case r < 9:
				b.WriteString(phrase())
			case r < 11:
				b.WriteString(cues[rng.IntN(len(cues))])
			case r < 15:
				b.WriteString(glue[rng.IntN(len(glue))])
			case r < 16:
				b.WriteString(fragments[rng.IntN(len(fragments))])
			case r < 17:
				b.WriteString(word() + "-" + word())
			case r < 18:
				b.WriteString(fmt.Sprint(rng.IntN(200)))
			default:
				b.WriteString(word() + " " + word())
			}
			b.WriteString(punct[rng.IntN(len(punct))])
		}
		out[i] = b.String()
	}
	return out
}

// randomUnits wraps randomTexts as units, a third each Dutch, English and
// of unknown language (matched with both languages' terms).
func randomUnits(cbs []*Codebook, n int, seed uint64) []study.Unit {
	texts := randomTexts(cbs, n, seed)
	units := make([]study.Unit, n)
	for i, t := range texts {
		units[i] = study.Unit{ID: fmt.Sprint("r", i), Text: t, Lang: []string{"nl", "en", ""}[i%3], Question: "Q_open1"}
	}
	return units
}

// negatedByWords is negated as it was written before the word cache held
// cue flags: a look-up of each word around a match in the cue maps.
func negatedByWords(d *doc, a, b int) bool {
	toks := d.Tokens
	if a >= len(toks) || b >= len(toks) {
		return false
	}
	isCue := func(i int, cues map[string]bool) bool {
		w := toks[i].Norm
		if !cues[w] && !strings.HasSuffix(w, "n't") {
			return false
		}
		return i+1 >= len(toks) || !notOnly[toks[i+1].Norm]
	}
	clause := toks[a].Clause
	for i := a - 1; i >= 0 && i >= a-preWindow && toks[i].Clause == clause; i-- {
		if isCue(i, negationCues) {
			return true
		}
	}
	clause = toks[b].Clause
	for i := b + 1; i < len(toks) && i <= b+postWindow && toks[i].Clause == clause; i++ {
		if isCue(i, postCues) {
			return true
		}
	}
	return false
}

// Cue flags from the word cache must negate exactly the spans the cue
// maps negate, for every span of up to four tokens.
func TestNegatedByCueFlagsEqualsNegatedByWords(t *testing.T) {
	phenCB, _ := loadCoder(t)
	c := realCoder(t)
	units := append(generatedUnits(t, 100), randomUnits([]*Codebook{c.cb, phenCB}, 1000, 2)...)
	sc := &scratch{}
	negs := 0
	for _, u := range units {
		d := tokenize(u.Text)
		m := c.matchers[c.lang(u)]
		var cues []uint8
		for _, tf := range m.forms(&d, sc) {
			cues = append(cues, tf.forms[0].info.cue)
		}
		for a := range d.Tokens {
			for b := a; b < min(a+4, len(d.Tokens)); b++ {
				want := negatedByWords(&d, a, b)
				if got := negated(&d, cues, a, b); got != want {
					t.Fatalf("%q: tokens %d-%d: negated %v, want %v", u.Text, a, b, got, want)
				}
				if want {
					negs++
				}
			}
		}
	}
	if negs == 0 {
		t.Fatal("no span is negated: the test checks nothing")
	}
}

// isClauseWord must agree with clauseWords on every word.
func TestIsClauseWordAgreesWithClauseWords(t *testing.T) {
	phenCB, _ := loadCoder(t)
	words := []string{"", "a", "maar", "maa", "maart", "although", "althoug", "alth0ugh", "whereas", "but", "bu", "dus", "Dus"}
	for w := range clauseWords {
		words = append(words, w, w+"s", w[1:], strings.ToUpper(w))
	}
	for _, text := range randomTexts([]*Codebook{realCoder(t).cb, phenCB}, 500, 3) {
		for _, tk := range tokenize(text).Tokens {
			words = append(words, tk.Norm)
		}
	}
	for _, w := range words {
		if got, want := isClauseWord(w), clauseWords[w]; got != want {
			t.Errorf("isClauseWord(%q) = %v, want %v", w, got, want)
		}
	}
}

// The tokenizer skips fold for lower-case ASCII words and lowers other
// ASCII words into a buffer it reuses from unit to unit; every token must
// still be its text folded.
func TestTokenNormIsTheFoldedText(t *testing.T) {
	phenCB, _ := loadCoder(t)
	var d doc
	for _, text := range randomTexts([]*Codebook{realCoder(t).cb, phenCB}, 500, 4) {
		d = tokenizeInto(text, d.Tokens, d.sentenceStarts, d.norms)
		for _, toks := range [][]token{tokenize(text).Tokens, d.Tokens} {
			for _, tk := range toks {
				if want := fold(text[tk.Start:tk.End]); tk.Norm != want {
					t.Fatalf("%q: token %q has Norm %q, want %q", text, text[tk.Start:tk.End], tk.Norm, want)
				}
			}
		}
	}
}

// foldASCII must fold as fold's rune-by-rune path does, and leave the
// non-ASCII words to it.
func TestFoldASCIIEqualsFoldingEachRune(t *testing.T) {
	for _, w := range []string{"Werkdruk", "WERKDRUK", "Don't", "Productie-Eisen", "A1", "X_Y", "Z@[`{", "cliënt", "Één", "\xff"} {
		got, ok := foldASCII(w)
		var want strings.Builder
		ascii := true
		for _, r := range w {
			ascii = ascii && r < 0x80
			want.WriteRune(foldRune(r))
		}
		if ok != ascii || ok && got != want.String() {
			t.Errorf("foldASCII(%q) = %q, %v; want %q, %v", w, got, ok, want.String(), ascii)
		}
	}
}

// Matches are de-duplicated and sorted by the ranks of their codes and
// terms (Coder.rankTerms); they must come out as comparing the strings
// orders them, with no two alike.
func TestMatchesOrderedAndDistinctByTheirStrings(t *testing.T) {
	phenCB, phen := loadCoder(t)
	real := realCoder(t)
	units := append(generatedUnits(t, 200), randomUnits([]*Codebook{real.cb, phenCB}, 3000, 5)...)
	closed := &study.Respondent{Closed: map[string]string{"Q_werkdruk": "5", "druk_item": "5", "sector": "zorg"}}
	byStrings := func(a, b study.Match) int {
		if a.Span.Start != b.Span.Start {
			return cmp.Compare(a.Span.Start, b.Span.Start)
		}
		if a.Code != b.Code {
			return strings.Compare(a.Code, b.Code)
		}
		if a.Span.End != b.Span.End {
			return cmp.Compare(a.Span.End, b.Span.End)
		}
		return strings.Compare(a.Term, b.Term)
	}
	rules := 0
	for _, c := range []*Coder{phen, real} {
		for i, u := range units {
			var r *study.Respondent
			if i%2 == 0 {
				r = closed
			}
			ms := c.Code(u, r).Matches
			for j := 1; j < len(ms); j++ {
				if byStrings(ms[j-1], ms[j]) >= 0 {
					t.Fatalf("%q: match %+v comes after %+v", u.Text, ms[j], ms[j-1])
				}
			}
			for _, m := range ms {
				if strings.HasPrefix(m.Term, "rule: ") {
					rules++
				}
			}
		}
	}
	if rules == 0 {
		t.Fatal("no rule matched: the test checks no rule's rank")
	}
}

// Ranks must number distinct terms and codes as strings.Compare orders them.
func TestRanksOrderTermsAndCodesAsTheirStrings(t *testing.T) {
	_, phen := loadCoder(t)
	for _, c := range []*Coder{phen, realCoder(t)} {
		type ranked struct {
			s    string
			rank int
		}
		var all []ranked
		for _, m := range c.matchers {
			for _, tr := range m.terms {
				all = append(all, ranked{tr.pat.Raw, tr.rank})
			}
		}
		for _, cc := range c.codes {
			for j, s := range cc.ruleTerms {
				all = append(all, ranked{s, cc.ruleRanks[j]})
			}
		}
		slices.SortFunc(all, func(a, b ranked) int { return cmp.Compare(a.rank, b.rank) })
		for j := 1; j < len(all); j++ {
			if a, b := all[j-1], all[j]; (a.rank == b.rank) != (a.s == b.s) || a.rank < b.rank && a.s >= b.s {
				t.Fatalf("term %q has rank %d, %q rank %d", a.s, a.rank, b.s, b.rank)
			}
		}
		codes := slices.Clone(c.codes)
		slices.SortFunc(codes, func(a, b compiledCode) int { return cmp.Compare(a.rank, b.rank) })
		for j := 1; j < len(codes); j++ {
			if codes[j-1].rank == codes[j].rank || codes[j-1].id >= codes[j].id {
				t.Fatalf("code %q has rank %d, %q rank %d", codes[j-1].id, codes[j-1].rank, codes[j].id, codes[j].rank)
			}
		}
	}
}

// sortMatchOrders must order as slices.SortStableFunc does, equal keys
// included, on short and long lists.
func TestSortMatchOrdersIsStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 70 {
		for range 50 {
			o := make([]matchOrder, n)
			for i := range o {
				o[i] = matchOrder{matchKey{rng.IntN(4), rng.IntN(3), rng.IntN(3), rng.IntN(3)}, i}
			}
			want := slices.Clone(o)
			slices.SortStableFunc(want, func(a, b matchOrder) int { return cmpMatchKeys(a.key, b.key) })
			sortMatchOrders(o)
			if !slices.Equal(o, want) {
				t.Fatalf("sortMatchOrders: %v, want %v", o, want)
			}
		}
	}
}

// appendFold must give fold's bytes for every word, ASCII or not, valid
// UTF-8 or not.
func TestAppendFoldEqualsFold(t *testing.T) {
	words := []string{"", "werkdruk", "Werkdruk", "cliënt", "CLIËNT", "ĳs", "Ĳssel", "don’t", "‘quote’", "a‐b‑c", "\xff\xfeA", "Straße", "İstanbul", "\u212aelvin"}
	phenCB, _ := loadCoder(t)
	for _, text := range randomTexts([]*Codebook{realCoder(t).cb, phenCB}, 200, 10) {
		words = append(words, strings.Fields(text)...)
	}
	for _, w := range words {
		if got := string(appendFold([]byte("x"), w)); got != "x"+fold(w) {
			t.Errorf("appendFold(%q) = %q, want %q", w, got[1:], fold(w))
		}
	}
}
