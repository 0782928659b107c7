package coding

import (
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRegexPrefixesAreLiteralsEveryMatchContains(t *testing.T) {
	cases := []struct {
		name, expr string
		want       []string
	}{
		{"a leading literal after a word boundary", `\bwacht(en|t)? (al )?weken\b`, []string{"wacht"}},
		{"an alternation of words", `\b(elke|iedere|per) (dag|week)`, []string{"elke", "iedere", "per"}},
		{"a literal in capitals is lower-cased", `\bWachtlijst`, []string{"wachtlijst"}},
		{"a leading digit class starts at digits", `\b\d{1,3} aanbieders\b`, []string{digitStart}},
		{"a leading letter class gives no prefix", `[a-z]+ aanbieders`, nil},
		{"an optional start gives no prefix", `(heel )?veel`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := regexPrefixes(c.expr)
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
				if !containsAny(w, got) {
					t.Errorf("prefixes %q do not admit %q", got, w)
				}
			}
		})
	}
}

func TestRequiredSetsAreLiteralsEveryMatchContains(t *testing.T) {
	cases := []struct {
		name, expr string
		want       [][]string
	}{
		{"an alternation of nouns after a number", `\b(\d{2,3}|\w*tig|honderd) (dossiers|gezinnen|trajecten)\b`, [][]string{{"dossiers", "gezinnen", "trajecten"}}},
		{"a factored alternation (cli(?:ënten|enten)) keeps its common prefix and a literal of each branch", `(cliënten|clienten)`, [][]string{{"cli"}, {"nten"}}},
		{"a literal is reduced to its longest ASCII run", `cliëntgebonden`, [][]string{{"ntgebonden"}}},
		{"capitals are lower-cased", `\bWachtlijst`, [][]string{{"wachtlijst"}}},
		{"one set per element of the sequence", `\bwacht(en|t)? (\d+) (weken|maanden)\b`, [][]string{{"wacht"}, {"weken", "maanden"}}},
		{"a repeat of at least one keeps its literal", `(tig)+ dossiers`, [][]string{{"tig"}, {" dossiers"}}},
		{"an optional element gives no set", `(dossiers)? ?\d+`, nil},
		{"a branch without literals gives no set", `(\d+|dossiers)`, nil},
		{"short literals are not selective", `\b(op|in)\b`, nil},
		{"a literal without ASCII gives no set", `één`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := requiredSets(c.expr)
			if len(got) == 0 && len(c.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("requiredSets(%q) = %q, want %q", c.expr, got, c.want)
			}
		})
	}
}

func TestWindowSetReachesBackOverNonWordBytes(t *testing.T) {
	cases := []struct {
		name, expr string
		set        []string
		reach      int
		before     []string // the bytes of each set, nearest first; "+" stands for 0x80-0xbf, "*" for all but the newline
		ok         bool
	}{
		{"a space and the end of a number or -tig before the noun", `\b(\d{2,3}|\w*tig) (dossiers|cliënten)\b`, []string{"cli", "dossiers"}, 1, []string{" ", "0123456789g"}, true},
		{"the nearest element wins", `\bwacht(en|t)? (al )?(\d+) (weken|maanden)\b`, []string{"wacht"}, 0, nil, true},
		{"a bounded run of any character counts four bytes each", `\bx.{0,2}(gesprekken|bezoeken)`, []string{"bezoeken", "gesprekken"}, 8, []string{"*"}, true},
		{"branches of different lengths give the bytes they share", `(\d+|een) (uur|uren) per (week|maand)`, []string{" per "}, 1, []string{"nr", "eu"}, true},
		{"an optional element unites with the one before", `(maar|max\.?) (veel )?(gesprekken|sessies)`, []string{"gesprekken", "sessies"}, 3, []string{" ", ".lrx"}, true},
		{"a non-ASCII class ends in a continuation byte", `[a-zé] (gesprekken|sessies)`, []string{"gesprekken", "sessies"}, 5, []string{" ", "abcdefghijklmnopqrstuvwxyz+"}, true},
		{"an unbounded run of non-word characters ends the search", `(\S+ )+(gesprekken|bezoeken)`, nil, 0, nil, false},
		{"no start literal gives no window", `\d+ ?%`, nil, 0, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, reach, before, ok := windowSet(c.expr)
			var got []string
			for _, b := range before {
				var s strings.Builder
				if !b['\n'] && !slices.Contains(b[:'\n'], false) && !slices.Contains(b['\n'+1:], false) {
					got = append(got, "*")
					continue
				}
				for c := 0; c < 0x80; c++ {
					if b[c] {
						s.WriteByte(byte(c))
					}
				}
				if b[0x80] {
					s.WriteByte('+')
				}
				got = append(got, s.String())
			}
			if ok != c.ok || ok && (reach != c.reach || !reflect.DeepEqual(set, c.set) || !reflect.DeepEqual(got, c.before)) {
				t.Errorf("windowSet(%q) = %q, %d, %q, %v; want %q, %d, %q, %v", c.expr, set, reach, got, ok, c.set, c.reach, c.before, c.ok)
			}
		})
	}
}

// FuzzFindRegexEqualsFindAll checks that trying a regex only where its
// start literals occur finds exactly what searching the whole text finds.
func FuzzFindRegexEqualsFindAll(f *testing.F) {
	f.Add(`\bwacht(en|t)? (al )?(\d+|een|twee) (weken|maanden)\b`, "Ze wachten al twee maanden, WACHTEN al 3 weken")
	f.Add(`\b(maar|slechts) (\S+ ){0,2}gesprekken`, "Slechts drie korte gesprekken, maar twee gesprekken")
	f.Add(`(?:naar|nu|nooit) meer`, "NU MEER en naar meer")
	f.Add(`\b(op|met|naar) \d{2,3} (cliënten|dossiers)\b`, "Ik zit op 40 dossiers, met 120 cliënten")
	f.Add(`aa`, "aaaa")
	f.Add(`\b\d{2,3} ?(%|procent) declarabel`, "wel 90% declarabel, 8 0 80 procent declarabel")
	f.Add(`\b(acht|\d{1,2}) gesprekken`, "acht gesprekken of 12 gesprekken a8 gesprekken")
	f.Add(`\bkan`, "\u212aan het")
	f.Add(`ss`, "s\u017f")
	f.Add(`\b(\d{2,3}|\w*tig|honderd) (dossiers|cliënten|clienten)\b`, "Twintig CLIËNTEN, 40 dossiers en honderd clienten")
	f.Add(`\b(eens|één keer|1x) (per|om de) (maand|zes weken)\b`, "Eén keer per maand, ÉÉN KEER OM DE ZES WEKEN")
	f.Add(`(\d+|een) (uur|uren) per (week|cliënt)`, "twee uur per week, 3 uren per CLIËNT")
	f.Add(`\b(\d([,.]\d+)?|een|één) (uur|uren) per (week|cliënt)\b`, "werk 36 uur per week, 1,5 uren per cliënt, x één uur per week")
	f.Add(`\w+ (ook|wel) werk`, "Mijn OOK WERK en wel werk")
	f.Add(`\d+ fte\b`, "3 \u212aFTE, 4 fte")
	f.Add(`\b(\w*tig|\d+) (dossiers|gezinnen)\b`, "dertig dossiers,twintig  gezinnen;Veertig Dossiers x30 gezinnen")
	f.Add(`\b(één|1|een) (keer|maal) per (week|maand)`, "xéén keer per week, Eén maal per maand, \xffeen keer per week")
	f.Add(`(é|\S+) (per) dag`, "café per dag, é per dag")
	f.Add(`\B(dag|week)en`, "dagen weken")
	f.Add(`^(\w+) aanbieders`, "drie aanbieders, vier aanbieders")
	f.Add(`\b\d{1,2} (van de|op) \d{2} uur\b`, "3 van de 40 uur, 12 op 36 uur; 3 op 4 uur en 5 van de 100 uur 1 op 12 uurtje")
	f.Add(`\b(acht|\d{1,2}) (zware )?(gesprekken|cliënten) (per|op een) (dag|week)`, "acht gesprekken per week. 12 zware cliënten op een dag, 3 cliënten per maand, 4 gesprekken dag per week")
	f.Add(`\b(op|met) \d{2,3} (cliënten|dossiers)\b`, "op 40 dossiers met 120 CLIËNTEN op 4 dossiers, met 1234 dossiers en op 12 dossiersx dossiers")
	f.Fuzz(func(t *testing.T, expr, text string) {
		re, err := regexp.Compile("(?i)" + expr)
		if err != nil || re.MatchString("") {
			return
		}
		want := re.FindAllStringIndex(text, -1)
		var rt regexText
		rt.reset(text)
		got := findRegex(re, newRegexStarts(expr), &rt)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q on %q: got %v, FindAllStringIndex gives %v", expr, text, got, want)
		}
	})
}

// The trigram set may only rule literals out: whenever the text holds a
// literal, mayContain must say so, and for a literal too short to have a
// trigram it must not say so otherwise.
func TestRegexTextMayContainAdmitsWhatStringsContainsFinds(t *testing.T) {
	var lits []string
	for _, m := range realCoder(t).matchers {
		for _, id := range m.regexes {
			if rs := m.terms[id].pat.starts; rs != nil {
				for _, set := range rs.required {
					lits = append(lits, set...)
				}
			}
		}
	}
	units := generatedUnits(t, 300)
	var rt regexText
	found := 0
	for _, u := range units {
		rt.reset(u.Text)
		for _, lit := range append(lits, "op", "%", "a") {
			want := strings.Contains(asciiLower(u.Text), lit)
			if got := rt.mayContain(lit); want && !got || !want && got && len(lit) < 3 {
				t.Fatalf("mayContain(%q) = %v in %q", lit, got, u.Text)
			}
			if want {
				found++
			}
		}
	}
	if found == 0 {
		t.Fatal("no literal occurs in the generated units: the test checks nothing")
	}
}

func TestMaxBytesBoundsEveryMatch(t *testing.T) {
	cases := []struct {
		expr string
		want int
	}{
		{`abc`, 3},
		// Each s of dossiers may be a two-byte long s.
		{`\b(op|met) \d{2,3} (dossiers|cliënten)\b`, 3 + 1 + 3*utf8.UTFMax + 1 + 8 + 3},
		{`k`, 3}, // the Kelvin sign
		{`é`, 2}, // É
		{`a?b*`, unbounded},
		{`(\b)*x`, 1},
		{`x{2,}`, unbounded},
		{`.{0,25}`, 25 * utf8.UTFMax},
	}
	for _, c := range cases {
		re, err := syntax.Parse(c.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := maxBytes(re); got != c.want {
			t.Errorf("maxBytes(%q) = %d, want %d", c.expr, got, c.want)
		}
	}
}

func TestNearSetsBoundWhereTheirMembersLie(t *testing.T) {
	cases := []struct {
		name, expr string
		sets       [][]string
		within     []int
	}{
		// zijn|ben|is: 4 bytes (is: 3 with a long s); a space; the
		// optional adverb, 9; then op.
		{"a two-byte literal after bounded elements", `\b(zijn|ben|is) (helemaal |gewoon )?op\s*([.!]|$)`, [][]string{{"is", "ben", "zijn"}, {"op"}}, []int{4, 4 + 1 + 9 + 2}},
		// per|elke: 6 with a three-byte Kelvin sign for its k; then a
		// space and dag|week (6 likewise); the nouns come after \d+.
		{"nothing after an unbounded element", `\b(elke|per) (dag|week)\b.{0,25}\b(\d+|twee) (gesprekken|bezoeken)\b`, [][]string{{"per", "elke"}, {"dag", "week"}}, []int{6, 6 + 1 + 6}},
		{"an unbounded start gives none", `\b(\w*tig|\d+) dossiers`, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sets, within := nearSets(c.expr)
			if !reflect.DeepEqual(sets, c.sets) || !reflect.DeepEqual(within, c.within) {
				t.Errorf("nearSets(%q) = %q, %v; want %q, %v", c.expr, sets, within, c.sets, c.within)
			}
		})
	}
}

// FuzzTailChecksAdmitEveryMatch checks that the tail checks never rule
// out an offset where the regex matches: not only the leftmost,
// non-overlapping matches FuzzFindRegexEqualsFindAll sees, but a match
// anchored at every offset.
func FuzzTailChecksAdmitEveryMatch(f *testing.F) {
	f.Add(`\b(maar|slechts|max\.?) (\S+ ){0,2}(gesprekken|uren|uur)\b`, "maar twee uur, MAAR drie lange uren; max. 3 uur maar wel veel gesprekken")
	f.Add(`\b(elke|per) (dag|week)\b.{0,25}\b(\d+|twee|vijftien) (gesprekken|cliënten)\b`, "per dag heb ik wel 12 gesprekken, Elke week twee CLIËNTEN, per week 1234567 gesprekken")
	f.Add(`\b(\d([,.]\d+)?|een|één) (uur|uren) per (week|cliënt)\b`, "36 uur per week, 1,5 uren per cliënt, één uur per WEEK")
	f.Add(`a(\S+ ){0,1}b`, "a\xff\xfe b, ax\xc3 b")
	f.Add(`x.{0,2}yyy`, "x\xe2\x82yyy xéyyy")
	f.Fuzz(func(t *testing.T, expr, text string) {
		anchored, err := regexp.Compile("(?i)^(?:" + expr + ")")
		if err != nil || foldsToASCII(text) {
			return
		}
		tails := tailChecks(expr)
		if len(tails) == 0 {
			return
		}
		var rt regexText
		rt.reset(text)
		for k, tc := range tails {
			qs := tc.starts(&rt, nil)
			for pos := 0; pos <= len(text); pos++ {
				loc := anchored.FindStringIndex(text[pos:])
				if loc == nil {
					continue
				}
				i := sort.SearchInts(qs, pos)
				if i == len(qs) || !tc.admits(rt.lower, pos, qs[i]) {
					t.Fatalf("%q matches %q at %d, but tail check %d (%q, spaces %d, runes %d) rules it out (offsets %v)", expr, text[pos:pos+loc[1]], pos, k, tc.set, tc.spaces, tc.runes, qs)
				}
			}
		}
	})
}

// mayContainAny reads precomputed trigram hashes: it must say what
// mayContain says of some member, set by set.
func TestMayContainAnyAgreesWithMayContain(t *testing.T) {
	phenCB, _ := loadCoder(t)
	real := realCoder(t)
	texts := randomTexts([]*Codebook{real.cb, phenCB}, 500, 6)
	for _, u := range generatedUnits(t, 300) {
		texts = append(texts, u.Text)
	}
	var rt regexText
	yes := 0
	for _, text := range texts {
		rt.reset(text)
		for _, m := range real.matchers {
			for _, id := range m.regexes {
				rs := m.terms[id].pat.starts
				if rs == nil {
					continue
				}
				for i, set := range rs.required {
					want := slices.ContainsFunc(set, rt.mayContain)
					if got := rt.mayContainAny(set, rs.requiredHashes[i]); got != want {
						t.Fatalf("mayContainAny(%q) = %v, mayContain says %v, in %q", set, got, want, text)
					}
					if want {
						yes++
					}
				}
			}
		}
	}
	if yes == 0 {
		t.Fatal("no required set may be present: the test checks nothing")
	}
}

// reset must give the lowered text, its word starts and the trigram set
// that a byte-by-byte reading defines, on texts of every short length too.
func TestRegexTextResetAgreesWithItsDefinition(t *testing.T) {
	phenCB, _ := loadCoder(t)
	texts := append(randomTexts([]*Codebook{realCoder(t).cb, phenCB}, 500, 8), "", "a", "A", "ab", "aB ", " x", "É", "1a.")
	var rt regexText
	for _, text := range texts {
		rt.reset(text)
		lower := asciiLower(text)
		var starts []int
		var tris [trigramBits / 64]uint64
		for i := 0; i < len(lower); i++ {
			if isASCIIWord(lower[i]) && (i == 0 || !isASCIIWord(lower[i-1])) {
				starts = append(starts, i)
			}
			if i >= 2 {
				h := trigramHash(uint32(lower[i-2])<<16 | uint32(lower[i-1])<<8 | uint32(lower[i]))
				tris[h/64] |= 1 << (h % 64)
			}
		}
		if rt.lower != lower || !slices.Equal(rt.wordStarts, starts) || rt.trigrams != tris {
			t.Fatalf("reset(%q): lower %q, word starts %v; want %q, %v (trigrams equal: %v)", text, rt.lower, rt.wordStarts, lower, starts, rt.trigrams == tris)
		}
	}
}
