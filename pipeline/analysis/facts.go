package analysis

import (
	"slices"

	"github.com/veldstem/veldstem/pipeline/study"
)

// UnitFact is all Compute reads of a unit and its coding on its pass over
// the units: no text and no match spans. A rerun can keep the facts of an
// unchanged input file and hand them over again (FactCorpus) instead of
// reading every unit's text and matches back from the store, which was
// the longest step of a rerun with a few new responses.
type UnitFact struct {
	ID, Source, Respondent string
	// Context units are never counted.
	Context bool
	// Survey is set for an answer to a survey question (Unit.Question).
	Survey bool
	// Good says the text has a length worth quoting.
	Good bool
	// Codes are the coding's codes; nil without a coding.
	Codes []string
	// Shown are the codes of the coding's matches that a quote can show:
	// not negated, with a span inside the text. In match order, each once.
	Shown []string
}

// FactOf reduces u and its coding c (nil when it has none) to its fact.
// Shown is appended to shown[:0], so a caller can reuse one slice; Codes is
// c's own slice.
func FactOf(u study.Unit, c *study.Coding, shown []string) UnitFact {
	f := UnitFact{ID: u.ID, Source: u.Source, Respondent: u.Respondent, Context: u.Context,
		Survey: u.Question != "", Good: goodLength(u.Text), Shown: shown[:0]}
	if c == nil {
		return f
	}
	f.Codes = c.Codes
	for _, mt := range c.Matches {
		if s := mt.Span; mt.Negated || s.Start < 0 || s.Start >= s.End || s.End > len(u.Text) {
			continue
		}
		if !slices.Contains(f.Shown, mt.Code) {
			f.Shown = append(f.Shown, mt.Code)
		}
	}
	return f
}

// FactCorpus is a Corpus that can hand Compute the units' facts, in the
// order Units would give the units, instead of the units themselves.
// Compute then never calls Units.
type FactCorpus interface {
	Corpus
	// UnitFacts calls fn with every unit's fact, context units included.
	// fn keeps none of the fact's slices, only its strings.
	UnitFacts(fn func(*UnitFact) error) error
}

// eachFact calls fn with the facts of c's units, from UnitFacts when c has
// it, else from its units.
func eachFact(c Corpus, fn func(*UnitFact) error) error {
	if fc, ok := c.(FactCorpus); ok {
		return fc.UnitFacts(fn)
	}
	var shown []string
	return c.Units(func(u study.Unit, cd *study.Coding) error {
		f := FactOf(u, cd, shown)
		shown = f.Shown
		return fn(&f)
	})
}
