package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// ChiSquareResult is Pearson's chi-square test of independence on an r×c
// table of counts.
type ChiSquareResult struct {
	Chi2 float64
	// DF counts only rows and columns with a non-zero margin, as a table
	// with an empty row carries no information about it.
	DF          int
	P           float64
	N           float64 // table total
	Rows, Cols  int     // non-empty rows and columns
	MinExpected float64 // smallest expected count over non-empty cells
	// OK is false when fewer than two rows or two columns are non-empty:
	// independence cannot be tested and P is 1.
	OK bool
}

// ChiSquare runs Pearson's chi-square test of independence without
// continuity correction (R: chisq.test(x, correct = FALSE)). Counts may be
// fractional, e.g. weighted counts rescaled to an effective sample size.
// Negative or non-finite counts are treated as 0.
func ChiSquare(table [][]float64) ChiSquareResult {
	res := ChiSquareResult{P: 1}
	nr := len(table)
	nc := 0
	for _, row := range table {
		nc = max(nc, len(row))
	}
	rowSum := make([]float64, nr)
	colSum := make([]float64, nc)
	cell := func(i, j int) float64 {
		if j >= len(table[i]) {
			return 0
		}
		x := table[i][j]
		if !(x > 0) || math.IsInf(x, 0) {
			return 0
		}
		return x
	}
	for i := range nr {
		for j := range nc {
			x := cell(i, j)
			rowSum[i] += x
			colSum[j] += x
			res.N += x
		}
	}
	for _, s := range rowSum {
		if s > 0 {
			res.Rows++
		}
	}
	for _, s := range colSum {
		if s > 0 {
			res.Cols++
		}
	}
	if res.Rows < 2 || res.Cols < 2 {
		return res
	}
	res.MinExpected = math.Inf(1)
	for i := range nr {
		if rowSum[i] == 0 {
			continue
		}
		for j := range nc {
			if colSum[j] == 0 {
				continue
			}
			e := rowSum[i] * colSum[j] / res.N
			res.MinExpected = math.Min(res.MinExpected, e)
			d := cell(i, j) - e
			res.Chi2 += d * d / e
		}
	}
	res.DF = (res.Rows - 1) * (res.Cols - 1)
	res.P = clamp01(distuv.ChiSquared{K: float64(res.DF)}.Survival(res.Chi2))
	res.OK = true
	return res
}

// CramersV is Cramér's V for a chi-square statistic on n observations in a
// table with r non-empty rows and c non-empty columns; 0 when undefined.
func CramersV(chi2, n float64, r, c int) float64 {
	k := min(r, c) - 1
	if k < 1 || !(n > 0) || !(chi2 > 0) {
		return 0
	}
	return clamp01(math.Sqrt(chi2 / (n * float64(k))))
}

// FisherExact2x2 is the two-sided p-value of Fisher's exact test for the
// table [[a b] [c d]], summing the probabilities of all tables with the
// same margins that are no more likely than the observed one (R's
// fisher.test, including its 1e-7 relative tolerance for ties). Negative
// counts are treated as 0.
func FisherExact2x2(a, b, c, d int) float64 {
	a, b, c, d = max(a, 0), max(b, 0), max(c, 0), max(d, 0)
	r1, c1, n := a+b, a+c, a+b+c+d
	if n == 0 {
		return 1
	}
	lo := max(0, r1+c1-n)
	hi := min(r1, c1)
	logP := func(x int) float64 {
		// Hypergeometric: C(c1, x) C(n-c1, r1-x) / C(n, r1).
		return lchoose(c1, x) + lchoose(n-c1, r1-x) - lchoose(n, r1)
	}
	obs := logP(a)
	var p float64
	for x := lo; x <= hi; x++ {
		lp := logP(x)
		if lp <= obs+1e-7 {
			p += math.Exp(lp)
		}
	}
	return clamp01(p)
}

func lchoose(n, k int) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// BenjaminiHochberg adjusts p-values for the false discovery rate (R:
// p.adjust(p, "BH")). The result is in input order; NaN or out-of-range
// inputs are clamped to [0, 1] first so the output is always finite.
func BenjaminiHochberg(p []float64) []float64 {
	m := len(p)
	out := make([]float64, m)
	if m == 0 {
		return out
	}
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	q := make([]float64, m)
	for i, x := range p {
		q[i] = clamp01(x)
		if math.IsNaN(x) {
			q[i] = 1
		}
	}
	sort.SliceStable(idx, func(i, j int) bool { return q[idx[i]] < q[idx[j]] })
	running := 1.0
	for k := m - 1; k >= 0; k-- {
		i := idx[k]
		v := q[i] * float64(m) / float64(k+1)
		running = math.Min(running, v)
		out[i] = running
	}
	return out
}
