package stats

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6g, want %.6g (±%g)", what, got, want, tol)
	}
}

func TestWilsonMatchesNewcombe1998(t *testing.T) {
	// Newcombe RG (1998) "Two-sided confidence intervals for the single
	// proportion: comparison of seven methods", Stat Med 17:857-872,
	// Table I, method 3 (score without continuity correction). The 81/263
	// example is also the worked example on Wikipedia's "Binomial
	// proportion confidence interval" page.
	cases := []struct {
		name   string
		x, n   float64
		lo, hi float64
	}{
		{"81 of 263 gives 0.2553 to 0.3662", 81, 263, 0.2553, 0.3662},
		{"15 of 148 gives 0.0624 to 0.1605", 15, 148, 0.0624, 0.1605},
		{"0 of 20 gives 0 to 0.1611", 0, 20, 0, 0.1611},
		{"1 of 29 gives 0.0061 to 0.1718", 1, 29, 0.0061, 0.1718},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lo, hi := Wilson(c.x/c.n, c.n)
			near(t, "lower", lo, c.lo, 6e-5)
			near(t, "upper", hi, c.hi, 6e-5)
		})
	}
	t.Run("an empty sample gives the uninformative interval 0 to 1", func(t *testing.T) {
		lo, hi := Wilson(0, 0)
		if lo != 0 || hi != 1 {
			t.Errorf("got [%v, %v]", lo, hi)
		}
	})
	t.Run("a NaN proportion never yields NaN bounds", func(t *testing.T) {
		lo, hi := Wilson(math.NaN(), 10)
		if math.IsNaN(lo) || math.IsNaN(hi) {
			t.Errorf("got [%v, %v]", lo, hi)
		}
	})
}

func TestNewcombeDiffMatchesNewcombe1998TableII(t *testing.T) {
	// Newcombe RG (1998) "Interval estimation for the difference between
	// independent proportions: comparison of eleven methods", Stat Med
	// 17:873-890, Table II, method 10 (hybrid score, no correction).
	// The paper reports p1-p2 for x1/n1 versus x2/n2; NewcombeDiff takes
	// (p1, n1, p2, n2) and returns p2-p1, so the groups are swapped here.
	cases := []struct {
		name           string
		x1, n1, x2, n2 float64
		lo, hi         float64
	}{
		{"56/70 versus 48/80 gives 0.0524 to 0.3339", 56, 70, 48, 80, 0.0524, 0.3339},
		{"9/10 versus 3/10 gives 0.1705 to 0.8090", 9, 10, 3, 10, 0.1705, 0.8090},
		{"5/56 versus 0/29 gives -0.0381 to 0.1926", 5, 56, 0, 29, -0.0381, 0.1926},
		{"0/10 versus 0/20 gives -0.1611 to 0.2775", 0, 10, 0, 20, -0.1611, 0.2775},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, lo, hi := NewcombeDiff(c.x2/c.n2, c.n2, c.x1/c.n1, c.n1)
			near(t, "difference", d, c.x1/c.n1-c.x2/c.n2, 1e-12)
			near(t, "lower", lo, c.lo, 6e-5)
			near(t, "upper", hi, c.hi, 6e-5)
		})
	}
}

func TestChiSquareMatchesAgresti(t *testing.T) {
	// Agresti A (2007) An Introduction to Categorical Data Analysis, 2nd
	// ed., Table 2.5 (party identification by gender, GSS): X² = 30.07 on
	// 2 df; R's chisq.test on this table prints p-value = 2.954e-07.
	table := [][]float64{{762, 327, 468}, {484, 239, 477}}
	r := ChiSquare(table)
	t.Run("the statistic is 30.07 on 2 degrees of freedom", func(t *testing.T) {
		near(t, "chi2", r.Chi2, 30.07, 0.005)
		if r.DF != 2 || !r.OK {
			t.Errorf("df = %d ok = %v", r.DF, r.OK)
		}
	})
	t.Run("the p-value is 2.954e-07", func(t *testing.T) {
		near(t, "p", r.P, 2.954e-07, 0.001e-07)
	})
	t.Run("Cramér's V is sqrt(chi2 / n) for a two-row table", func(t *testing.T) {
		near(t, "V", CramersV(r.Chi2, r.N, r.Rows, r.Cols), math.Sqrt(r.Chi2/2757), 1e-12)
	})
}

func TestChiSquareDegenerateTables(t *testing.T) {
	cases := []struct {
		name  string
		table [][]float64
	}{
		{"a code nobody got cannot be tested", [][]float64{{0, 0, 0}, {10, 20, 5}}},
		{"a code everybody got cannot be tested", [][]float64{{10, 20, 5}, {0, 0, 0}}},
		{"one group cannot be tested", [][]float64{{3}, {7}}},
		{"an empty table cannot be tested", nil},
		{"negative and NaN counts are ignored, not propagated", [][]float64{{-1, math.NaN()}, {4, 5}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ChiSquare(c.table)
			if r.OK || r.P != 1 || r.Chi2 != 0 {
				t.Errorf("got %+v, want OK=false P=1 Chi2=0", r)
			}
		})
	}
	t.Run("an empty column is dropped from the degrees of freedom", func(t *testing.T) {
		r := ChiSquare([][]float64{{10, 0, 20}, {20, 0, 10}})
		if r.DF != 1 || !r.OK {
			t.Errorf("got %+v, want DF=1", r)
		}
	})
}

func TestFisherExact(t *testing.T) {
	// Fisher's tea-tasting experiment (R: fisher.test(TeaTasting),
	// p-value = 0.4857) and R's Convictions example from ?fisher.test
	// (matrix(c(2, 10, 15, 3), nrow = 2): two-sided p-value = 0.0005367).
	cases := []struct {
		name       string
		a, b, c, d int
		p          float64
		tol        float64
	}{
		{"the tea-tasting table gives 0.4857", 3, 1, 1, 3, 0.4857, 5e-5},
		{"the convictions table gives 0.0005367", 2, 15, 10, 3, 0.0005367, 5e-8},
		{"a table with no observations gives 1", 0, 0, 0, 0, 1, 0},
		{"a table with one fixed margin gives 1", 5, 0, 7, 0, 1, 1e-12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			near(t, "p", FisherExact2x2(c.a, c.b, c.c, c.d), c.p, c.tol)
		})
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	// Reference: R's p.adjust(p, "BH"). For c(0.01, 0.02, 0.03, 0.04, 0.05)
	// R returns 0.05 five times; for c(0.01, 0.04, 0.03, 0.005) it returns
	// 0.02 0.04 0.04 0.02 (step-up minimum of p_(k) m / k).
	cases := []struct {
		name string
		p    []float64
		want []float64
	}{
		{"evenly spaced p-values all become 0.05", []float64{0.01, 0.02, 0.03, 0.04, 0.05}, []float64{0.05, 0.05, 0.05, 0.05, 0.05}},
		{"unsorted input keeps its order", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.02, 0.04, 0.04, 0.02}},
		{"adjusted values never exceed 1", []float64{0.9, 0.8}, []float64{0.9, 0.9}},
		{"no p-values give no adjustments", nil, []float64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := BenjaminiHochberg(c.p)
			if len(got) != len(c.want) {
				t.Fatalf("len %d, want %d", len(got), len(c.want))
			}
			for i := range got {
				near(t, "adjusted p", got[i], c.want[i], 1e-12)
			}
		})
	}
}

func TestAgreement(t *testing.T) {
	t.Run("Cohen's kappa on Wikipedia's worked example is 0.4", func(t *testing.T) {
		// Wikipedia "Cohen's kappa", simple example: 50 grant proposals,
		// both yes 20, A yes B no 5, A no B yes 10, both no 15.
		near(t, "kappa", Confusion{20, 5, 10, 15}.Kappa(), 0.4, 1e-12)
	})
	t.Run("Krippendorff's alpha on his binary example is 0.095", func(t *testing.T) {
		// Krippendorff K (2011) "Computing Krippendorff's Alpha-Reliability",
		// section A: two observers, ten units, binary data.
		a := []int{0, 1, 0, 0, 0, 0, 0, 0, 1, 0}
		b := []int{1, 1, 1, 0, 0, 1, 0, 0, 0, 0}
		var c Confusion
		for i := range a {
			switch {
			case a[i] == 1 && b[i] == 1:
				c.YesYes++
			case a[i] == 1:
				c.YesNo++
			case b[i] == 1:
				c.NoYes++
			default:
				c.NoNo++
			}
		}
		near(t, "alpha", c.Alpha(), 0.095, 5e-4)
	})
	t.Run("precision, recall and F1 follow their definitions", func(t *testing.T) {
		p, r, f := Confusion{YesYes: 6, YesNo: 2, NoYes: 4, NoNo: 8}.PrecisionRecall()
		near(t, "precision", p, 0.75, 1e-12)
		near(t, "recall", r, 0.6, 1e-12)
		near(t, "F1", f, 2*0.75*0.6/1.35, 1e-12)
	})
	t.Run("coders who agree nobody has the code score 1, not NaN", func(t *testing.T) {
		c := Confusion{NoNo: 10}
		p, r, f := c.PrecisionRecall()
		for _, v := range []float64{c.Kappa(), c.Alpha(), p, r, f} {
			if v != 1 {
				t.Errorf("got %v, want 1", v)
			}
		}
	})
	t.Run("no units give 0, not NaN", func(t *testing.T) {
		c := Confusion{}
		if c.Kappa() != 0 || c.Alpha() != 0 {
			t.Errorf("kappa %v alpha %v", c.Kappa(), c.Alpha())
		}
	})
}

func TestSmallHelpers(t *testing.T) {
	t.Run("Kish ESS of weights 1 1 2 2 is 36/10", func(t *testing.T) {
		// Kish L (1965) Survey Sampling: n_eff = (Σw)² / Σw².
		near(t, "ess", KishESS([]float64{1, 1, 2, 2}), 3.6, 1e-12)
	})
	t.Run("Kish ESS of equal weights is the sample size", func(t *testing.T) {
		near(t, "ess", KishESS([]float64{3, 3, 3}), 3, 1e-12)
	})
	t.Run("Jaccard of 2 shared in sets of 4 and 3 is 2/5", func(t *testing.T) {
		near(t, "jaccard", Jaccard(2, 4, 3), 0.4, 1e-12)
	})
	t.Run("Jaccard of two empty sets is 0", func(t *testing.T) {
		near(t, "jaccard", Jaccard(0, 0, 0), 0, 0)
	})
	t.Run("the median of 1 2 3 4 is 2.5", func(t *testing.T) {
		near(t, "median", WeightedMedian([]float64{4, 1, 3, 2}, nil), 2.5, 1e-12)
	})
	t.Run("a heavy weight pulls the median to its value", func(t *testing.T) {
		near(t, "median", WeightedMedian([]float64{1, 2, 3}, []float64{1, 1, 5}), 3, 1e-12)
	})
}
