package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Z95 is the standard normal quantile for a two-sided 95% interval.
var Z95 = distuv.UnitNormal.Quantile(0.975)

// Wilson returns the 95% Wilson score interval for a proportion p observed
// on n (effective) observations. n may be a Kish effective sample size, so
// it is a float. With n <= 0 there is no information and the interval is
// [0, 1].
func Wilson(p, n float64) (lo, hi float64) {
	if !(n > 0) || math.IsInf(n, 0) {
		return 0, 1
	}
	p = clamp01(p)
	z := Z95
	z2 := z * z
	den := 1 + z2/n
	centre := (p + z2/(2*n)) / den
	half := z / den * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	return clamp01(centre - half), clamp01(centre + half)
}

// NewcombeDiff returns the difference p2-p1 with Newcombe's hybrid score
// interval (method 10 in Newcombe 1998, Statistics in Medicine 17:873-890),
// built from the Wilson intervals of both proportions. It is well behaved
// at 0 and 1, where the Wald interval collapses.
func NewcombeDiff(p1, n1, p2, n2 float64) (d, lo, hi float64) {
	p1, p2 = clamp01(p1), clamp01(p2)
	l1, u1 := Wilson(p1, n1)
	l2, u2 := Wilson(p2, n2)
	d = p2 - p1
	lo = d - math.Sqrt((p2-l2)*(p2-l2)+(u1-p1)*(u1-p1))
	hi = d + math.Sqrt((u2-p2)*(u2-p2)+(p1-l1)*(p1-l1))
	return d, math.Max(lo, -1), math.Min(hi, 1)
}

// KishESS is Kish's effective sample size (sum w)^2 / sum w^2: the number
// of unweighted observations that would give the same precision. Non-positive
// weights contribute nothing; with no positive weight it is 0.
func KishESS(w []float64) float64 {
	var s, s2 float64
	for _, x := range w {
		if x > 0 && !math.IsInf(x, 0) {
			s += x
			s2 += x * x
		}
	}
	if s2 == 0 {
		return 0
	}
	return s * s / s2
}

// Jaccard is the Jaccard index of two sets given the sizes of both and of
// their intersection: |A∩B| / |A∪B|. Two empty sets have index 0, since
// "never co-occur" is the honest reading for a report.
func Jaccard(both, a, b int) float64 {
	union := a + b - both
	if union <= 0 || both <= 0 {
		return 0
	}
	return float64(both) / float64(union)
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x), x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
