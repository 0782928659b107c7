package privacy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// TestRespondentIDCache holds RespondentID, which remembers recent IDs, to
// the HMAC it would compute afresh, over more IDs than it remembers, met
// again in shuffled order and from two sources that share raw IDs.
func TestRespondentIDCache(t *testing.T) {
	p := newTest(t, Options{})
	plain := func(source, raw string) string {
		if isRespondentToken(raw) {
			return raw
		}
		var b strings.Builder
		b.WriteString("R-")
		p.writeSum(&b, 6, "respondent", source, raw)
		return b.String()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := range 3 * idSlots {
		ids = append(ids, "R_"+strconv.Itoa(i), strconv.Itoa(i), "x\x00"+strconv.Itoa(i%97))
	}
	ids = append(ids, "", "R-0123456789ab", "R-0123456789AB", "R-0123456789abc", "R-012345678g9a")
	for round := range 3 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for _, raw := range ids {
			for _, source := range []string{"survey", "survey\x00x", "", "s"} {
				if got, want := p.RespondentID(source, raw), plain(source, raw); got != want {
					t.Fatalf("round %d: RespondentID(%q, %q) = %q, want %q", round, source, raw, got, want)
				}
			}
		}
	}
}

// TestRespondentValues holds Respondent's values, remembered per value
// and returned in the input map when none changes, to Text on each value,
// over the generated corpus and over values with personal data met once
// and again.
func TestRespondentValues(t *testing.T) {
	p := fixedKeyPseudonymizer(t)
	fresh := fixedKeyPseudonymizer(t)
	rs, _ := generated(t, 2000)
	extra := []string{"mevrouw Bakker", "06-12345678", "jeugd", "Oost", "Team van Kees de Vries", strings.Repeat("Kees ", 40), "", "Eens"}
	for i, v := range extra {
		rs = append(rs, rs[0], rs[1])
		rs[len(rs)-2].Closed = map[string]string{"q" + strconv.Itoa(i): v, "x": "Oost"}
		rs[len(rs)-1].Attributes = map[string]string{"team": v}
	}
	for round := range 2 {
		for _, r := range rs {
			before := maps.Clone(r.Closed)
			got := p.Respondent(r)
			for name, m := range map[string][2]map[string]string{"closed": {r.Closed, got.Closed}, "attributes": {r.Attributes, got.Attributes}} {
				in, out := m[0], m[1]
				if (in == nil) != (out == nil) || len(in) != len(out) {
					t.Fatalf("round %d: %s %v became %v", round, name, in, out)
				}
				for k, v := range in {
					if want := fresh.Text(v, nil); out[k] != want {
						t.Fatalf("round %d: %s %q = %q became %q, want %q", round, name, k, v, out[k], want)
					}
				}
			}
			if !maps.Equal(before, r.Closed) {
				t.Fatalf("Respondent changed its argument's closed answers %v to %v", before, r.Closed)
			}
		}
	}
}

// TestRespondentConcurrent shares one Pseudonymizer's caches between
// goroutines, as the store pass and the claimer do; run with -race.
func TestRespondentConcurrent(t *testing.T) {
	p := newTest(t, Options{})
	want := map[string]string{}
	for i := range 2000 {
		raw := "R_" + strconv.Itoa(i)
		want[raw] = p.RespondentID("survey", raw)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 20000 {
				raw := "R_" + strconv.Itoa((i*(g+1))%2000)
				if got := p.RespondentID("survey", raw); got != want[raw] {
					done <- fmt.Errorf("RespondentID(%q) = %q, want %q", raw, got, want[raw])
					return
				}
				r := p.Respondent(study.Respondent{ID: raw, Source: "survey", Attributes: map[string]string{"team": "Team " + strconv.Itoa(i%50) + " van mevrouw Bakker"}})
				if r.ID != want[raw] || strings.Contains(r.Attributes["team"], "Bakker") {
					done <- fmt.Errorf("Respondent(%q) = %+v", raw, r)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// findNamesPlain is findNames before its word filters: every word lowered
// and looked up, words split rune by rune.
func (p *Pseudonymizer) findNamesPlain(text string, known *nameDict, spans []span) []span {
	ws := splitWordsPlain(text, nil)
	add := func(i, n int, value string, src nameSource) {
		start, end := ws[i].start, ws[i+n-1].end
		if value == "" {
			value = normName(text[start:end])
		}
		spans = append(spans, span{start: start, end: end, kind: Person, value: value, src: src})
	}
	unshaped := func(d *nameDict) *nameDict {
		plain := *d
		for i := range plain.shapes {
			plain.shapes[i] = ^uint64(0)
		}
		return &plain
	}
	names := unshaped(p.names)
	if known != nil {
		known = unshaped(known)
	}
	for i := range ws {
		w := text[ws[i].start:ws[i].end]
		if known != nil && p.sources&fromKnown != 0 {
			if e, n := known.match(text, ws, i); n > 0 {
				add(i, n, e.value, fromKnown)
			}
		}
		if p.sources&fromConfig != 0 {
			if e, n := names.match(text, ws, i); n > 0 {
				add(i, n, e.value, fromConfig)
			}
		}
		if p.sources&fromTitle != 0 && i+1 < len(ws) && isTitlePlain(text, ws, i) && titleGap(text[ws[i].end:ws[i+1].start]) {
			if n := nameAfter(text, ws, i+1, true); n > 0 {
				add(i+1, n, "", fromTitle)
			}
		}
		if p.sources&fromFirstName != 0 && ws[i].capital && firstNames[w] && !ws[i].afterNum {
			n := 1 + nameAfter(text, ws, i+1, false)
			if n == 1 && ambiguous[w] && (ws[i].sentStart || i+1 < len(ws) && ws[i+1].joined && ws[i+1].capital) {
				continue
			}
			add(i, n, "", fromFirstName)
		}
	}
	return spans
}

// checkFindNames fails t if findNames and findNamesPlain find different
// names in text.
func checkFindNames(t *testing.T, ps []*Pseudonymizer, text string, known []string) {
	t.Helper()
	sc := new(scratch)
	for _, p := range ps {
		var kd *nameDict
		if len(known) > 0 {
			kd = p.knownDict(known)
		}
		got := p.findNames(text, kd, sc, nil)
		want := p.findNamesPlain(text, kd, nil)
		if !slices.Equal(got, want) {
			t.Fatalf("findNames(%q, known %q) =\n%v, want\n%v", text, known, got, want)
		}
	}
}

// namePseudonymizers have no configured names, some, and each name
// source alone.
func namePseudonymizers(t testing.TB) []*Pseudonymizer {
	ps := []*Pseudonymizer{newTest(t, Options{}), fixedKeyPseudonymizer(t)}
	for _, src := range []nameSource{fromKnown, fromConfig, fromTitle, fromFirstName} {
		p := fixedKeyPseudonymizer(t)
		p.sources = src
		ps = append(ps, p)
	}
	return ps
}

// TestFindNamesGenerated compares findNames with findNamesPlain on every
// unit and value of a generated corpus and on the test sentences.
func TestFindNamesGenerated(t *testing.T) {
	ps := namePseudonymizers(t)
	rs, units := generated(t, 5000)
	for i, u := range units {
		var known []string
		if i%7 == 0 {
			known = speakers[(i/7)%len(speakers):]
		}
		checkFindNames(t, ps, u.Text, known)
	}
	for _, r := range rs {
		for _, v := range r.Closed {
			checkFindNames(t, ps, v, nil)
		}
		for _, v := range r.Attributes {
			checkFindNames(t, ps, v, nil)
		}
	}
	for _, s := range readSentences(t) {
		checkFindNames(t, ps, s.text, s.known)
	}
}

// nameVocabulary is what random texts are made of: names from every
// list, titles in several spellings, tussenvoegsels, stop words, places,
// ordinary words, and non-ASCII letters that change length when lowered.
func nameVocabulary() []string {
	v := []string{
		"mevrouw", "Mevrouw", "MEVROUW", "mevr.", "Mevr", "dhr.", "Dhr", "DHR", "mw.", "dr.", "Dr", "heer", "collega", "Collega",
		"cliënt", "CLIËNT", "client", "CLİENT", "cliënte", "juf", "Juf", "mrs", "Ms.", "miss", "prof.", "zus", "broer", "oom", "Oom", "tante",
		"t.n.v.", "T.N.V.", "t. n. v.", "tnv", "TNV", "ten name van", "Ten Name  van", "ten name\tvan", "v", "V", "van", "Van", "VAN",
		"de", "De", "der", "den", "ter", "ten", "te", "het", "'t", "in", "op", "von", "el", "El", "al", "da", "di", "du", "le", "la", "dos", "bin",
		"Kees", "KEES", "kees", "Sanne", "Fatima", "Mark", "Dan", "May", "Day", "Ben", "ben", "Roos", "roos", "Anne-Marie", "d'Hondt", "O’Brien",
		"Emma's", "Emma’s", "Jansen", "Vries", "Bakker", "Utrecht", "Amsterdam", "Oost", "jeugd", "Yolanda", "Dekker", "Bouchra", "Haddou",
		"Thijmen", "Oudshoorn", "Grietje", "Zandbergen", "Wietske", "Hoogland", "Reinout", "Heerde", "Pieter", "Amrani", "Berg-de", "Jong",
		"\u212aees", "İlknur", "ſanne", "Zoë", "Çelik", "Øyvind", "e\u0301e\u0301n", "Ab", "A", "B.", "J.", "a", "ik", "Ik", "mijn", "maar", "met",
		"dan", "de", "ook", "zijn", "werkdruk", "gesprekken", "12", "2024", "06-12345678", "Dr.", "MR", "mr", "Mr.", "Mw", "MS", "Miss",
		"teamleider", "Teamleider", "manager", "wethouder", "buurvrouw", "Buurman", "meneer", "Meneer", "MENEER", "Heer", "HEER",
	}
	for _, list := range []map[string]bool{firstNames, ambiguous, places, stopwords, titles, tussenvoegsels} {
		v = append(v, slices.Sorted(maps.Keys(list))...)
	}
	return v
}

var nameSeparators = []string{" ", " ", " ", " ", "  ", ". ", ", ", "\n", "\t", "\u00a0", ": ", " (", ") ", "-", "'", "’", "; ", "! ", " 3 ", "“", "”", "\xff", ""}

// TestFindNamesRandom compares findNames with findNamesPlain on random
// texts made of nameVocabulary, with random known names.
func TestFindNamesRandom(t *testing.T) {
	ps := namePseudonymizers(t)
	vocab := nameVocabulary()
	rng := rand.New(rand.NewPCG(3, 4))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(30) {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteString(nameSeparators[rng.IntN(len(nameSeparators))])
		}
		var known []string
		for range rng.IntN(3) {
			known = append(known, vocab[rng.IntN(len(vocab))]+" "+vocab[rng.IntN(len(vocab))])
		}
		checkFindNames(t, ps, b.String(), known)
	}
}

// FuzzFindNames compares findNames with findNamesPlain on any text.
func FuzzFindNames(f *testing.F) {
	for _, s := range []string{
		"Ik sprak mevrouw De Vries en collega Sanne.",
		"Betaald t.n.v. J. Jansen, ten name van Fatima; CLİENT Kees, \u212aees",
		"Mark het. Dan gaan we. May Day. Anne-Marie d'Hondt, Emma's moeder, O’Brien",
	} {
		f.Add(s, "Kees van der Berg")
	}
	ps := namePseudonymizers(f)
	f.Fuzz(func(t *testing.T, text, name string) {
		checkFindNames(t, ps, text, []string{name})
		checkFindNames(t, ps, text, nil)
	})
}

// TestNextDigit holds nextDigit's eight-byte test to a byte loop for
// every byte value at every place of a word, among random bytes.
func TestNextDigit(t *testing.T) {
	plain := func(s string, i int) int {
		for ; i < len(s); i++ {
			if '0' <= s[i] && s[i] <= '9' {
				return i
			}
		}
		return len(s)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 19)
	for c := range 256 {
		for pos := range buf {
			for range 20 {
				for i := range buf {
					buf[i] = byte(rng.IntN(256))
				}
				buf[pos] = byte(c)
				s := string(buf)
				for from := 0; from <= len(s); from++ {
					if got, want := nextDigit(s, from), plain(s, from); got != want {
						t.Fatalf("nextDigit(%q, %d) = %d, want %d", s, from, got, want)
					}
				}
			}
		}
	}
}
