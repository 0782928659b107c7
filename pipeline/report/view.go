package report

import (
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

// The view model below is built once and rendered by the HTML, Markdown and
// XLSX writers, so the three can never disagree about a number or a label.

type cellKind int

const (
	kText cellKind = iota
	kInt
	kPct   // percent, 0..100, one decimal
	kP     // p-value, three decimals
	kStat  // statistic, three decimals
	kStat2 // statistic, two decimals
	kSupp  // suppressed count or a value that must not be shown
)

type cell struct {
	Text   string
	Num    float64
	Kind   cellKind
	Color  string // swatch colour, codebook appendix and legends
	Indent int    // code depth, so hierarchies read as hierarchies
	// Parent marks the label of a code that has sub-codes; HTML sets it in
	// bold so the hierarchy reads at a glance.
	Parent bool
	// Sub is a second, smaller line under Text in HTML (a percentage's
	// interval); Markdown appends it in brackets, XLSX keeps only Num.
	Sub string
	// ID is the code ID a merged label cell shows under the label in HTML.
	ID string
	// FromData marks text that came from respondents (attribute values,
	// quotes): XLSX and CSV writers neutralise formula injection in it.
	FromData bool
}

func (c cell) Numeric() bool {
	return c.Kind != kText && c.Kind != kSupp && c.Text != "" && c.Text != "–"
}

type table struct {
	ID, Caption, Sheet string
	Note               string
	Head               []string
	Rows               [][]cell
	Chart              template.HTML
	ChartTitle         string
	Legend             []legendItem
	// MergeCode: column 0 holds code IDs and column 1 their labels; HTML
	// shows them as one column (swatch, label, ID in small type) so wide
	// tables fit the page. Markdown and XLSX keep both columns.
	MergeCode bool
	// XLSXOnly tables are sheets of report.xlsx only (full lists whose
	// HTML and Markdown versions are shortened).
	XLSXOnly bool
}

type legendItem struct{ Label, Color string }

type section struct {
	ID, Title string
	Paras     []string
	Defs      [][2]string
	List      []string
	Tables    []table
	Quotes    []quoteGroup
}

type quoteGroup struct {
	Code, Label, Color string
	Quotes             []quoteView
}

type quoteView struct {
	Unit, Source string
	Parts        []textPart
}

type textPart struct {
	Text string
	Mark bool
}

type codeMeta struct {
	ID, Label, Color, Parent string
	Depth, Index             int
	HasChildren              bool
}

type doc struct {
	Lang     string
	W        words
	Title    string
	Study    string
	Sections []section
	codes    []codeMeta
	byID     map[string]codeMeta
}

func (d *doc) meta(id string) codeMeta {
	if m, ok := d.byID[id]; ok {
		return m
	}
	return codeMeta{ID: id, Label: id, Color: "#777777", Index: len(d.codes)}
}

func buildDoc(in Input) *doc {
	t := in.Tables
	d := &doc{Lang: "nl", W: wordsNL, Study: t.Study, byID: map[string]codeMeta{}}
	if t.Language == "en" {
		d.Lang, d.W = "en", wordsEN
	}
	d.Title = d.W.Title
	if t.Study != "" {
		d.Title = t.Study
	}
	d.codes = codeMetas(t, in.Codebook, d.Lang)
	for _, m := range d.codes {
		d.byID[m.ID] = m
	}
	nf := numFmt{comma: d.Lang == "nl"}
	supp := suppressedText(t.MinCell)

	d.Sections = append(d.Sections, summarySection(d, t))
	d.Sections = append(d.Sections, methodSection(d, in, nf, supp))
	d.Sections = append(d.Sections, prevalenceSection(d, t, nf, supp))
	if len(t.Breakdowns) > 0 {
		d.Sections = append(d.Sections, breakdownSection(d, t, nf, supp))
	}
	if len(t.Cooccurrence) > 0 {
		d.Sections = append(d.Sections, cooccurrenceSection(d, t, nf, supp))
	}
	if len(t.Likert) > 0 {
		d.Sections = append(d.Sections, likertSection(d, t, nf, supp))
	}
	if len(t.Waves) > 1 && len(t.WavePrev) > 0 {
		d.Sections = append(d.Sections, wavesSection(d, t, nf, supp))
	}
	if len(t.Agreement) > 0 {
		d.Sections = append(d.Sections, agreementSection(d, t, nf))
	}
	d.Sections = append(d.Sections, quotesSection(d, t))
	d.Sections = append(d.Sections, codebookSection(d, in.Codebook))
	return d
}

// codeMetas merges the analysis' code list with the codebook: analysis
// order wins, the codebook fills colours and labels the analysis lacks.
func codeMetas(t *analysis.Tables, cb Codebook, lang string) []codeMeta {
	cbByID := map[string]CodebookCode{}
	for _, c := range cb.Codes {
		cbByID[c.ID] = c
	}
	var out []codeMeta
	seen := map[string]bool{}
	add := func(id, nl, en, color, parent string, depth int) {
		if seen[id] {
			return
		}
		seen[id] = true
		if c, ok := cbByID[id]; ok {
			nl, en = firstNonEmpty(nl, c.LabelNL), firstNonEmpty(en, c.LabelEN)
			color = firstNonEmpty(color, c.Color)
		}
		label := firstNonEmpty(nl, en, id)
		if lang == "en" {
			label = firstNonEmpty(en, nl, id)
		}
		if parent == "" {
			parent = cbByID[id].Parent
		}
		out = append(out, codeMeta{ID: id, Label: label, Color: normColor(color, len(out)), Parent: parent, Depth: depth, Index: len(out)})
	}
	for _, c := range t.Codes {
		add(c.ID, c.LabelNL, c.LabelEN, c.Color, c.Parent, c.Depth)
	}
	for _, c := range cb.Codes {
		add(c.ID, c.LabelNL, c.LabelEN, c.Color, c.Parent, depthOf(c.ID, cbByID))
	}
	parents := map[string]bool{}
	for _, m := range out {
		if m.Parent != "" {
			parents[m.Parent] = true
		}
	}
	for i := range out {
		out[i].HasChildren = parents[out[i].ID]
	}
	return out
}

func depthOf(id string, cb map[string]CodebookCode) int {
	d := 0
	for p := cb[id].Parent; p != "" && d < 32; p = cb[p].Parent {
		d++
	}
	return d
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

func txt(s string) cell   { return cell{Text: s} }
func data(s string) cell  { return cell{Text: s, FromData: true} }
func intc(n int) cell     { return cell{Text: strconv.Itoa(n), Num: float64(n), Kind: kInt} }
func suppc(s string) cell { return cell{Text: s, Kind: kSupp} }

// orMask prefers the analysis' own text for a suppressed count ("<5", ">95"
// or "x"), which is true whichever rule hid the count.
func orMask(mask, supp string) string {
	if mask != "" {
		return mask
	}
	return supp
}
func blank() cell { return cell{Kind: kSupp} }
func codeCell(m codeMeta) cell {
	return cell{Text: m.ID, Color: m.Color}
}
func labelCell(m codeMeta) cell {
	return cell{Text: m.Label, Indent: m.Depth, Parent: m.HasChildren, ID: m.ID}
}

func pctc(nf numFmt, v float64) cell  { return cell{Text: nf.pct(v), Num: v, Kind: kPct} }
func ptc(nf numFmt, v float64) cell   { return cell{Text: nf.p(v), Num: v, Kind: kP} }
func statc(nf numFmt, v float64) cell { return cell{Text: nf.fixed(v, 3), Num: v, Kind: kStat} }
func stat2(nf numFmt, v float64) cell { return cell{Text: nf.fixed(v, 2), Num: v, Kind: kStat2} }
func cic(nf numFmt, lo, hi float64) cell {
	return cell{Text: nf.ci(lo, hi)}
}

func summarySection(d *doc, t *analysis.Tables) section {
	s := section{ID: "summary", Title: d.W.Summary, List: t.Findings}
	if len(t.Findings) == 0 {
		s.Paras = []string{d.W.NoFindings}
	}
	return s
}

func methodSection(d *doc, in Input, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "method", Title: w.MethodT}
	if in.Method.DataPeriod != "" {
		s.Defs = append(s.Defs, [2]string{w.DataPeriod, in.Method.DataPeriod})
	}
	cb := in.Codebook
	if cb.Name != "" || cb.Version != "" || cb.Hash != "" {
		s.Defs = append(s.Defs,
			[2]string{w.CodebookT, strings.TrimSpace(cb.Name + " " + cb.Version)},
			[2]string{w.CodebookT + " " + strings.ToLower(w.Hash), cb.Hash})
	}
	sources := in.Method.Sources
	if len(sources) == 0 {
		sources = in.Tables.Sources
	}
	tb := table{ID: "sources", Caption: w.Sources, Head: []string{w.Source, w.Type, w.Wave, w.Files, w.Respondents, w.Units}}
	var tr, tu, tf int
	for _, src := range sources {
		typ := src.Type
		switch typ {
		case "survey":
			typ = w.Survey
		case "transcript":
			typ = w.Transcript
		}
		tb.Rows = append(tb.Rows, []cell{txt(src.Name), txt(typ), data(src.Wave), intc(src.Files), intc(src.Respondents), intc(src.Units)})
		tr, tu, tf = tr+src.Respondents, tu+src.Units, tf+src.Files
	}
	if len(sources) > 1 {
		tb.Rows = append(tb.Rows, []cell{txt(w.Overall), txt(""), txt(""), intc(tf), intc(tr), intc(tu)})
	}
	s.Tables = append(s.Tables, tb)
	s.List = in.Method.PrivacyRules
	minCell := in.Tables.MinCell
	if minCell <= 0 {
		minCell = 5
	}
	s.Paras = append(s.Paras, fmt.Sprintf(w.Suppressed, minCell, minCell))
	_ = nf
	_ = supp
	return s
}

func prevalenceSection(d *doc, t *analysis.Tables, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "prevalence", Title: w.Prevalence, Paras: []string{w.PrevalenceIntro}}
	tb := table{ID: "prevalence-table", Caption: w.Prevalence, Sheet: w.Prevalence, MergeCode: true,
		Head: []string{w.Code, w.Label, w.Level, w.N, w.Total, w.Pct, w.CI}}
	var bars []barDatum
	for _, p := range sortedPrev(d, t.Prevalence) {
		m := d.meta(p.Code)
		lvl := w.LevelResp
		if p.Level == analysis.UnitLevel {
			lvl = w.LevelUnit
		}
		row := []cell{codeCell(m), labelCell(m), txt(lvl)}
		if p.Suppressed {
			row = append(row, suppc(orMask(p.Mask, supp)), intc(p.Total), blank(), blank())
		} else {
			row = append(row, intc(p.N), intc(p.Total), pctc(nf, p.Pct), cic(nf, p.CILow, p.CIHigh))
		}
		tb.Rows = append(tb.Rows, row)
		if p.Level == analysis.RespondentLevel {
			bars = append(bars, barDatum{Label: m.Label, Depth: m.Depth, Parent: m.HasChildren, Color: m.Color, V: p.Pct, Lo: p.CILow, Hi: p.CIHigh, Hidden: p.Suppressed})
		}
	}
	tb.ChartTitle = w.Prevalence + " (" + w.LevelResp + ", %)"
	tb.Chart = svgChart("chart-prevalence", tb.ChartTitle, func() ([]byte, error) {
		return barChart(tb.ChartTitle, "%", bars)
	})
	s.Tables = append(s.Tables, tb)
	return s
}

// sortedPrev keeps codebook order, respondent level before unit level, so
// tables read like the codebook regardless of how analysis ordered them.
func sortedPrev(d *doc, ps []analysis.Prevalence) []analysis.Prevalence {
	out := append([]analysis.Prevalence(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := d.meta(out[i].Code), d.meta(out[j].Code)
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		if out[i].Wave != out[j].Wave {
			return out[i].Wave < out[j].Wave
		}
		return out[i].Level == analysis.RespondentLevel && out[j].Level != analysis.RespondentLevel
	})
	return out
}

func breakdownSection(d *doc, t *analysis.Tables, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "breakdowns", Title: w.Breakdowns}
	for bi, b := range t.Breakdowns {
		tb := table{ID: "breakdown-" + strconv.Itoa(bi+1), Caption: w.BreakdownBy + " " + b.Attribute,
			Sheet: sheetName(b.Attribute), MergeCode: true}
		tb.Head = []string{w.Code, w.Label}
		for gi, g := range b.Groups {
			h := g
			if gi < len(b.GroupN) {
				h += " (N=" + strconv.Itoa(b.GroupN[gi]) + ")"
			}
			tb.Head = append(tb.Head, h)
			tb.Legend = append(tb.Legend, legendItem{Label: g, Color: groupColor(gi)})
		}
		tb.Head = append(tb.Head, w.Method, w.Chi2, w.DF, w.P, w.PAdj, w.CramersV)
		cells := map[[2]string]analysis.BreakdownCell{}
		var codes []string
		for _, c := range b.Cells {
			if _, ok := cells[[2]string{c.Code, ""}]; !ok {
				cells[[2]string{c.Code, ""}] = c
				codes = append(codes, c.Code)
			}
			cells[[2]string{c.Code, c.Group}] = c
		}
		sort.SliceStable(codes, func(i, j int) bool { return d.meta(codes[i]).Index < d.meta(codes[j]).Index })
		tests := map[string]analysis.Test{}
		for _, x := range b.Tests {
			tests[x.Code] = x
		}
		var series []barSeries
		for gi, g := range b.Groups {
			series = append(series, barSeries{Name: g, Color: groupColor(gi)})
		}
		var cats []catLabel
		for _, code := range codes {
			m := d.meta(code)
			cats = append(cats, catOf(m))
			row := []cell{codeCell(m), labelCell(m)}
			for gi, g := range b.Groups {
				c, ok := cells[[2]string{code, g}]
				switch {
				case !ok:
					row = append(row, blank())
					series[gi].Values = append(series[gi].Values, barDatum{Hidden: true})
				case c.Suppressed:
					row = append(row, suppc(orMask(c.Mask, supp)))
					series[gi].Values = append(series[gi].Values, barDatum{Hidden: true})
				default:
					row = append(row, cell{Text: nf.pct(c.Pct), Sub: nf.ci(c.CILow, c.CIHigh), Num: c.Pct, Kind: kPct})
					series[gi].Values = append(series[gi].Values, barDatum{V: c.Pct, Lo: c.CILow, Hi: c.CIHigh})
				}
			}
			if x, ok := tests[code]; ok && x.Valid && x.Masked {
				// A row with a hidden count shows no exact statistic.
				row = append(row, txt(w.testName(x.Method)), blank(), intc(x.DF), txt(nf.band(x.P)), txt(nf.band(x.PAdj)), blank())
			} else if ok && x.Valid && x.Method == "fisher" {
				// Fisher's exact test has no statistic or df to report.
				row = append(row, txt(w.testName(x.Method)), blank(), blank(), ptc(nf, x.P), ptc(nf, x.PAdj), statc(nf, x.CramersV))
			} else if ok && x.Valid {
				row = append(row, txt(w.testName(x.Method)), statc(nf, x.Chi2), intc(x.DF), ptc(nf, x.P), ptc(nf, x.PAdj), statc(nf, x.CramersV))
			} else {
				row = append(row, txt(w.NotTested), blank(), blank(), blank(), blank(), blank())
			}
			tb.Rows = append(tb.Rows, row)
		}
		tb.ChartTitle = tb.Caption + " (%)"
		tb.Chart = svgChart("chart-"+tb.ID, tb.ChartTitle, func() ([]byte, error) {
			return groupedBarChart(tb.ChartTitle, "%", cats, series)
		})
		s.Tables = append(s.Tables, tb)
	}
	return s
}

// groupColor colours attribute groups from a neutral blue ramp, kept apart
// from code colours so a group is never mistaken for a code.
func groupColor(i int) string {
	ramp := []string{"#1F4E79", "#5B9BD5", "#A9C8E8", "#7F7F7F", "#BFBFBF", "#2E75B6", "#9DC3E6", "#404040"}
	return ramp[i%len(ramp)]
}

// topPairs is how many co-occurring pairs the HTML and Markdown tables
// list; the heatmap shows them all and report.xlsx lists them all.
const topPairs = 20

func cooccurrenceSection(d *doc, t *analysis.Tables, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "cooccurrence", Title: w.Cooccurrence, Paras: []string{w.CoocIntro}}
	cs := append([]analysis.Cooccurrence(nil), t.Cooccurrence...)
	sort.SliceStable(cs, func(i, j int) bool {
		ai, aj := d.meta(cs[i].CodeA).Index, d.meta(cs[j].CodeA).Index
		if ai != aj {
			return ai < aj
		}
		return d.meta(cs[i].CodeB).Index < d.meta(cs[j].CodeB).Index
	})
	full := table{ID: "cooccurrence-all", Caption: w.Cooccurrence, Sheet: "Co-occurrence", XLSXOnly: true,
		Head: []string{w.CodeA, w.Label + " A", w.CodeB, w.Label + " B", w.N, w.Jaccard}}
	var ids []string
	seen := map[string]bool{}
	var shown []analysis.Cooccurrence
	for _, c := range cs {
		for _, id := range []string{c.CodeA, c.CodeB} {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		a, b := d.meta(c.CodeA), d.meta(c.CodeB)
		if c.Suppressed {
			full.Rows = append(full.Rows, []cell{codeCell(a), txt(a.Label), codeCell(b), txt(b.Label), suppc(supp), blank()})
			continue
		}
		full.Rows = append(full.Rows, []cell{codeCell(a), txt(a.Label), codeCell(b), txt(b.Label), intc(c.N), statc(nf, c.Jaccard)})
		// A code and its own sub-code overlap by construction; the list
		// is about codes that meet although the codebook does not nest them.
		if c.N > 0 && !d.nested(c.CodeA, c.CodeB) {
			shown = append(shown, c)
		}
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Jaccard > shown[j].Jaccard })
	top := table{ID: "cooccurrence-table", Caption: w.CoocTop, Head: []string{w.CodeA, w.CodeB, w.N, w.Jaccard}}
	for i, c := range shown {
		if i == topPairs {
			break
		}
		a, b := d.meta(c.CodeA), d.meta(c.CodeB)
		top.Rows = append(top.Rows, []cell{txt(a.Label), txt(b.Label), intc(c.N), statc(nf, c.Jaccard)})
	}
	top.Note = fmt.Sprintf(w.CoocNote, min(len(shown), topPairs), len(cs))
	sort.SliceStable(ids, func(i, j int) bool { return d.meta(ids[i]).Index < d.meta(ids[j]).Index })
	title := w.Cooccurrence + " (" + w.Jaccard + ")"
	chart := svgChart("chart-cooccurrence", title, func() ([]byte, error) {
		return heatmap(title, d, ids, cs, supp, nf)
	})
	// The heatmap goes with the short table; the full one is its sheet.
	top.Chart, top.ChartTitle = chart, title
	s.Tables = append(s.Tables, top, full)
	return s
}

// nested reports whether one code is an ancestor of the other.
func (d *doc) nested(a, b string) bool {
	anc := func(x, y string) bool {
		for p, n := d.meta(y).Parent, 0; p != "" && n < 32; p, n = d.meta(p).Parent, n+1 {
			if p == x {
				return true
			}
		}
		return false
	}
	return anc(a, b) || anc(b, a)
}

func likertSection(d *doc, t *analysis.Tables, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "likert", Title: w.Likert}
	tb := table{ID: "likert-table", Caption: w.Likert, Sheet: "Likert"}
	maxK := 0
	for _, it := range t.Likert {
		maxK = max(maxK, len(it.Scale))
	}
	tb.Head = []string{w.Item, w.Total}
	var scale []string
	if len(t.Likert) > 0 {
		scale = t.Likert[0].Scale
	}
	for k := 0; k < maxK; k++ {
		h := strconv.Itoa(k + 1)
		if k < len(scale) {
			h = scale[k]
		}
		tb.Head = append(tb.Head, h+" (%)")
		if k < len(scale) {
			tb.Legend = append(tb.Legend, legendItem{Label: h, Color: likertColor(k, len(scale))})
		}
	}
	tb.Head = append(tb.Head, w.Median, w.Agree, w.CI)
	var items []likertBar
	for _, it := range t.Likert {
		label := firstNonEmpty(it.Label, it.Item)
		row := []cell{txt(label), intc(it.N)}
		lb := likertBar{Label: label}
		for k := 0; k < maxK; k++ {
			switch {
			case k >= len(it.Counts):
				row = append(row, blank())
			case k < len(it.Suppressed) && it.Suppressed[k]:
				row = append(row, suppc(supp))
				lb.Pcts = append(lb.Pcts, -1)
			default:
				v := 0.0
				if it.N > 0 {
					v = 100 * float64(it.Counts[k]) / float64(it.N)
				}
				row = append(row, pctc(nf, v))
				lb.Pcts = append(lb.Pcts, v)
			}
		}
		row = append(row, stat2(nf, it.Median), pctc(nf, it.AgreePct), cic(nf, it.CILow, it.CIHigh))
		tb.Rows = append(tb.Rows, row)
		items = append(items, lb)
	}
	tb.ChartTitle = w.Likert + " (%)"
	tb.Chart = svgChart("chart-likert", tb.ChartTitle, func() ([]byte, error) {
		return likertChart(tb.ChartTitle, items, len(scale))
	})
	s.Tables = append(s.Tables, tb)

	by := table{ID: "likert-groups", Caption: w.Likert + " " + w.ByGroup, Sheet: "Likert " + w.ByGroup,
		Head: []string{w.Item, w.Group, w.Group, w.Total, w.Median, w.Agree, w.CI}}
	by.Head[1] = w.BreakdownBy
	for _, it := range t.Likert {
		for _, g := range it.By {
			row := []cell{txt(firstNonEmpty(it.Label, it.Item)), data(g.Attribute), data(g.Group)}
			if g.Suppressed {
				row = append(row, suppc(supp), blank(), blank(), blank())
			} else {
				row = append(row, intc(g.N), stat2(nf, g.Median), pctc(nf, g.AgreePct), cic(nf, g.CILow, g.CIHigh))
			}
			by.Rows = append(by.Rows, row)
		}
	}
	if len(by.Rows) > 0 {
		s.Tables = append(s.Tables, by)
	}
	return s
}

func wavesSection(d *doc, t *analysis.Tables, nf numFmt, supp string) section {
	w := d.W
	s := section{ID: "waves", Title: w.Waves}
	tb := table{ID: "waves-table", Caption: w.Waves, Sheet: w.Waves, Head: []string{w.Code, w.Label}, MergeCode: true}
	for i, wv := range t.Waves {
		tb.Head = append(tb.Head, wv+" (%)")
		tb.Legend = append(tb.Legend, legendItem{Label: wv, Color: groupColor(i)})
	}
	for i := 1; i < len(t.Waves); i++ {
		pair := t.Waves[i-1] + "→" + t.Waves[i]
		tb.Head = append(tb.Head, w.Change+" "+pair, w.ChangeCI)
	}
	prev := map[[2]string]analysis.Prevalence{}
	var codes []string
	for _, p := range t.WavePrev {
		if p.Level != "" && p.Level != analysis.RespondentLevel {
			continue
		}
		if _, ok := prev[[2]string{p.Code, ""}]; !ok {
			prev[[2]string{p.Code, ""}] = p
			codes = append(codes, p.Code)
		}
		prev[[2]string{p.Code, p.Wave}] = p
	}
	sort.SliceStable(codes, func(i, j int) bool { return d.meta(codes[i]).Index < d.meta(codes[j]).Index })
	changes := map[[3]string]analysis.WaveChange{}
	for _, c := range t.WaveChanges {
		changes[[3]string{c.Code, c.From, c.To}] = c
	}
	series := make([]barSeries, len(t.Waves))
	for i, wv := range t.Waves {
		series[i] = barSeries{Name: wv, Color: groupColor(i)}
	}
	var cats []catLabel
	for _, code := range codes {
		m := d.meta(code)
		cats = append(cats, catOf(m))
		row := []cell{codeCell(m), labelCell(m)}
		for i, wv := range t.Waves {
			p, ok := prev[[2]string{code, wv}]
			switch {
			case !ok:
				row = append(row, blank())
				series[i].Values = append(series[i].Values, barDatum{Hidden: true})
			case p.Suppressed:
				row = append(row, suppc(orMask(p.Mask, supp)))
				series[i].Values = append(series[i].Values, barDatum{Hidden: true})
			default:
				row = append(row, pctc(nf, p.Pct))
				series[i].Values = append(series[i].Values, barDatum{V: p.Pct, Lo: p.CILow, Hi: p.CIHigh})
			}
		}
		for i := 1; i < len(t.Waves); i++ {
			c, ok := changes[[3]string{code, t.Waves[i-1], t.Waves[i]}]
			if !ok {
				row = append(row, blank(), blank())
				continue
			}
			row = append(row, cell{Text: nf.signed(c.Diff, 1), Num: c.Diff, Kind: kStat2}, cic(nf, c.CILow, c.CIHigh))
		}
		tb.Rows = append(tb.Rows, row)
	}
	tb.ChartTitle = w.Waves + " (" + w.LevelResp + ", %)"
	tb.Chart = svgChart("chart-waves", tb.ChartTitle, func() ([]byte, error) {
		return groupedBarChart(tb.ChartTitle, "%", cats, series)
	})
	s.Tables = append(s.Tables, tb)
	return s
}

// maxDisagreements is how many disagreements HTML and Markdown list per
// comparison; disagreements.csv and report.xlsx list them all.
const maxDisagreements = 50

func agreementSection(d *doc, t *analysis.Tables, nf numFmt) section {
	w := d.W
	s := section{ID: "agreement", Title: w.Agreement, Paras: []string{w.AgreementIntro}}
	for i, a := range t.Agreement {
		suffix := ""
		if i > 0 {
			suffix = " " + strconv.Itoa(i+1)
		}
		pair := a.CoderA + " – " + a.CoderB
		tb := table{ID: "agreement-" + strconv.Itoa(i+1), Caption: w.Agreement + ": " + pair, Sheet: w.AgreementSheet + suffix, MergeCode: true,
			Head: []string{w.Code, w.Label, w.NUnits, w.Kappa, w.Alpha, w.Precision, w.Recall, w.F1, "% " + a.CoderA, "% " + a.CoderB}}
		rows := append([]analysis.AgreementRow(nil), a.Rows...)
		sort.SliceStable(rows, func(i, j int) bool { return d.meta(rows[i].Code).Index < d.meta(rows[j].Code).Index })
		add := func(code, label cell, r analysis.AgreementRow) {
			tb.Rows = append(tb.Rows, []cell{code, label, intc(r.NUnits), statc(nf, r.Kappa), statc(nf, r.Alpha),
				statc(nf, r.Precision), statc(nf, r.Recall), statc(nf, r.F1), pctc(nf, r.PrevA), pctc(nf, r.PrevB)})
		}
		for _, r := range rows {
			m := d.meta(r.Code)
			add(codeCell(m), labelCell(m), r)
		}
		add(txt(w.Overall), txt(""), a.Overall)
		s.Tables = append(s.Tables, tb)

		ds := sortedDisagreements(d, a.Disagreements)
		if len(ds) == 0 {
			continue
		}
		head := []string{w.Code, w.Label, w.Unit, a.CoderA, a.CoderB, w.Text}
		short := table{ID: "disagreements-" + strconv.Itoa(i+1), Caption: w.Disagreements + ": " + pair, Head: head, MergeCode: true}
		full := table{ID: "disagreements-all-" + strconv.Itoa(i+1), Caption: short.Caption, Head: head,
			Sheet: w.Disagreements + suffix, XLSXOnly: true}
		yes := func(b bool) cell {
			if b {
				return txt(w.Yes)
			}
			return txt(w.No)
		}
		for j, x := range ds {
			m := d.meta(x.Code)
			row := []cell{codeCell(m), {Text: m.Label}, data(x.UnitID), yes(x.A), yes(x.B), data(x.Text)}
			full.Rows = append(full.Rows, row)
			if j < maxDisagreements {
				short.Rows = append(short.Rows, row)
			}
		}
		if len(ds) > maxDisagreements {
			short.Note = fmt.Sprintf(w.DisagreementsMore, len(ds), maxDisagreements, len(ds), disagreementsFile(i), full.Sheet)
		} else {
			short.Note = fmt.Sprintf(w.DisagreementsAll, len(ds), disagreementsFile(i))
		}
		s.Tables = append(s.Tables, short, full)
	}
	if len(t.Agreement) > 0 {
		s.Paras = append(s.Paras, w.DisagreementsIntro)
	}
	return s
}

// disagreementsFile names the CSV of the i-th comparison's disagreements.
func disagreementsFile(i int) string {
	if i == 0 {
		return "disagreements.csv"
	}
	return "disagreements_" + strconv.Itoa(i+1) + ".csv"
}

// sortedDisagreements orders disagreements by code (codebook order), then
// by unit, so a researcher reads all problems with one code together.
func sortedDisagreements(d *doc, ds []analysis.Disagreement) []analysis.Disagreement {
	out := append([]analysis.Disagreement(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := d.meta(out[i].Code).Index, d.meta(out[j].Code).Index
		if a != b {
			return a < b
		}
		return out[i].UnitID < out[j].UnitID
	})
	return out
}

func quotesSection(d *doc, t *analysis.Tables) section {
	w := d.W
	s := section{ID: "quotes", Title: w.Quotes, Paras: []string{w.QuotesIntro}}
	groups := map[string]*quoteGroup{}
	var order []string
	for _, q := range t.Quotes {
		g, ok := groups[q.Code]
		if !ok {
			m := d.meta(q.Code)
			g = &quoteGroup{Code: m.ID, Label: m.Label, Color: m.Color}
			groups[q.Code] = g
			order = append(order, q.Code)
		}
		g.Quotes = append(g.Quotes, quoteView{Unit: q.UnitID, Source: q.Source, Parts: markSpans(q.Text, q.Spans)})
	}
	sort.SliceStable(order, func(i, j int) bool { return d.meta(order[i]).Index < d.meta(order[j]).Index })
	for _, c := range order {
		s.Quotes = append(s.Quotes, *groups[c])
	}
	if len(order) == 0 {
		s.Paras = append(s.Paras, w.NoQuotes)
	}
	return s
}

// markSpans cuts text into plain and highlighted parts. Spans come from
// another stage, so they are clamped, snapped to rune boundaries and merged
// when they overlap rather than trusted to be well-formed.
func markSpans(text string, spans []study.Span) []textPart {
	var ss []study.Span
	for _, sp := range spans {
		a, b := clampRune(text, sp.Start), clampRune(text, sp.End)
		if a < b {
			ss = append(ss, study.Span{Start: a, End: b})
		}
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Start < ss[j].Start })
	var merged []study.Span
	for _, sp := range ss {
		if n := len(merged); n > 0 && sp.Start <= merged[n-1].End {
			merged[n-1].End = max(merged[n-1].End, sp.End)
			continue
		}
		merged = append(merged, sp)
	}
	var parts []textPart
	pos := 0
	for _, sp := range merged {
		if sp.Start > pos {
			parts = append(parts, textPart{Text: text[pos:sp.Start]})
		}
		parts = append(parts, textPart{Text: text[sp.Start:sp.End], Mark: true})
		pos = sp.End
	}
	if pos < len(text) {
		parts = append(parts, textPart{Text: text[pos:]})
	}
	return parts
}

func clampRune(s string, i int) int {
	if i <= 0 {
		return 0
	}
	if i >= len(s) {
		return len(s)
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

func codebookSection(d *doc, cb Codebook) section {
	w := d.W
	s := section{ID: "codebook", Title: w.Appendix}
	if cb.Name != "" {
		s.Defs = append(s.Defs, [2]string{w.Name, cb.Name}, [2]string{w.Version, cb.Version}, [2]string{w.Hash, cb.Hash})
	}
	tb := table{ID: "codebook-table", Caption: w.CodebookT, Sheet: w.CodebookT,
		Head: []string{w.Code, "NL", "EN", w.Parent, w.Description, w.Terms, w.Exclude, w.Negation, w.Color}}
	for _, c := range cb.Codes {
		m := d.meta(c.ID)
		tb.Rows = append(tb.Rows, []cell{codeCell(m), {Text: c.LabelNL, Indent: m.Depth}, txt(c.LabelEN), txt(c.Parent),
			txt(c.Description), txt(langList(c.Terms)), txt(langList(c.Exclude)), txt(c.Negation), {Text: m.Color, Color: m.Color}})
	}
	s.Tables = append(s.Tables, tb)
	return s
}

func langList(m map[string][]string) string {
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var parts []string
	for _, l := range langs {
		if len(m[l]) > 0 {
			parts = append(parts, l+": "+strings.Join(m[l], ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// sheetName makes an Excel-legal sheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 31 {
		s = strings.TrimSpace(string([]rune(s)[:31]))
	}
	if s == "" {
		s = "_"
	}
	return s
}
