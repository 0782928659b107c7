package analysis

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/analysis/stats"
	"github.com/veldstem/veldstem/pipeline/study"
	"gonum.org/v1/gonum/stat/distuv"
)

// twoSectors: zorg 16 of 30 with werkdruk, onderwijs 6 of 30; regeldruk
// 15 of 30 in both. Every count and complement is at least 5.
func twoSectors() []respondentSpec {
	var specs []respondentSpec
	for i := range 30 {
		z := respondentSpec{id: fmt.Sprintf("z%02d", i), sector: "zorg", wave: "2024", likert: 1 + i%5}
		o := respondentSpec{id: fmt.Sprintf("o%02d", i), sector: "onderwijs", wave: "2025", likert: 1 + (i*3)%5}
		if i < 16 {
			z.codes = append(z.codes, "werkdruk")
		}
		if i < 6 {
			o.codes = append(o.codes, "werkdruk")
		}
		if i%2 == 0 {
			z.codes = append(z.codes, "regeldruk")
			o.codes = append(o.codes, "regeldruk")
		}
		specs = append(specs, z, o)
	}
	return specs
}

func mustCompute(t *testing.T, in Input) *Tables {
	t.Helper()
	tb, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	assertFinite(t, tb)
	return tb
}

func TestPrevalence(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	t.Run("respondent-level werkdruk is 22 of 60 with a Wilson interval", func(t *testing.T) {
		p := prevalenceOf(tb, "werkdruk", RespondentLevel)
		lo, hi := stats.Wilson(22.0/60, 60)
		if p.N != 22 || p.Total != 60 || p.Suppressed || math.Abs(p.Pct-100*22.0/60) > 1e-9 ||
			math.Abs(p.CILow-100*lo) > 1e-9 || math.Abs(p.CIHigh-100*hi) > 1e-9 || p.NEff != 60 {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("a code nobody got is 0 of 60 and shown, since zeros are safe", func(t *testing.T) {
		p := prevalenceOf(tb, "niemand", RespondentLevel)
		if p.N != 0 || p.Total != 60 || p.Suppressed || p.Pct != 0 {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("prevalence lists every code at respondent level, then at unit level", func(t *testing.T) {
		if len(tb.Prevalence) != 2*len(testCodes) || tb.Prevalence[0].Level != RespondentLevel || tb.Prevalence[len(testCodes)].Level != UnitLevel {
			t.Errorf("got %d rows", len(tb.Prevalence))
		}
	})

	in := buildInput(twoSectors())
	// A child code listed without its parent still counts for the parent.
	in.Codings[0].Codes = []string{"regeldruk", "werkdruk.uren"}
	// A context turn carrying a code, and a respondent with only context.
	in.Respondents = append(in.Respondents, study.Respondent{ID: "int", Source: "enquete"})
	in.Units = append(in.Units, study.Unit{ID: "ctx", Source: "enquete", Respondent: "int", Context: true, Text: "werkdruk?"})
	in.Codings = append(in.Codings, study.Coding{UnitID: "ctx", Codes: []string{"regeldruk"}})
	tb2 := mustCompute(t, in)
	t.Run("a child code rolls up to its parent even when the coding omits it", func(t *testing.T) {
		if p := prevalenceOf(tb2, "werkdruk.uren", RespondentLevel); p.N != 0 {
			// one carrier is below MinCell: suppressed, so N reads 0
			if !p.Suppressed {
				t.Errorf("1 carrier must be suppressed, got %+v", p)
			}
		}
		if p := prevalenceOf(tb2, "werkdruk", RespondentLevel); p.N != 22 {
			t.Errorf("werkdruk N = %d, want 22 (unit 0 still has it via its child)", p.N)
		}
	})
	t.Run("context units and respondents with only context are never counted", func(t *testing.T) {
		p := prevalenceOf(tb2, "regeldruk", RespondentLevel)
		if p.Total != 60 || p.N != 30 {
			t.Errorf("got %+v", p)
		}
		if u := prevalenceOf(tb2, "regeldruk", UnitLevel); u.Total != 60 {
			t.Errorf("unit total %d, want 60", u.Total)
		}
	})
}

func TestWeights(t *testing.T) {
	specs := twoSectors()
	for i := range specs {
		specs[i].weight = 1
		if specs[i].sector == "zorg" {
			specs[i].weight = 2
		}
	}
	tb := mustCompute(t, buildInput(specs))
	p := prevalenceOf(tb, "werkdruk", RespondentLevel)
	t.Run("the weighted percent counts zorg twice", func(t *testing.T) {
		want := 100 * (16*2 + 6*1) / (30*2 + 30*1.0)
		if math.Abs(p.Pct-want) > 1e-9 || p.N != 22 {
			t.Errorf("pct %v, want %v (N %d)", p.Pct, want, p.N)
		}
	})
	t.Run("the interval uses Kish's effective sample size", func(t *testing.T) {
		neff := stats.KishESS(append(repeat(2, 30), repeat(1, 30)...))
		lo, _ := stats.Wilson(p.Pct/100, neff)
		if math.Abs(p.NEff-neff) > 1e-9 || math.Abs(p.CILow-100*lo) > 1e-9 {
			t.Errorf("neff %v want %v; low %v want %v", p.NEff, neff, p.CILow, 100*lo)
		}
	})
}

func repeat(x float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = x
	}
	return out
}

func TestBreakdown(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	if len(tb.Breakdowns) != 1 {
		t.Fatalf("got %d breakdowns", len(tb.Breakdowns))
	}
	b := tb.Breakdowns[0]
	t.Run("groups are sorted with their sizes", func(t *testing.T) {
		if !reflect.DeepEqual(b.Groups, []string{"onderwijs", "zorg"}) || !reflect.DeepEqual(b.GroupN, []int{30, 30}) {
			t.Errorf("groups %v sizes %v", b.Groups, b.GroupN)
		}
	})
	t.Run("cells carry column percent of their group", func(t *testing.T) {
		c, _ := cellOf(b, "werkdruk", "zorg")
		if c.N != 16 || c.Total != 30 || math.Abs(c.Pct-100*16.0/30) > 1e-9 || c.Suppressed {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("the chi-square test matches the hand computation", func(t *testing.T) {
		// Expected 11 yes and 19 no per group: X² = 2·25/11 + 2·25/19.
		want := 50.0/11 + 50.0/19
		tst := testOf(b, "werkdruk")
		p := distuv.ChiSquared{K: 1}.Survival(want)
		if !tst.Valid || tst.Method != "chi2" || tst.DF != 1 || math.Abs(tst.Chi2-want) > 1e-9 || math.Abs(tst.P-p) > 1e-12 {
			t.Errorf("got %+v, want chi2 %v p %v", tst, want, p)
		}
		if math.Abs(tst.CramersV-math.Sqrt(want/60)) > 1e-9 {
			t.Errorf("V = %v", tst.CramersV)
		}
	})
	t.Run("BH adjusts across the valid tests of the attribute", func(t *testing.T) {
		w, r := testOf(b, "werkdruk"), testOf(b, "regeldruk")
		adj := stats.BenjaminiHochberg([]float64{w.P, r.P})
		if math.Abs(w.PAdj-adj[0]) > 1e-12 || math.Abs(r.PAdj-adj[1]) > 1e-12 {
			t.Errorf("padj %v %v, want %v", w.PAdj, r.PAdj, adj)
		}
	})
	t.Run("a code nobody got is not tested and reads p=1", func(t *testing.T) {
		tst := testOf(b, "niemand")
		if tst.Valid || tst.P != 1 || tst.PAdj != 1 || tst.Chi2 != 0 {
			t.Errorf("got %+v", tst)
		}
	})
	t.Run("a small 2x2 table is tested with Fisher's exact test", func(t *testing.T) {
		specs := twoSectors()[:20] // 10 per group
		tb := mustCompute(t, buildInput(specs))
		tst := testOf(tb.Breakdowns[0], "werkdruk")
		// zorg 10 of 10, onderwijs 6 of 10.
		want := stats.FisherExact2x2(6, 10, 4, 0)
		if tst.Method != "fisher" || math.Abs(tst.P-want) > 1e-12 {
			t.Errorf("got %+v, want fisher p %v", tst, want)
		}
	})
	t.Run("one group makes every test invalid", func(t *testing.T) {
		var specs []respondentSpec
		for _, s := range twoSectors() {
			if s.sector == "zorg" {
				specs = append(specs, s)
			}
		}
		tb := mustCompute(t, buildInput(specs))
		for _, tst := range tb.Breakdowns[0].Tests {
			if tst.Valid || tst.P != 1 {
				t.Errorf("got %+v", tst)
			}
		}
	})
}

func TestSuppressionInCompute(t *testing.T) {
	tb := mustCompute(t, buildInput(standardSpecs()))
	b := tb.Breakdowns[0]
	t.Run("a group smaller than MinCell is not shown", func(t *testing.T) {
		if !reflect.DeepEqual(b.Groups, []string{"onderwijs", "zorg"}) {
			t.Errorf("groups %v", b.Groups)
		}
	})
	t.Run("suppressed cells show neither count nor percent", func(t *testing.T) {
		c, _ := cellOf(b, "werkdruk", "onderwijs") // 4 of 20
		if !c.Suppressed || c.N != 0 || c.Pct != 0 || c.CILow != 0 || c.CIHigh != 0 {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("a cell whose complement is small is suppressed", func(t *testing.T) {
		c, _ := cellOf(b, "werkdruk", "zorg") // 16 of 20: 4 without
		if !c.Suppressed {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("the hidden small group's count is protected by a second suppression", func(t *testing.T) {
		// regeldruk: 10 + 10 shown would reveal politie's 3 from the total 23.
		a, _ := cellOf(b, "regeldruk", "onderwijs")
		z, _ := cellOf(b, "regeldruk", "zorg")
		if !a.Suppressed && !z.Suppressed {
			t.Errorf("both regeldruk cells shown: %+v %+v", a, z)
		}
	})
	t.Run("pooled-away respondents are never quoted", func(t *testing.T) {
		for _, q := range tb.Quotes {
			if strings.Contains(q.UnitID, "/p0") {
				t.Errorf("quote from politie: %+v", q)
			}
		}
	})
	t.Run("respondent-level figures below MinCell are suppressed", func(t *testing.T) {
		in := buildInput(standardSpecs())
		in.MinCell = 30
		tb := mustCompute(t, in)
		p := prevalenceOf(tb, "werkdruk", RespondentLevel) // 20 of 43
		if !p.Suppressed || p.N != 0 || p.Pct != 0 {
			t.Errorf("got %+v", p)
		}
		for _, q := range tb.Quotes {
			if q.Code == "werkdruk" {
				t.Errorf("quote for a suppressed code: %+v", q)
			}
		}
	})
}

func TestCooccurrence(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	t.Run("every pair appears once in codebook order", func(t *testing.T) {
		n := len(testCodes)
		if len(tb.Cooccurrence) != n*(n-1)/2 || tb.Cooccurrence[0].CodeA != "werkdruk" || tb.Cooccurrence[0].CodeB != "werkdruk.uren" {
			t.Errorf("got %+v", tb.Cooccurrence)
		}
	})
	t.Run("werkdruk and regeldruk share 11 respondents, Jaccard 11/41", func(t *testing.T) {
		// zorg i<16 and even: 8; onderwijs i<6 and even: 3; union 22+30-11.
		for _, c := range tb.Cooccurrence {
			if c.CodeA == "werkdruk" && c.CodeB == "regeldruk" {
				if c.N != 11 || math.Abs(c.Jaccard-11.0/41) > 1e-12 || c.Suppressed {
					t.Errorf("got %+v", c)
				}
				return
			}
		}
		t.Error("pair missing")
	})
}

func TestLikert(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	if len(tb.Likert) != 1 {
		t.Fatalf("got %d items", len(tb.Likert))
	}
	it := tb.Likert[0]
	t.Run("answers 1..5 are spread evenly, 12 per point", func(t *testing.T) {
		if !reflect.DeepEqual(it.Counts, []int{12, 12, 12, 12, 12}) || it.N != 60 || it.Median != 3 {
			t.Errorf("got %+v", it)
		}
	})
	t.Run("agree is the top-two box, 24 of 60", func(t *testing.T) {
		lo, _ := stats.Wilson(0.4, 60)
		if math.Abs(it.AgreePct-40) > 1e-9 || math.Abs(it.CILow-100*lo) > 1e-9 {
			t.Errorf("got %+v", it)
		}
	})
	t.Run("every attribute group gets a summary", func(t *testing.T) {
		if len(it.By) != 2 || it.By[0].Group != "onderwijs" || it.By[0].N != 30 || it.By[0].Suppressed {
			t.Errorf("got %+v", it.By)
		}
	})
}

func TestWaves(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	t.Run("waves are sorted and prevalence is given per wave", func(t *testing.T) {
		if !reflect.DeepEqual(tb.Waves, []string{"2024", "2025"}) || len(tb.WavePrev) != 2*len(testCodes) {
			t.Errorf("waves %v, %d rows", tb.Waves, len(tb.WavePrev))
		}
	})
	t.Run("the change carries Newcombe's interval", func(t *testing.T) {
		for _, c := range tb.WaveChanges {
			if c.Code != "werkdruk" {
				continue
			}
			d, lo, hi := stats.NewcombeDiff(16.0/30, 30, 6.0/30, 30)
			if c.From != "2024" || c.To != "2025" || math.Abs(c.Diff-100*d) > 1e-9 || math.Abs(c.CILow-100*lo) > 1e-9 || math.Abs(c.CIHigh-100*hi) > 1e-9 {
				t.Errorf("got %+v", c)
			}
			return
		}
		t.Error("no werkdruk change")
	})
	t.Run("one wave gives no wave tables", func(t *testing.T) {
		specs := twoSectors()
		for i := range specs {
			specs[i].wave = "2025"
		}
		tb := mustCompute(t, buildInput(specs))
		if len(tb.Waves)+len(tb.WavePrev)+len(tb.WaveChanges) != 0 {
			t.Errorf("got %v", tb.Waves)
		}
	})
}

func TestQuotesAndFindings(t *testing.T) {
	tb := mustCompute(t, buildInput(twoSectors()))
	t.Run("at most three quotes per code, each with the matched span", func(t *testing.T) {
		per := map[string]int{}
		for _, q := range tb.Quotes {
			per[q.Code]++
			if len(q.Spans) == 0 || q.Text[q.Spans[0].Start:q.Spans[0].End] != "druk" {
				t.Errorf("bad spans %+v", q)
			}
		}
		if per["werkdruk"] != 3 || per["niemand"] != 0 {
			t.Errorf("got %v", per)
		}
	})
	t.Run("negated matches do not make a quote", func(t *testing.T) {
		in := buildInput(twoSectors())
		for i := range in.Codings {
			for j := range in.Codings[i].Matches {
				in.Codings[i].Matches[j].Negated = true
			}
		}
		if tb := mustCompute(t, in); len(tb.Quotes) != 0 {
			t.Errorf("got %d quotes", len(tb.Quotes))
		}
	})
	t.Run("findings are 3 to 6 Dutch sentences naming the significant difference", func(t *testing.T) {
		if len(tb.Findings) < 3 || len(tb.Findings) > 6 {
			t.Fatalf("got %d: %q", len(tb.Findings), tb.Findings)
		}
		all := strings.Join(tb.Findings, " ")
		for _, want := range []string{"60 respondenten", "Werkdruk verschilt naar sector", "het hoogst bij zorg (53%)", "daalde"} {
			if !strings.Contains(all, want) {
				t.Errorf("findings lack %q: %q", want, tb.Findings)
			}
		}
	})
	t.Run("English studies get English findings", func(t *testing.T) {
		in := buildInput(twoSectors())
		in.Language = "en"
		all := strings.Join(mustCompute(t, in).Findings, " ")
		if !strings.Contains(all, "Workload differs by sector") {
			t.Errorf("got %q", all)
		}
	})
}

func TestEdgeCases(t *testing.T) {
	cases := []struct {
		name string
		in   Input
	}{
		{"empty input gives empty tables", Input{}},
		{"a codebook without respondents gives zero prevalence", Input{Codes: testCodes, Attributes: []string{"sector"}}},
		{"respondents without attribute values give a breakdown with no groups", func() Input {
			specs := twoSectors()
			for i := range specs {
				specs[i].sector = ""
			}
			return buildInput(specs)
		}()},
		{"a unit whose respondent is unknown still counts", func() Input {
			in := buildInput(twoSectors())
			in.Respondents = in.Respondents[1:]
			return in
		}()},
		{"all weights and Likert values out of range are harmless", func() Input {
			in := buildInput(twoSectors())
			for i := range in.Respondents {
				in.Respondents[i].Weight = math.Inf(1)
				in.Respondents[i].Likert["q1"] = 99
			}
			return in
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustCompute(t, c.in)
		})
	}
	t.Run("a code listed twice in the codebook is an error naming it", func(t *testing.T) {
		_, err := Compute(Input{Codes: []CodeInfo{{ID: "a"}, {ID: "a"}}})
		if err == nil || !strings.Contains(err.Error(), `"a"`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the unknown-respondent unit is counted in the denominator", func(t *testing.T) {
		in := buildInput(twoSectors())
		in.Respondents = in.Respondents[1:]
		if p := prevalenceOf(mustCompute(t, in), "werkdruk", RespondentLevel); p.Total != 60 {
			t.Errorf("total %d", p.Total)
		}
	})
}

func TestDeterminism(t *testing.T) {
	in := buildInput(standardSpecs())
	in.Gold = map[string][]string{in.Units[0].ID: {"regeldruk"}, in.Units[1].ID: {"werkdruk"}}
	a := mustCompute(t, in)
	t.Run("computing twice gives deeply equal tables", func(t *testing.T) {
		if b := mustCompute(t, in); !reflect.DeepEqual(a, b) {
			t.Error("tables differ between runs")
		}
	})
	t.Run("input order does not change the tables", func(t *testing.T) {
		rev := in
		rev.Respondents = reversed(in.Respondents)
		rev.Units = reversed(in.Units)
		rev.Codings = reversed(in.Codings)
		if b := mustCompute(t, rev); !reflect.DeepEqual(a, b) {
			t.Error("tables depend on input order")
		}
	})
}

func reversed[T any](xs []T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

func TestATestBesideAHiddenCountShowsNoExactStatistic(t *testing.T) {
	tb := mustCompute(t, buildInput(standardSpecs()))
	b := tb.Breakdowns[0]
	for _, tst := range b.Tests {
		hidden := false
		for _, c := range b.Cells {
			hidden = hidden || (c.Code == tst.Code && c.Suppressed)
		}
		t.Run(tst.Code, func(t *testing.T) {
			if !tst.Valid {
				return
			}
			if hidden && (!tst.Masked || tst.Chi2 != 0 || tst.CramersV != 0) {
				t.Errorf("row with a hidden count keeps its statistic: %+v", tst)
			}
			if !hidden && tst.Masked {
				t.Errorf("row without hidden counts is masked: %+v", tst)
			}
		})
	}
	// werkdruk has a hidden cell in standardSpecs (4 of 20 in onderwijs).
	masked := false
	for _, tst := range b.Tests {
		masked = masked || (tst.Code == "werkdruk" && tst.Masked)
	}
	if !masked {
		t.Error("werkdruk's test is not masked")
	}
}

func TestPBandNamesTheBandAPValueFallsIn(t *testing.T) {
	for p, want := range map[float64]string{0.0004: "<0.001", 0.004: "<0.01", 0.04: "<0.05", 0.05: "≥0.05", 0.7: "≥0.05"} {
		if got := PBand(p); got != want {
			t.Errorf("PBand(%v) = %q, want %q", p, got, want)
		}
	}
}

// Compute promises valid tables for any input without duplicate codes; a
// codebook without codes used to panic once a breakdown had a group.
func TestNoCodesStillBreaksDown(t *testing.T) {
	in := buildInput(twoSectors())
	in.Codes = nil
	tb := mustCompute(t, in)
	if len(tb.Breakdowns) != 1 || len(tb.Breakdowns[0].Groups) != 2 || len(tb.Breakdowns[0].Cells) != 0 || len(tb.Prevalence) != 0 {
		t.Errorf("got %+v", tb.Breakdowns)
	}
}
