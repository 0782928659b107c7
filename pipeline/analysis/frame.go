package analysis

import (
	"fmt"
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// Counting is plain loops over the respondents' records (code bitsets,
// group indices): at a national survey's scale a respondent × code frame
// cost more than the rest of the analysis (BENCHMARKS.md). gota keeps the
// tabular work at the scale of the tables themselves: the code × group
// count table of a breakdown (see breakdownFrame).

// groupCount is what one group contributes to a table: respondents, code
// carriers, and the weighted sums behind percentages and Kish's ESS.
type groupCount struct {
	size    int
	n       []int     // per code, unweighted
	wn      []float64 // per code, weighted
	sw, sw2 float64   // sum of weights and of squared weights
}

func (g groupCount) pct(c int) float64 {
	if g.sw <= 0 {
		return 0
	}
	return g.wn[c] / g.sw
}

func (g groupCount) neff() float64 {
	if g.sw2 <= 0 {
		return 0
	}
	return g.sw * g.sw / g.sw2
}

func (m *model) newCount() groupCount {
	nc := len(m.in.Codes)
	return groupCount{n: make([]int, nc), wn: make([]float64, nc)}
}

// newCounts returns n empty groupCounts.
func (m *model) newCounts(n int) []groupCount {
	out := make([]groupCount, n)
	for j := range out {
		out[j] = m.newCount()
	}
	return out
}

// add counts a respondent of weight w and code set has into g. Callers
// add respondents in key order, so the floating-point results are the
// same on every run.
func (m *model) add(g *groupCount, w float64, has []uint64) {
	g.size++
	g.sw += w
	g.sw2 += float64(w * w) // the conversion keeps the product rounded (no fused multiply-add)
	for k, word := range has {
		for word != 0 {
			b := trailingZeros(word)
			word &= word - 1
			c := k*64 + b
			g.n[c]++
			g.wn[c] += w
		}
	}
}

// breakdownFrame is a breakdown's count table as a frame: one row per code
// (codebook order), one integer column per group ("g0", "g1", …) and the
// column "rest", the carriers of the code in no shown group (overall minus
// the row's sum: the respondents suppression must also protect).
func (m *model) breakdownFrame(counts []groupCount, overall groupCount) (dataframe.DataFrame, error) {
	nc := len(m.in.Codes)
	if nc == 0 {
		// Empty columns still, one per group: breakdown reads them.
		cols := make([]series.Series, 0, len(counts)+1)
		for j := range counts {
			cols = append(cols, series.New([]int{}, series.Int, groupCol(j)))
		}
		return dataframe.New(append(cols, series.New([]int{}, series.Int, "rest"))...), nil
	}
	cols := make([]series.Series, 0, len(counts)+1)
	for j, g := range counts {
		cols = append(cols, series.New(append([]int(nil), g.n...), series.Int, groupCol(j)))
	}
	df := dataframe.New(append(cols, series.New(overall.n, series.Int, "overall"))...)
	if df.Err != nil {
		return df, df.Err
	}
	if len(counts) == 0 {
		return df.Rename("rest", "overall"), nil
	}
	names := make([]string, len(counts))
	for j := range counts {
		names[j] = groupCol(j)
	}
	sums := df.Select(names).Rapply(func(row series.Series) series.Series {
		return series.Ints([]int{int(math.Round(row.Sum()))})
	})
	if sums.Err != nil || sums.Nrow() != nc {
		return df, fmt.Errorf("row sums: %v", sums.Err)
	}
	sum, err := sums.Col(sums.Names()[0]).Int()
	if err != nil {
		return df, err
	}
	rest := make([]int, nc)
	for c := range rest {
		rest[c] = overall.n[c] - sum[c]
	}
	return df.Drop("overall").Mutate(series.New(rest, series.Int, "rest")), nil
}

func groupCol(j int) string { return fmt.Sprintf("g%d", j) }
