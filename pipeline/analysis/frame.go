package analysis

import (
	"fmt"
	"math"

	"github.com/go-gota/gota/dataframe"
	"github.com/go-gota/gota/series"
)

// The respondent×code frame holds one row per coded respondent: weight,
// squared weight, a 0/1 column per code, the weighted 0/w column per code,
// and one integer group column per grouping (attribute or wave, -1 when the
// respondent has no value). Group labels are integer indices, not strings,
// because gota reads the string "NaN" as a missing value and its GroupBy
// cannot key on missing values.

func codeCol(c int) string  { return fmt.Sprintf("c%d", c) }
func wCodeCol(c int) string { return fmt.Sprintf("wc%d", c) }

// groupCount is what one group contributes to a table: respondents, code
// carriers, and the weighted sums behind percentages and Kish's ESS.
type groupCount struct {
	size     int
	n        []int     // per code, unweighted
	wn       []float64 // per code, weighted
	sw, sw2  float64   // sum of weights and of squared weights
	presence bool      // at least one respondent
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

// codedFrame builds the frame over coded respondents (in model order) with
// the given integer group columns.
func (m *model) codedFrame(groups map[string][]int) (dataframe.DataFrame, []int) {
	var rows []int
	for i, r := range m.resp {
		if r.coded {
			rows = append(rows, i)
		}
	}
	w := make([]float64, len(rows))
	w2 := make([]float64, len(rows))
	for k, i := range rows {
		w[k] = m.resp[i].w
		w2[k] = w[k] * w[k]
	}
	cols := []series.Series{series.New(w, series.Float, "w"), series.New(w2, series.Float, "w2")}
	for c := range m.in.Codes {
		has := make([]int, len(rows))
		wh := make([]float64, len(rows))
		for k, i := range rows {
			if m.resp[i].has[c] {
				has[k] = 1
				wh[k] = w[k]
			}
		}
		cols = append(cols, series.New(has, series.Int, codeCol(c)), series.New(wh, series.Float, wCodeCol(c)))
	}
	for _, name := range sortedKeys(groups) {
		g := groups[name]
		vals := make([]int, len(rows))
		for k, i := range rows {
			vals[k] = g[i]
		}
		cols = append(cols, series.New(vals, series.Int, name))
	}
	return dataframe.New(cols...), rows
}

// countAll sums the whole frame: the overall prevalence row.
func (m *model) countAll(df dataframe.DataFrame) groupCount {
	nc := len(m.in.Codes)
	g := groupCount{n: make([]int, nc), wn: make([]float64, nc)}
	if df.Err != nil || df.Nrow() == 0 {
		return g
	}
	g.size = df.Nrow()
	g.presence = true
	g.sw = df.Col("w").Sum()
	g.sw2 = df.Col("w2").Sum()
	for c := range nc {
		g.n[c] = int(math.Round(df.Col(codeCol(c)).Sum()))
		g.wn[c] = df.Col(wCodeCol(c)).Sum()
	}
	return g
}

// countBy groups the frame by an integer group column and sums every code
// column per group. Groups are returned by index 0..nGroups-1; rows with a
// negative index (no value, or a group too small to show) are left out.
func (m *model) countBy(df dataframe.DataFrame, col string, nGroups int) ([]groupCount, error) {
	nc := len(m.in.Codes)
	out := make([]groupCount, nGroups)
	for i := range out {
		out[i] = groupCount{n: make([]int, nc), wn: make([]float64, nc)}
	}
	if df.Err != nil {
		return nil, df.Err
	}
	df = df.Filter(dataframe.F{Colname: col, Comparator: series.GreaterEq, Comparando: 0})
	if df.Err != nil {
		return nil, df.Err
	}
	if df.Nrow() == 0 {
		return out, nil // gota's Aggregation indexes its first group
	}
	aggCols := []string{"w", "w", "w2"}
	aggTypes := []dataframe.AggregationType{dataframe.Aggregation_COUNT, dataframe.Aggregation_SUM, dataframe.Aggregation_SUM}
	for c := range nc {
		aggCols = append(aggCols, codeCol(c), wCodeCol(c))
		aggTypes = append(aggTypes, dataframe.Aggregation_SUM, dataframe.Aggregation_SUM)
	}
	gb := df.GroupBy(col)
	if gb == nil || gb.Err != nil {
		return nil, fmt.Errorf("grouping by %s: %v", col, gb.Err)
	}
	agg := gb.Aggregation(aggTypes, aggCols)
	if agg.Err != nil {
		return nil, agg.Err
	}
	// Aggregation returns groups in map order; we index by the group
	// column instead of relying on row order.
	keys, err := agg.Col(col).Int()
	if err != nil {
		return nil, err
	}
	size := agg.Col("w_COUNT").Float()
	sw := agg.Col("w_SUM").Float()
	sw2 := agg.Col("w2_SUM").Float()
	valid := func(k int) bool { return k >= 0 && k < nGroups }
	for row, k := range keys {
		if valid(k) {
			out[k].presence = true
			out[k].size = int(math.Round(size[row]))
			out[k].sw, out[k].sw2 = sw[row], sw2[row]
		}
	}
	for c := range nc {
		n := agg.Col(codeCol(c) + "_SUM").Float()
		wn := agg.Col(wCodeCol(c) + "_SUM").Float()
		for row, k := range keys {
			if valid(k) {
				out[k].n[c] = int(math.Round(n[row]))
				out[k].wn[c] = wn[row]
			}
		}
	}
	return out, nil
}
