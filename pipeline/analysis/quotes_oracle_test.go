package analysis

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// oracleQuotes chooses quotes the way quotes' doc comment says, from the
// whole input at once and with nothing of the model: every candidate of
// every code sorted, unquotable respondents dropped (a value pooled into a
// group too small to show, as groupBy pools), then one per respondent.
// Whether a code's count is shown is read from the tables' respondent-level
// prevalence, which other tests check.
func oracleQuotes(in Input, tb *Tables) []Quote {
	minCell := cmp.Or(max(in.MinCell, 0), 5)
	per := cmp.Or(max(in.QuotesPerCode, 0), 3)
	idx := map[string]int{}
	for i, c := range in.Codes {
		idx[c.ID] = i
	}
	closure := func(ids []string) map[string]bool {
		set := map[string]bool{}
		for _, id := range ids {
			for c, ok := id, true; ok && !set[c]; {
				if _, known := idx[c]; !known {
					break
				}
				set[c] = true
				c = in.Codes[idx[c]].Parent
				_, ok = idx[c]
			}
		}
		return set
	}
	type key struct{ source, id string }
	attrs := map[key]map[string]string{}
	for _, r := range in.Respondents {
		k := key{r.Source, r.ID}
		if _, dup := attrs[k]; !dup {
			attrs[k] = r.Attributes
		}
	}
	codings := map[string]*study.Coding{}
	for i := range in.Codings {
		if _, dup := codings[in.Codings[i].UnitID]; !dup {
			codings[in.Codings[i].UnitID] = &in.Codings[i]
		}
	}
	coded := map[key]bool{}
	for _, u := range in.Units {
		if !u.Context {
			coded[key{u.Source, u.Respondent}] = true
		}
	}
	quotable := map[key]bool{}
	for k := range coded {
		quotable[k] = true
	}
	other := "overig"
	if in.Language == "en" {
		other = "other"
	}
	for _, attr := range in.Attributes {
		count := map[string]int{}
		for k := range coded {
			if v := attrs[k][attr]; v != "" {
				count[v]++
			}
		}
		pooled := func(v string) bool { return count[v] < minCell || v == other }
		pool := 0
		for v, n := range count {
			if pooled(v) {
				pool += n
			}
		}
		for k := range coded {
			if v := attrs[k][attr]; v != "" && pooled(v) && pool < minCell {
				quotable[k] = false
			}
		}
	}
	type cand struct {
		order  int
		id     string
		resp   key
		good   bool
		hash   uint64
		shows  map[string]bool
		source string
	}
	var cands []cand
	for _, u := range in.Units {
		if u.Context {
			continue
		}
		c := cand{order: len(cands), id: u.ID, resp: key{u.Source, u.Respondent}, source: u.Source}
		n := utf8.RuneCountInString(u.Text)
		c.good = n >= 40 && n <= 300
		c.shows = map[string]bool{}
		if cd := codings[u.ID]; cd != nil {
			has := closure(cd.Codes)
			var shown []string
			for _, mt := range cd.Matches {
				if s := mt.Span; !mt.Negated && s.Start >= 0 && s.Start < s.End && s.End <= len(u.Text) {
					shown = append(shown, mt.Code)
				}
			}
			for c2 := range closure(shown) {
				if has[c2] {
					c.shows[c2] = true
				}
			}
		}
		cands = append(cands, c)
	}
	var out []Quote
	for _, code := range in.Codes {
		var row *Prevalence
		for i := range tb.Prevalence {
			if p := &tb.Prevalence[i]; p.Code == code.ID && p.Level == RespondentLevel && p.Wave == "" {
				row = p
			}
		}
		if row == nil || row.Suppressed || row.N == 0 {
			continue
		}
		var list []cand
		for _, c := range cands {
			if c.shows[code.ID] && quotable[c.resp] {
				c.hash = quoteHash(code.ID, c.id)
				list = append(list, c)
			}
		}
		slices.SortStableFunc(list, func(a, b cand) int {
			if a.good != b.good {
				if a.good {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.id, b.id), cmp.Compare(a.order, b.order))
		})
		used := map[key]bool{}
		for _, c := range list {
			if len(used) == per {
				break
			}
			if !used[c.resp] {
				used[c.resp] = true
				out = append(out, Quote{Code: code.ID, UnitID: c.id})
			}
		}
	}
	return out
}

// quoteInput is a study where the quotes depend on what streaming could get
// wrong: attributes with rare values whose pool is too small to show (so
// some of the best candidates are not quotable), respondents that are not
// listed, context units, hashes that tie only in tests of the picker, and
// sometimes more unquotable respondents than quotes.
func quoteInput(rng *rand.Rand) Input {
	codes := []CodeInfo{{ID: "werkdruk"}, {ID: "werkdruk.uren", Parent: "werkdruk"}, {ID: "keuze"}, {ID: "kwaliteit"}, {ID: "overig"}}
	in := Input{Study: "q", Language: []string{"nl", "en"}[rng.IntN(2)], Codes: codes,
		MinCell: 2 + rng.IntN(6), QuotesPerCode: rng.IntN(5) - 1,
		Attributes: []string{"sector", "regio"}}
	texts := []string{"Kort.", "Een antwoord dat lang genoeg is om als citaat in het rapport te staan, over werkdruk.",
		"Nog een antwoord van goede lengte over de keuzevrijheid van cliënten en de kwaliteit van zorg."}
	n := 20 + rng.IntN(120)
	for i := range n {
		r := study.Respondent{Source: "enquete", ID: fmt.Sprintf("R-%04x", rng.IntN(1<<16)), Attributes: map[string]string{}}
		switch v := rng.IntN(20); {
		case v < 2:
			r.Attributes["sector"] = fmt.Sprintf("zeldzaam%d", rng.IntN(4))
		case v < 3:
			r.Attributes["sector"] = "overig"
		case v < 19:
			r.Attributes["sector"] = []string{"jeugd", "wijk"}[v%2]
		}
		if rng.IntN(15) == 0 {
			r.Attributes["regio"] = fmt.Sprintf("eiland%d", rng.IntN(3))
		} else {
			r.Attributes["regio"] = "vasteland"
		}
		if i%11 != 5 {
			in.Respondents = append(in.Respondents, r)
		}
		for q := range 1 + rng.IntN(3) {
			u := study.Unit{Source: "enquete", Respondent: r.ID, Question: fmt.Sprintf("open%d", q), Text: texts[rng.IntN(len(texts))],
				Context: rng.IntN(15) == 0}
			u.ID = study.MakeUnitID(u)
			in.Units = append(in.Units, u)
			c := study.Coding{UnitID: u.ID}
			for range rng.IntN(4) {
				code := codes[rng.IntN(len(codes))].ID
				c.Codes = append(c.Codes, code)
				at := rng.IntN(len(u.Text))
				c.Matches = append(c.Matches, study.Match{Code: code, Span: study.Span{Start: at, End: at + 1 + rng.IntN(len(u.Text)-at+1)},
					Negated: rng.IntN(6) == 0})
			}
			in.Codings = append(in.Codings, c)
		}
	}
	return in
}

// Quotes are picked while the units stream past, before it is known which
// respondents may be quoted; they must be what choosing from everything at
// the end gives.
func TestStreamedQuotesMatchOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 11))
	unquotableLed := 0
	for round := range 400 {
		in := quoteInput(rng)
		tb := mustCompute(t, in)
		want := oracleQuotes(in, tb)
		var got []Quote
		for _, q := range tb.Quotes {
			got = append(got, Quote{Code: q.Code, UnitID: q.UnitID})
		}
		if !slices.EqualFunc(got, want, func(a, b Quote) bool { return a.Code == b.Code && a.UnitID == b.UnitID }) {
			t.Fatalf("round %d (min cell %d, %d per code):\ngot  %+v\nwant %+v", round, in.MinCell, in.QuotesPerCode, got, want)
		}
		// Count the rounds where the cap mattered: a pick of a picker
		// capped at the number of quotes would have been unquotable.
		m, err := newModel(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.picks {
			if len(p.picks) > m.quotesPerCode() {
				unquotableLed++
				break
			}
		}
	}
	if unquotableLed < 50 {
		t.Errorf("only %d rounds kept more candidates than quotes; the test proves less than it says", unquotableLed)
	}
}

// fnvMany continues several FNV-1a states at once, four, two and one at a
// time; each must be quoteHash.
func TestFnvManyIsQuoteHash(t *testing.T) {
	codes := []string{"werkdruk", "regeldruk", "a", "", "werkdruk.uren", "x", "yz"}
	for _, id := range []string{"", "odd", "enquete/R-1/open1", "interviews/i01.txt/t0003"} {
		for n := range len(codes) + 1 {
			hs := make([]uint64, n)
			for k := range n {
				hs[k] = quoteHashCode(codes[k])
			}
			fnvMany(hs, id)
			for k := range n {
				if want := quoteHash(codes[k], id); hs[k] != want {
					t.Errorf("%d states, code %q, ID %q: %#x, want %#x", n, codes[k], id, hs[k], want)
				}
			}
		}
	}
}
