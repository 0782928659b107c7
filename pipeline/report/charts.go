package report

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/veldstem/veldstem/pipeline/analysis"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

type barDatum struct {
	Label, Color string
	Depth        int  // code depth: sub-codes are indented under parents
	Parent       bool // a code with sub-codes: its label is bold
	V, Lo, Hi    float64
	Hidden       bool // suppressed: no bar, the table says "<5"
}

// catLabel is one category on a chart's label axis.
type catLabel struct {
	Text   string
	Depth  int
	Parent bool
}

func catOf(m codeMeta) catLabel {
	return catLabel{Text: m.Label, Depth: m.Depth, Parent: m.HasChildren}
}

func plainCats(xs []string) []catLabel {
	out := make([]catLabel, len(xs))
	for i, x := range xs {
		out[i] = catLabel{Text: x}
	}
	return out
}

type barSeries struct {
	Name, Color string
	Values      []barDatum // one per category
}

type likertBar struct {
	Label string
	Pcts  []float64 // per scale point; -1 when suppressed
}

const chartWidth = 17 * vg.Centimeter

// sansFont is Liberation Sans, metric-compatible with Arial and Helvetica:
// the SVG names the family without embedding it (embedding would add
// ~400 kB per chart), and the page's CSS falls back to those fonts, so text
// measured by gonum fits whichever of them the browser has.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold, Size: 11}
	p.Title.Padding = vg.Points(6)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = sansFont
		ax.Label.TextStyle.Font.Size = 9
		ax.Tick.Label.Font = sansFont
		ax.Tick.Label.Font.Size = 8.5
		ax.Color = color.Gray{Y: 0x66}
		ax.Tick.Color = color.Gray{Y: 0x66}
		ax.Tick.Label.Color = color.Gray{Y: 0x22}
	}
	p.Y.Tick.Length = 0
	p.Y.Padding = vg.Points(2)
	return p
}

// svgChart renders a chart and makes vgsvg's standalone SVG document
// embeddable in HTML: the XML prolog and generator comment go, and the root
// gets an id, role="img" and a <title> so screen readers announce it. A
// chart that fails to draw becomes a visible note; its table still carries
// the numbers.
func svgChart(id, title string, draw func() ([]byte, error)) (out template.HTML) {
	defer func() {
		if r := recover(); r != nil {
			out = template.HTML(`<p class="chart-error">` + html.EscapeString(fmt.Sprint(r)) + `</p>`)
		}
	}()
	b, err := draw()
	if err != nil {
		return template.HTML(`<p class="chart-error">` + html.EscapeString(err.Error()) + `</p>`)
	}
	return template.HTML(embeddable(b, id, title))
}

var (
	svgProlog  = regexp.MustCompile(`^<\?xml[^>]*\?>\s*(<!--[^>]*-->\s*)?`)
	svgOpenTag = regexp.MustCompile(`^<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)
)

func embeddable(b []byte, id, title string) string {
	s := svgProlog.ReplaceAllString(string(b), "")
	s = svgOpenTag.ReplaceAllString(s, `<svg id="`+id+`" class="chart-svg" role="img" aria-labelledby="`+id+`-title" width="${1}pt" height="${2}pt"`)
	// The title goes right after the root's start tag, which ends at the
	// first '>' because vgsvg writes no '>' inside its attributes.
	if i := bytes.IndexByte([]byte(s), '>'); i >= 0 {
		s = s[:i+1] + "\n<title id=\"" + id + "-title\">" + html.EscapeString(title) + "</title>" + s[i+1:]
	}
	return s
}

func writeSVG(p *plot.Plot, h vg.Length) ([]byte, error) {
	return writeLabeledSVG(p, h, nil)
}

const (
	labelIndent = vg.Length(9)   // per level of code depth
	labelGap    = vg.Length(5)   // between the label column and the plot
	maxLabelW   = vg.Length(205) // longer labels are cut with "…"
)

// writeLabeledSVG draws the category labels of a horizontal chart itself,
// left-aligned in a column left of the plot, so that sub-codes can be
// indented under their parent and parents set in bold (gonum's own tick
// labels are right-aligned and share one style). cats[0] is the top row,
// at y = len(cats)-1 in data coordinates.
func writeLabeledSVG(p *plot.Plot, h vg.Length, cats []catLabel) ([]byte, error) {
	return writeLabeledSVGWidth(p, chartWidth, h, cats)
}

func writeLabeledSVGWidth(p *plot.Plot, w, h vg.Length, cats []catLabel) ([]byte, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	if len(cats) == 0 {
		p.Draw(dc)
	} else {
		styles := make([]draw.TextStyle, len(cats))
		texts := make([]string, len(cats))
		colW := vg.Length(0)
		for i, cl := range cats {
			sty := p.Y.Tick.Label
			sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
			if cl.Parent {
				sty.Font.Weight = xfont.WeightBold
			}
			indent := labelIndent * vg.Length(cl.Depth)
			texts[i] = fitText(sty, cl.Text, maxLabelW-indent)
			styles[i] = sty
			colW = max(colW, indent+sty.Width(texts[i]))
		}
		blank := make([]string, len(cats))
		p.NominalY(blank...)
		pc := draw.Crop(dc, colW+labelGap, 0, 0, 0)
		p.Draw(pc)
		da := p.DataCanvas(pc)
		_, ty := p.Transforms(&da)
		n := len(cats)
		for i, cl := range cats {
			pt := vg.Point{X: dc.Min.X + labelIndent*vg.Length(cl.Depth), Y: ty(float64(n - 1 - i))}
			dc.FillText(styles[i], pt, texts[i])
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fitText makes s at most w wide: on one line if it fits, else broken at
// a space into two lines, else cut with "…" (the table beside the chart
// has the full label).
func fitText(sty draw.TextStyle, s string, w vg.Length) string {
	s = strings.Join(strings.Fields(s), " ")
	if sty.Width(s) <= w {
		return s
	}
	// The latest space whose first line fits; the rest is cut if need be.
	for i := len(s) - 1; i > 0; i-- {
		if s[i] == ' ' && sty.Width(s[:i]) <= w {
			return s[:i] + "\n" + cutText(sty, s[i+1:], w)
		}
	}
	return cutText(sty, s, w)
}

func cutText(sty draw.TextStyle, s string, w vg.Length) string {
	if sty.Width(s) <= w {
		return s
	}
	r := []rune(s)
	for n := len(r) - 1; n > 0; n-- {
		t := strings.TrimRight(string(r[:n]), " ,;:-–") + "…"
		if sty.Width(t) <= w {
			return t
		}
	}
	return "…"
}

func hexToColor(s string) color.Color {
	if !hexColor.MatchString(s) {
		return color.Gray{Y: 0x88}
	}
	r, g, b := parseHex(s)
	return color.RGBA{R: r, G: g, B: b, A: 0xff}
}

// shapes is a minimal plotter of filled boxes, lines and labels in data
// coordinates. gonum's BarChart colours a whole series alike; the report
// needs one colour per code (from the codebook) and diverging stacks.
type shapes struct {
	rects                  []rectShape
	lines                  []lineShape
	texts                  []textShape
	xmin, xmax, ymin, ymax float64
}

type rectShape struct {
	x0, x1, y0, y1 float64
	fill           color.Color
}

type lineShape struct {
	x0, y0, x1, y1 float64
	stroke         color.Color
	width          vg.Length
}

type textShape struct {
	x, y float64
	s    string
	fill color.Color
}

func (s *shapes) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	for _, r := range s.rects {
		c.FillPolygon(r.fill, []vg.Point{{X: tx(r.x0), Y: ty(r.y0)}, {X: tx(r.x1), Y: ty(r.y0)}, {X: tx(r.x1), Y: ty(r.y1)}, {X: tx(r.x0), Y: ty(r.y1)}})
	}
	for _, l := range s.lines {
		c.StrokeLine2(draw.LineStyle{Color: l.stroke, Width: l.width}, tx(l.x0), ty(l.y0), tx(l.x1), ty(l.y1))
	}
	sty := p.Y.Tick.Label
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	for _, t := range s.texts {
		sty.Color = t.fill
		c.FillText(sty, vg.Point{X: tx(t.x), Y: ty(t.y)}, t.s)
	}
}

func (s *shapes) DataRange() (xmin, xmax, ymin, ymax float64) {
	return s.xmin, s.xmax, s.ymin, s.ymax
}

func (s *shapes) whisker(lo, hi, y, half float64) {
	ink := color.Gray{Y: 0x22}
	w := vg.Points(0.8)
	s.lines = append(s.lines,
		lineShape{lo, y, hi, y, ink, w},
		lineShape{lo, y - half, lo, y + half, ink, w},
		lineShape{hi, y - half, hi, y + half, ink, w})
}

func pctAxisMax(vals ...float64) float64 {
	m := 0.0
	for _, v := range vals {
		m = math.Max(m, v)
	}
	m = math.Ceil(m/10) * 10
	if m < 10 {
		m = 10
	}
	return math.Min(100, m)
}

func verticalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Horizontal.Width = 0
	g.Vertical.Color = color.Gray{Y: 0xE0}
	g.Vertical.Width = vg.Points(0.5)
	return g
}

// barChart draws one horizontal bar per category, first category on top,
// with its 95% interval as a whisker.
func barChart(title, xlabel string, bars []barDatum) ([]byte, error) {
	p := newPlot(title)
	n := len(bars)
	s := &shapes{xmin: 0, ymin: -0.6, ymax: float64(n) - 0.4}
	var labels []catLabel
	var his []float64
	for i, b := range bars {
		y := float64(n - 1 - i)
		labels = append(labels, catLabel{Text: b.Label, Depth: b.Depth, Parent: b.Parent})
		if b.Hidden {
			continue
		}
		s.rects = append(s.rects, rectShape{0, b.V, y - 0.34, y + 0.34, hexToColor(b.Color)})
		s.whisker(b.Lo, b.Hi, y, 0.12)
		his = append(his, b.Hi, b.V)
	}
	s.xmax = pctAxisMax(his...)
	p.X.Min, p.X.Max = 0, s.xmax
	p.X.Label.Text = xlabel
	p.Add(verticalGrid(), s)
	return writeLabeledSVG(p, vg.Length(n)*0.75*vg.Centimeter+3*vg.Centimeter, labels)
}

// groupedBarChart draws, per category, one thinner bar per series (groups
// of an attribute, or waves) so groups compare within a code.
func groupedBarChart(title, xlabel string, cats []catLabel, series []barSeries) ([]byte, error) {
	p := newPlot(title)
	n, k := len(cats), len(series)
	if k == 0 {
		k = 1
	}
	s := &shapes{xmin: 0, ymin: -0.6, ymax: float64(n) - 0.4}
	band := 0.8 / float64(k)
	var his []float64
	for j, se := range series {
		for i, b := range se.Values {
			if i >= n || b.Hidden {
				continue
			}
			y := float64(n-1-i) + 0.4 - band*(float64(j)+0.5)
			s.rects = append(s.rects, rectShape{0, b.V, y - band*0.42, y + band*0.42, hexToColor(se.Color)})
			if b.Hi > b.Lo {
				s.whisker(b.Lo, b.Hi, y, band*0.2)
			}
			his = append(his, b.Hi, b.V)
		}
	}
	s.xmax = pctAxisMax(his...)
	p.X.Min, p.X.Max = 0, s.xmax
	p.X.Label.Text = xlabel
	p.Add(verticalGrid(), s)
	return writeLabeledSVG(p, vg.Length(n)*(0.45+0.3*vg.Length(k))*vg.Centimeter+3*vg.Centimeter, cats)
}

// likertColor spreads scale points from red (disagree) through grey
// (neutral) to blue (agree); red–blue stays readable for colour-blind
// readers where red–green would not.
func likertColor(i, k int) string {
	if k <= 1 {
		return "#BDBDBD"
	}
	t := float64(i) / float64(k-1)
	mix := func(a, b [3]float64, f float64) string {
		return fmt.Sprintf("#%02X%02X%02X", int(a[0]+(b[0]-a[0])*f+0.5), int(a[1]+(b[1]-a[1])*f+0.5), int(a[2]+(b[2]-a[2])*f+0.5))
	}
	red, grey, blue := [3]float64{0xB2, 0x18, 0x2B}, [3]float64{0xD0, 0xD0, 0xD0}, [3]float64{0x21, 0x66, 0xAC}
	if t < 0.5 {
		return mix(red, grey, t/0.5)
	}
	return mix(grey, blue, (t-0.5)/0.5)
}

// likertChart draws diverging stacked bars: disagreement to the left of
// zero, agreement to the right, a neutral midpoint split across zero.
// Suppressed scale points are left out, so such a bar is shorter than 100%.
func likertChart(title string, items []likertBar, k int) ([]byte, error) {
	p := newPlot(title)
	n := len(items)
	s := &shapes{xmin: -100, xmax: 100, ymin: -0.6, ymax: float64(n) - 0.4}
	var labels []string
	for i, it := range items {
		labels = append(labels, it.Label)
		y := float64(n - 1 - i)
		val := func(j int) float64 {
			if j < len(it.Pcts) && it.Pcts[j] > 0 {
				return it.Pcts[j]
			}
			return 0
		}
		mid, half := k/2, 0.0
		if k%2 == 1 {
			half = val(mid) / 2
			s.rects = append(s.rects, rectShape{-half, half, y - 0.34, y + 0.34, hexToColor(likertColor(mid, k))})
		}
		left := -half
		for j := k/2 - 1; j >= 0; j-- {
			s.rects = append(s.rects, rectShape{left - val(j), left, y - 0.34, y + 0.34, hexToColor(likertColor(j, k))})
			left -= val(j)
		}
		right := half
		for j := (k + 1) / 2; j < k; j++ {
			s.rects = append(s.rects, rectShape{right, right + val(j), y - 0.34, y + 0.34, hexToColor(likertColor(j, k))})
			right += val(j)
		}
	}
	s.lines = append(s.lines, lineShape{0, -0.6, 0, float64(n) - 0.4, color.Gray{Y: 0x33}, vg.Points(0.8)})
	p.X.Min, p.X.Max = -100, 100
	p.X.Label.Text = "%"
	var ticks []plot.Tick
	for v := -100.0; v <= 100; v += 25 {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(math.Abs(v)))})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.Add(verticalGrid(), s)
	return writeLabeledSVG(p, vg.Length(n)*0.8*vg.Centimeter+3*vg.Centimeter, plainCats(labels))
}

// heatmap shows co-occurrence as the lower triangle of a matrix (the
// upper one would repeat it): cell shade is the Jaccard index, the number
// is the count of respondents with both codes. Rows and columns carry the
// codes' labels; rows are indented by code depth like the other charts.
func heatmap(title string, d *doc, ids []string, cs []analysis.Cooccurrence, supp string, _ numFmt) ([]byte, error) {
	p := newPlot(title)
	n := len(ids)
	if n < 2 {
		return writeSVG(p, 3*vg.Centimeter)
	}
	pos := map[string]int{}
	for i, id := range ids {
		pos[id] = i
	}
	// Rows are codes 2..n, columns codes 1..n-1: row r, column c with c < r.
	rows, cols := n-1, n-1
	var ylabels []catLabel
	for _, id := range ids[1:] {
		ylabels = append(ylabels, catOf(d.meta(id)))
	}
	xsty := p.X.Tick.Label
	var xlabels []string
	maxX := vg.Length(0)
	for _, id := range ids[:n-1] {
		l := cutText(xsty, d.meta(id).Label, maxLabelW*0.8)
		xlabels = append(xlabels, l)
		maxX = max(maxX, xsty.Width(l))
	}
	s := &shapes{xmin: -0.5, xmax: float64(cols) - 0.5, ymin: -0.5, ymax: float64(rows) - 0.5}
	cellAt := func(r, c int) (x, y float64) { return float64(c), float64(rows - r) }
	for r := 1; r < n; r++ {
		for c := 0; c < r; c++ {
			x, y := cellAt(r, c)
			s.rects = append(s.rects, rectShape{x - 0.47, x + 0.47, y - 0.47, y + 0.47, color.Gray{Y: 0xF2}})
		}
	}
	for _, cc := range cs {
		a, b := pos[cc.CodeA], pos[cc.CodeB]
		if a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		x, y := cellAt(b, a)
		if cc.Suppressed {
			s.rects = append(s.rects, rectShape{x - 0.47, x + 0.47, y - 0.47, y + 0.47, color.Gray{Y: 0xE4}})
			s.texts = append(s.texts, textShape{x, y, supp, color.Gray{Y: 0x55}})
			continue
		}
		f := math.Max(0, math.Min(1, cc.Jaccard))
		// White to deep blue; text turns white where the cell is dark.
		fill := color.RGBA{R: uint8(255 - 222*f), G: uint8(255 - 153*f), B: uint8(255 - 83*f), A: 255}
		ink := color.Color(color.Gray{Y: 0x11})
		if f > 0.45 {
			ink = color.White
		}
		s.rects = append(s.rects, rectShape{x - 0.47, x + 0.47, y - 0.47, y + 0.47, fill})
		s.texts = append(s.texts, textShape{x, y, strconv.Itoa(cc.N), ink})
	}
	p.Add(s)
	p.NominalX(xlabels...)
	p.X.Tick.Length = 0
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.X.Label.Text = ""
	p.X.LineStyle.Width = 0
	p.Y.LineStyle.Width = 0
	// Square cells: the plot area is as tall as it is wide, plus room for
	// the rotated column labels and the title.
	cell := (heatmapWidth - maxLabelW - labelGap - vg.Points(12)) / vg.Length(cols)
	h := cell*vg.Length(rows) + maxX + vg.Points(48)
	return writeLabeledSVGWidth(p, heatmapWidth, h, ylabels)
}

// heatmapWidth is wider than other charts: 21 columns need room for their
// numbers; printed, the page scales it to its width.
const heatmapWidth = 21 * vg.Centimeter
