package analysis

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// gatedCorpus is Input's slices as a Corpus whose Respondents start only
// after Units has delivered `after` non-context units (or, with after < 0,
// whose Units start only after Respondents returned), so newModel's units
// arrive before, around or after its respondents.
type gatedCorpus struct {
	sliceCorpus
	after   int
	gate    chan struct{} // closed when Respondents may start (after >= 0) or has returned (after < 0)
	respErr error
}

func newGatedCorpus(in *Input, after int) *gatedCorpus {
	return &gatedCorpus{sliceCorpus: sliceCorpus{in}, after: after, gate: make(chan struct{})}
}

func (g *gatedCorpus) Respondents(fn func(study.Respondent) error) error {
	if g.after >= 0 {
		<-g.gate
	} else {
		defer close(g.gate)
	}
	if g.respErr != nil {
		return g.respErr
	}
	return g.sliceCorpus.Respondents(fn)
}

func (g *gatedCorpus) Units(fn func(study.Unit, *study.Coding) error) error {
	if g.after < 0 {
		<-g.gate
	}
	n, opened := 0, g.after < 0
	open := func() {
		if !opened {
			opened = true
			close(g.gate)
		}
	}
	defer open()
	return g.sliceCorpus.Units(func(u study.Unit, c *study.Coding) error {
		if !u.Context {
			if n == g.after {
				open()
			}
			n++
		}
		return fn(u, c)
	})
}

// withUnlistedRespondents is standardSpecs' input plus units of
// respondents the respondent list lacks (counted without attributes, as
// their own respondents), a listed respondent listed twice (the first
// wins), weights, and a context unit.
func withUnlistedRespondents() Input {
	specs := standardSpecs()
	for i := range specs {
		specs[i].weight = 0.5 + float64(i%4)/2
	}
	in := buildInput(specs)
	dup := in.Respondents[3]
	dup.Attributes = map[string]string{"sector": "politie"}
	in.Respondents = append(in.Respondents, dup)
	for i := range 7 {
		u := study.Unit{Source: "enquete", Respondent: fmt.Sprintf("x%02d", i%5), Question: fmt.Sprintf("open%d", i),
			Text: "Een antwoord over werkdruk en regels, lang genoeg om geciteerd te worden door de analyse."}
		u.ID = study.MakeUnitID(u)
		// Interleaved with the listed respondents' units, so some come
		// before the respondents are read and some after.
		at := 6 * i
		in.Units = append(in.Units[:at], append([]study.Unit{u}, in.Units[at:]...)...)
		in.Codings = append(in.Codings, study.Coding{UnitID: u.ID, Codes: []string{"werkdruk", "regeldruk"},
			Matches: []study.Match{{Code: "werkdruk", Term: "werkdruk", Span: study.Span{Start: 15, End: 23}}}})
	}
	in.Units = append(in.Units, study.Unit{ID: "enquete/ctx", Source: "enquete", Respondent: "x99", Context: true, Text: "context"})
	return in
}

func TestModelSameWhateverTheRespondentsTiming(t *testing.T) {
	base := withUnlistedRespondents()
	compute := func(after int) *Tables {
		in := base
		in.Corpus = newGatedCorpus(&in, after)
		return mustCompute(t, in)
	}
	first := compute(-1) // every respondent read before the first unit
	if got := prevalenceOf(first, "regeldruk", RespondentLevel).Total; got != 43+5 {
		t.Fatalf("respondents counted: %d, want 48 (43 listed, 5 only in units)", got)
	}
	for _, after := range []int{0, 1, 10, 30, len(base.Units)} {
		if got := compute(after); !reflect.DeepEqual(got, first) {
			t.Errorf("respondents read after %d units: tables differ from reading them first\n got %+v\nwant %+v", after, got, first)
		}
	}
}

func TestModelRespondentsError(t *testing.T) {
	for _, after := range []int{-1, 0, 5, 1000} {
		in := withUnlistedRespondents()
		g := newGatedCorpus(&in, after)
		g.respErr = errors.New("respondents table unreadable")
		in.Corpus = g
		if _, err := Compute(in); !errors.Is(err, g.respErr) {
			t.Errorf("after %d units: err = %v, want the respondents' error", after, err)
		}
	}
}

// goodLength decides most lengths from the bytes alone; it must agree
// with counting code points as ranging over the text does, also for
// multi-byte and invalid UTF-8.
func TestGoodLengthCountsCodePoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	pieces := []string{"a", "ë", "€", "😀", "\xff", "\xe2\x82", " "}
	for range 20000 {
		var b strings.Builder
		n := rng.IntN(1300)
		for b.Len() < n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		runes := utf8.RuneCountInString(text)
		if got, want := goodLength(text), runes >= 40 && runes <= 300; got != want {
			t.Fatalf("goodLength of %d bytes, %d code points = %v, want %v", len(text), runes, got, want)
		}
	}
}

// Respondents of two sources share their IDs; a unit read before the
// respondents must still find its own source's respondent once they are.
func TestPendingRespondentsKeepTheirSource(t *testing.T) {
	base := withUnlistedRespondents()
	in := base
	in.Respondents = slices.Clone(base.Respondents)
	in.Units = slices.Clone(base.Units)
	in.Codings = slices.Clone(base.Codings)
	codings := map[string]study.Coding{}
	for _, c := range base.Codings {
		codings[c.UnitID] = c
	}
	for i, r := range base.Respondents {
		r.Source = "tweede"
		if i%2 == 0 {
			r.Attributes = map[string]string{"sector": "tweede-sector"}
		}
		in.Respondents = append(in.Respondents, r)
	}
	for _, u := range base.Units {
		c, coded := codings[u.ID]
		u.Source = "tweede"
		u.ID = "tweede/" + u.ID
		in.Units = append(in.Units, u)
		if coded {
			c.UnitID = u.ID
			c.Codes = c.Codes[:min(1, len(c.Codes))] // so the sources' code sets differ
			in.Codings = append(in.Codings, c)
		}
	}
	compute := func(after int) *Tables {
		in := in
		in.Corpus = newGatedCorpus(&in, after)
		return mustCompute(t, in)
	}
	first := compute(-1)
	if n := len(first.Sources); n != 2 {
		t.Fatalf("%d sources, want 2", n)
	}
	for _, after := range []int{0, 7, len(base.Units), len(in.Units)} {
		if got := compute(after); !reflect.DeepEqual(got, first) {
			t.Errorf("respondents read after %d units: tables differ from reading them first", after)
		}
	}
}
