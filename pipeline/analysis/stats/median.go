package stats

import (
	"math"
	"slices"
	"sort"
)

// WeightedMedian returns the median of values under weights w (nil means
// all 1; a value past the end of w weighs 1). Values that are NaN and
// weights that are not positive are skipped. When the cumulative weight
// hits exactly half at a value, the median is the mean of that value and
// the next, so unit weights give the textbook median. Empty input yields 0.
//
// The weights are summed in the order a stable sort by value puts them,
// and that order decides ties, so every path below walks exactly that
// order. Scale answers are few distinct whole numbers, for which sorting
// was the whole cost: they are bucketed by value instead (a stable
// counting sort), and with unit weights only counted.
func WeightedMedian(values []float64, w []float64) float64 {
	var (
		n      int
		total  float64
		lo, hi float64
		whole  = true // every kept value a whole number that buckets exactly
		unit   = true // every kept weight exactly 1
	)
	for i, v := range values {
		wi := weightAt(w, i)
		if !(wi > 0) || math.IsNaN(v) {
			continue
		}
		if n == 0 || v < lo {
			lo = v
		}
		if n == 0 || v > hi {
			hi = v
		}
		n++
		total += wi
		// -0 would come back as +0 from a bucket; the sort keeps it.
		whole = whole && v == math.Trunc(v) && math.Abs(v) <= 1<<53 && !(v == 0 && math.Signbit(v))
		unit = unit && wi == 1
	}
	if n == 0 {
		return 0
	}
	if whole && hi-lo <= float64(n+256) {
		base := int64(lo)
		counts := make([]int, int64(hi)-base+1)
		for i, v := range values {
			if wi := weightAt(w, i); wi > 0 && !math.IsNaN(v) {
				counts[int64(v)-base]++
			}
		}
		if unit {
			// n <= 2^53 here, so total == n exactly, as countsMedian assumes.
			return countsMedian(base, counts)
		}
		return bucketMedian(values, w, base, counts, total)
	}

	type vw struct{ v, w float64 }
	xs := make([]vw, 0, n)
	for i, v := range values {
		if wi := weightAt(w, i); wi > 0 && !math.IsNaN(v) {
			xs = append(xs, vw{v, wi})
		}
	}
	slices.SortStableFunc(xs, func(a, b vw) int {
		switch {
		case a.v < b.v:
			return -1
		case b.v < a.v:
			return 1
		}
		return 0
	})
	half := total / 2
	var cum float64
	for i, x := range xs {
		cum += x.w
		if math.Abs(cum-half) <= 1e-9*total && i+1 < len(xs) {
			return (x.v + xs[i+1].v) / 2
		}
		if cum > half {
			return x.v
		}
	}
	return xs[len(xs)-1].v
}

func weightAt(w []float64, i int) float64 {
	if w != nil && i < len(w) {
		return w[i]
	}
	return 1
}

// ScaleMedian is the median of answers on a scale 1..k given as counts:
// counts[p-1] answers of point p (negative counts are none). It equals
// WeightedMedian of the answers with unit weights, for fewer than 2^53
// answers.
func ScaleMedian(counts []int) float64 { return countsMedian(1, counts) }

// countsMedian is WeightedMedian with unit weights of a sample holding
// counts[b] times the value base+b. The cumulative weight after the j-th
// value in sorted order is exactly j, so the loop's stopping rule can be
// evaluated for any j without walking up to it: it holds from some j on
// (a tie within 1e-9 of half, or past half), which is found by bisection
// inside the first bucket where it holds.
func countsMedian(base int64, counts []int) float64 {
	n := 0
	for _, c := range counts {
		n += max(c, 0)
	}
	if n == 0 {
		return 0
	}
	total := float64(n)
	half := total / 2
	tie := func(j int) bool { return math.Abs(float64(j)-half) <= 1e-9*total && j < n }
	stop := func(j int) bool { return tie(j) || float64(j) > half }
	before := 0
	for b, c := range counts {
		if c <= 0 {
			continue
		}
		last := before + c
		if !stop(last) {
			before = last
			continue
		}
		v := float64(base + int64(b))
		j := before + 1 + sort.Search(c, func(k int) bool { return stop(before + 1 + k) })
		if !tie(j) {
			return v
		}
		next := v
		if j == last {
			next = nextValue(base, counts, b)
		}
		return (v + next) / 2
	}
	return float64(base + int64(len(counts)-1)) // not reached: stop(n) holds
}

// bucketMedian is WeightedMedian's loop over a sample of whole numbers
// base+b, counts[b] of each, with weights sorted stably by value through
// their buckets rather than by comparisons.
func bucketMedian(values, w []float64, base int64, counts []int, total float64) float64 {
	at := make([]int, len(counts))
	n := 0
	for b, c := range counts {
		at[b] = n
		n += c
	}
	sorted := make([]float64, n)
	for i, v := range values {
		if wi := weightAt(w, i); wi > 0 && !math.IsNaN(v) {
			b := int64(v) - base
			sorted[at[b]] = wi
			at[b]++
		}
	}
	half := total / 2
	var cum float64
	i := 0
	for b, c := range counts {
		v := float64(base + int64(b))
		for k := range c {
			cum += sorted[i]
			if math.Abs(cum-half) <= 1e-9*total && i+1 < n {
				next := v
				if k+1 == c {
					next = nextValue(base, counts, b)
				}
				return (v + next) / 2
			}
			if cum > half {
				return v
			}
			i++
		}
	}
	return float64(base + int64(len(counts)-1))
}

// nextValue is the smallest value above bucket b's that the sample holds.
func nextValue(base int64, counts []int, b int) float64 {
	for b++; b < len(counts) && counts[b] <= 0; b++ {
	}
	return float64(base + int64(b))
}
