package stats

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// referenceWeightedMedian is WeightedMedian as it was before the bucketed
// paths: filter, sort.SliceStable by value, walk. The property tests below
// hold the current implementation to it bit for bit.
func referenceWeightedMedian(values []float64, w []float64) float64 {
	type vw struct{ v, w float64 }
	xs := make([]vw, 0, len(values))
	var total float64
	for i, v := range values {
		wi := 1.0
		if w != nil && i < len(w) {
			wi = w[i]
		}
		if !(wi > 0) || math.IsNaN(v) {
			continue
		}
		xs = append(xs, vw{v, wi})
		total += wi
	}
	if len(xs) == 0 {
		return 0
	}
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].v < xs[j].v })
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

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// randomSample draws values and weights that exercise every path of
// WeightedMedian: scale points, wider whole numbers, whole numbers mixed
// with fractions, signed zeros, infinities and NaN; unit, whole, coarse
// (many exact ties at half) and arbitrary weights, with skipped ones and a
// weight slice shorter than the values.
func randomSample(rng *rand.Rand) (values, w []float64) {
	n := rng.IntN(40)
	if rng.IntN(10) == 0 {
		n = rng.IntN(3000)
	}
	values = make([]float64, n)
	kind := rng.IntN(7)
	for i := range values {
		switch kind {
		case 0, 1: // scale points
			values[i] = float64(1 + rng.IntN(1+rng.IntN(7)))
		case 2: // whole numbers over a wider range, negatives too
			values[i] = float64(rng.IntN(2000) - 1000)
		case 3: // sparse whole numbers: the range exceeds the bucket limit
			values[i] = float64(rng.Int64N(1 << 40))
		case 4: // whole numbers with the odd fraction
			values[i] = float64(rng.IntN(5))
			if rng.IntN(20) == 0 {
				values[i] += 0.5
			}
		case 5: // specials
			values[i] = []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), 1 << 53, -(1 << 53), 1<<53 + 2, 3}[rng.IntN(11)]
		default: // arbitrary reals
			values[i] = rng.NormFloat64() * 10
		}
	}
	switch rng.IntN(6) {
	case 0: // nil: all 1
	case 1:
		w = make([]float64, n)
		for i := range w {
			w[i] = 1
		}
	case 2: // coarse weights: exact ties at half are common
		w = make([]float64, n)
		for i := range w {
			w[i] = []float64{0.5, 1, 1.5, 2, 0.25}[rng.IntN(5)]
		}
	case 3: // arbitrary positive weights
		w = make([]float64, n)
		for i := range w {
			w[i] = rng.Float64() * 3
		}
	case 4: // skipped weights
		w = make([]float64, n)
		for i := range w {
			w[i] = []float64{1, 0, -1, math.NaN(), math.Inf(1), 2, 1}[rng.IntN(7)]
		}
	default: // shorter than the values: the rest weigh 1
		w = make([]float64, rng.IntN(n+1))
		for i := range w {
			w[i] = []float64{1, 2, 0.5}[rng.IntN(3)]
		}
	}
	return values, w
}

func TestWeightedMedianEqualsTheSortingImplementation(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	for range 20000 {
		values, w := randomSample(rng)
		got, want := WeightedMedian(values, w), referenceWeightedMedian(values, w)
		if !sameFloat(got, want) {
			t.Fatalf("WeightedMedian(%v, %v) = %v, want %v", values, w, got, want)
		}
	}
}

func TestScaleMedianEqualsTheSortingImplementation(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 2))
	for range 20000 {
		k := 1 + rng.IntN(11)
		counts := make([]int, k)
		var values []float64
		for p := range counts {
			switch rng.IntN(4) {
			case 0: // empty point
			case 1:
				counts[p] = -rng.IntN(3) // negative counts are none
			default:
				counts[p] = rng.IntN(1 + rng.IntN(50))
			}
			for range counts[p] {
				values = append(values, float64(p+1))
			}
		}
		if got, want := ScaleMedian(counts), referenceWeightedMedian(values, nil); !sameFloat(got, want) {
			t.Fatalf("ScaleMedian(%v) = %v, want %v", counts, got, want)
		}
	}
	t.Run("ties at half average the two middle points", func(t *testing.T) {
		// 1 1 2 2 3 3 4 4 5 5 -> 3; 1 2 2 3 -> 2; 2 2 4 4 -> 3
		for _, c := range []struct {
			counts []int
			want   float64
		}{{[]int{2, 2, 2, 2, 2}, 3}, {[]int{1, 2, 1}, 2}, {[]int{0, 2, 0, 2}, 3}, {[]int{0, 0, 0}, 0}} {
			if got := ScaleMedian(c.counts); got != c.want {
				t.Errorf("ScaleMedian(%v) = %v, want %v", c.counts, got, c.want)
			}
		}
	})
}
