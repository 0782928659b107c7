package analysis

import (
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// factCorpus hands Compute its units' facts (FactCorpus), as a rerun does
// from its cache, with slices it overwrites after each call so a fact
// kept past its call would show in the tables. It refuses Units.
type factCorpus struct {
	Corpus
	t *testing.T
}

func (c factCorpus) Units(func(study.Unit, *study.Coding) error) error {
	c.t.Error("Compute read the units of a FactCorpus")
	return nil
}

func (c factCorpus) UnitFacts(fn func(*UnitFact) error) error {
	codes := make([]string, 0, 16)
	return c.Corpus.Units(func(u study.Unit, cd *study.Coding) error {
		f := FactOf(u, cd, nil)
		if f.Codes != nil {
			codes = append(codes[:0], f.Codes...)
			f.Codes = codes
		}
		err := fn(&f)
		for i := range codes {
			codes[i] = "overwritten"
		}
		for i := range f.Shown {
			f.Shown[i] = "overwritten"
		}
		return err
	})
}

// Compute gives the same tables, number for number, whether it reads the
// units or their facts, gold comparison included.
func TestFactsGiveTheUnitsTables(t *testing.T) {
	inputs := map[string]Input{
		"bench weighted":   benchInput(1000, true),
		"bench unweighted": benchInput(1000, false),
	}
	gold := withUnlistedRespondents()
	gold.Corpus = sliceCorpus{&gold}
	gold.Gold, gold.Second = map[string][]string{}, map[string][]string{}
	for i, u := range gold.Units {
		if i%3 == 0 {
			gold.Gold[u.ID] = []string{"werkdruk"}
			gold.Second[u.ID] = []string{"werkdruk", "regeldruk"}
		}
	}
	inputs["gold"] = gold
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			want := tablesDigest(t, mustCompute(t, in))
			in.Corpus = factCorpus{in.Corpus, t}
			if got := tablesDigest(t, mustCompute(t, in)); got != want {
				t.Errorf("tables from facts differ from the tables from units")
			}
		})
	}
}

func TestFactOf(t *testing.T) {
	u := study.Unit{ID: "s/r/q", Source: "s", Respondent: "r", Question: "q", Text: "werkdruk en regels"}
	c := &study.Coding{Codes: []string{"werkdruk", "regels"}, Matches: []study.Match{
		{Code: "werkdruk", Span: study.Span{Start: 0, End: 8}},
		{Code: "werkdruk", Span: study.Span{Start: 0, End: 8}},
		{Code: "regels", Span: study.Span{Start: 12, End: 18}, Negated: true},
		{Code: "x", Span: study.Span{Start: 12, End: 19}},
		{Code: "y", Span: study.Span{Start: 5, End: 5}},
		{Code: "z", Span: study.Span{Start: -1, End: 5}},
		{Code: "regels", Span: study.Span{Start: 12, End: 18}},
	}}
	f := FactOf(u, c, nil)
	if len(f.Shown) != 2 || f.Shown[0] != "werkdruk" || f.Shown[1] != "regels" {
		t.Errorf("Shown = %q, want [werkdruk regels]: negated, empty and out-of-text spans are not shown", f.Shown)
	}
	if !f.Survey || f.Good || f.Context || len(f.Codes) != 2 {
		t.Errorf("fact = %+v", f)
	}
	if f := FactOf(study.Unit{Speaker: "R", Text: "kort"}, nil, nil); f.Survey || f.Codes != nil || len(f.Shown) != 0 {
		t.Errorf("uncoded transcript unit: %+v", f)
	}
}
