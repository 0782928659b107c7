package report

import (
	"bytes"
	"encoding/csv"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

// csvTable builds one CSV file. Numbers are formatted here with fixed
// precision; text goes through safeText so no cell can start a formula.
type csvTable struct {
	comma bool // ',' decimals, for the ';' dialect
	supp  string
	rows  [][]string
}

func (t *csvTable) num(v float64, prec int) string {
	// An empty cell, not numFmt's dash, is what R and SPSS read as missing.
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return numFmt{comma: t.comma}.fixed(v, prec)
}

func (t *csvTable) add(cells ...string) { t.rows = append(t.rows, cells) }

// safeText defuses formula injection: spreadsheet programs evaluate a cell
// starting with = + - @ (and, in some, tab or CR) as a formula, so such
// text gets a leading apostrophe, which Excel shows as text and hides.
func safeText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (t *csvTable) bytes(delim rune, bom bool) []byte {
	var buf bytes.Buffer
	if bom {
		buf.WriteString("\uFEFF")
	}
	w := csv.NewWriter(&buf)
	w.Comma = delim
	_ = w.WriteAll(t.rows) // writes to memory; cannot fail
	return buf.Bytes()
}

func renderCSVs(in Input, opts Options) []namedFile {
	tb := in.Tables
	d := buildLabels(in)
	newT := func(head ...string) *csvTable {
		t := &csvTable{comma: opts.CSVDelimiter == ';', supp: suppressedText(tb.MinCell)}
		t.add(head...)
		return t
	}
	var files []namedFile
	emit := func(name string, t *csvTable) {
		files = append(files, namedFile{name, t.bytes(opts.CSVDelimiter, opts.CSVBOM)})
	}

	prev := newT("code", "label", "level", "n", "N", "pct", "ci_low", "ci_high")
	for _, p := range sortedPrev(d, tb.Prevalence) {
		n, pct, lo, hi := strconv.Itoa(p.N), prev.num(p.Pct, 1), prev.num(p.CILow, 1), prev.num(p.CIHigh, 1)
		if p.Suppressed {
			n, pct, lo, hi = orMask(p.Mask, prev.supp), "", "", ""
		}
		prev.add(safeText(p.Code), safeText(d.meta(p.Code).Label), string(p.Level), n, strconv.Itoa(p.Total), pct, lo, hi)
	}
	emit("prevalence.csv", prev)

	used := map[string]int{}
	for _, b := range tb.Breakdowns {
		t := newT("code", "group", "n", "N", "pct", "ci_low", "ci_high", "chi2", "df", "p", "p_adj", "cramers_v")
		tests := map[string]analysis.Test{}
		for _, x := range b.Tests {
			tests[x.Code] = x
		}
		cells := append([]analysis.BreakdownCell(nil), b.Cells...)
		gi := map[string]int{}
		for i, g := range b.Groups {
			gi[g] = i
		}
		sort.SliceStable(cells, func(i, j int) bool {
			a, c := d.meta(cells[i].Code).Index, d.meta(cells[j].Code).Index
			if a != c {
				return a < c
			}
			return gi[cells[i].Group] < gi[cells[j].Group]
		})
		for _, c := range cells {
			n, pct, lo, hi := strconv.Itoa(c.N), t.num(c.Pct, 1), t.num(c.CILow, 1), t.num(c.CIHigh, 1)
			if c.Suppressed {
				n, pct, lo, hi = orMask(c.Mask, t.supp), "", "", ""
			}
			row := []string{safeText(c.Code), safeText(c.Group), n, strconv.Itoa(c.Total), pct, lo, hi}
			if x, ok := tests[c.Code]; ok && x.Valid && x.Masked {
				row = append(row, "", strconv.Itoa(x.DF), analysis.PBand(x.P), analysis.PBand(x.PAdj), "")
			} else if ok && x.Valid && x.Method == "fisher" {
				row = append(row, "", "", t.num(x.P, 4), t.num(x.PAdj, 4), t.num(x.CramersV, 3))
			} else if ok && x.Valid {
				row = append(row, t.num(x.Chi2, 3), strconv.Itoa(x.DF), t.num(x.P, 4), t.num(x.PAdj, 4), t.num(x.CramersV, 3))
			} else {
				row = append(row, "", "", "", "", "")
			}
			t.add(row...)
		}
		name := "breakdown_" + fileSlug(b.Attribute)
		used[name]++
		if used[name] > 1 {
			name += "_" + strconv.Itoa(used[name])
		}
		emit(name+".csv", t)
	}

	co := newT("code_a", "code_b", "n", "jaccard")
	for _, c := range tb.Cooccurrence {
		if c.Suppressed {
			co.add(safeText(c.CodeA), safeText(c.CodeB), co.supp, "")
			continue
		}
		co.add(safeText(c.CodeA), safeText(c.CodeB), strconv.Itoa(c.N), co.num(c.Jaccard, 3))
	}
	emit("cooccurrence.csv", co)

	maxK := 0
	for _, it := range tb.Likert {
		maxK = max(maxK, len(it.Scale))
	}
	head := []string{"item", "label", "attribute", "group", "N", "median", "agree_pct", "ci_low", "ci_high"}
	for k := 1; k <= maxK; k++ {
		head = append(head, "n_"+strconv.Itoa(k))
	}
	lk := newT(head...)
	for _, it := range tb.Likert {
		row := []string{safeText(it.Item), safeText(it.Label), "", "", strconv.Itoa(it.N), lk.num(it.Median, 1), lk.num(it.AgreePct, 1), lk.num(it.CILow, 1), lk.num(it.CIHigh, 1)}
		for k := 0; k < maxK; k++ {
			switch {
			case k >= len(it.Counts):
				row = append(row, "")
			case k < len(it.Suppressed) && it.Suppressed[k]:
				row = append(row, lk.supp)
			default:
				row = append(row, strconv.Itoa(it.Counts[k]))
			}
		}
		lk.add(row...)
		for _, g := range it.By {
			row := []string{safeText(it.Item), safeText(it.Label), safeText(g.Attribute), safeText(g.Group)}
			if g.Suppressed {
				row = append(row, lk.supp, "", "", "", "")
			} else {
				row = append(row, strconv.Itoa(g.N), lk.num(g.Median, 1), lk.num(g.AgreePct, 1), lk.num(g.CILow, 1), lk.num(g.CIHigh, 1))
			}
			for k := 0; k < maxK; k++ {
				row = append(row, "")
			}
			lk.add(row...)
		}
	}
	emit("likert.csv", lk)

	wv := newT("code", "wave", "n", "N", "pct", "ci_low", "ci_high", "change_from", "diff", "diff_ci_low", "diff_ci_high")
	changes := map[[2]string]analysis.WaveChange{}
	for _, c := range tb.WaveChanges {
		changes[[2]string{c.Code, c.To}] = c
	}
	for _, p := range sortedPrev(d, tb.WavePrev) {
		n, pct, lo, hi := strconv.Itoa(p.N), wv.num(p.Pct, 1), wv.num(p.CILow, 1), wv.num(p.CIHigh, 1)
		if p.Suppressed {
			n, pct, lo, hi = orMask(p.Mask, wv.supp), "", "", ""
		}
		row := []string{safeText(p.Code), safeText(p.Wave), n, strconv.Itoa(p.Total), pct, lo, hi}
		if c, ok := changes[[2]string{p.Code, p.Wave}]; ok {
			row = append(row, safeText(c.From), wv.num(c.Diff, 1), wv.num(c.CILow, 1), wv.num(c.CIHigh, 1))
		} else {
			row = append(row, "", "", "", "")
		}
		wv.add(row...)
	}
	emit("waves.csv", wv)

	if len(tb.Agreement) > 0 {
		a := tb.Agreement[0]
		ag := newT("code", "n_units", "kappa", "alpha", "precision", "recall", "f1", "prevalence_auto", "prevalence_gold")
		add := func(code string, r analysis.AgreementRow) {
			ag.add(safeText(code), strconv.Itoa(r.NUnits), ag.num(r.Kappa, 3), ag.num(r.Alpha, 3), ag.num(r.Precision, 3),
				ag.num(r.Recall, 3), ag.num(r.F1, 3), ag.num(r.PrevA, 1), ag.num(r.PrevB, 1))
		}
		for _, r := range a.Rows {
			add(r.Code, r)
		}
		add("_overall", a.Overall)
		emit("agreement.csv", ag)
	}
	for i, a := range tb.Agreement {
		if len(a.Disagreements) == 0 && i > 0 {
			continue
		}
		// The first comparison is the automatic coding against gold; a
		// second one (gold against a second coder) names its own columns.
		colA, colB, name := "auto", "gold", disagreementsFile(i)
		if i > 0 {
			colA, colB = fileSlug(a.CoderA), fileSlug(a.CoderB)
		}
		dt := newT("code", "unit_id", colA, colB, "text")
		for _, x := range sortedDisagreements(d, a.Disagreements) {
			dt.add(safeText(x.Code), safeText(x.UnitID), flag01(x.A), flag01(x.B), safeText(x.Text))
		}
		emit(name, dt)
	}

	return files
}

// writeCodingsCSVParts streams codings.csv, one row per coded unit, into
// w, laid out in parts (segments.go):
// the rows of each of in.Parts that prev holds are copied from it rather
// than rendered. It returns where the parts lie in what it wrote.
func writeCodingsCSVParts(w io.Writer, in Input, opts Options, prev *reuse) (*SegmentFile, error) {
	cnt := &countingWriter{w: w}
	if opts.CSVBOM {
		if _, err := io.WriteString(cnt, "\uFEFF"); err != nil {
			return nil, err
		}
	}
	cw := csv.NewWriter(cnt)
	cw.Comma = opts.CSVDelimiter
	cm := newMatrix(in, buildLabels(in))
	// The header goes through csv.Writer, which rejects a delimiter it
	// cannot write before any row is; the rows are appended to buf
	// (csvRows) and written when it holds 64 KiB.
	if err := cw.Write(cm.head); err != nil {
		return nil, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return nil, err
	}
	rows := newCSVRows(cm.codes, cw.Comma)
	buf := make([]byte, 0, 64<<10+4<<10)
	flush := func() error {
		_, err := cnt.Write(buf)
		buf = buf[:0]
		return err
	}
	out := &SegmentFile{Format: segmentFormat}
	// at is the offset of the next byte in w.
	at := func() (int64, error) {
		err := flush()
		return cnt.n, err
	}
	rec := -1 // the rendered part open in out.Parts
	var openAt int64
	walk := newPartWalk(in.Parts)
	walk.lookup = func(i int) (PartSegment, bool) { return prev.part(in.Parts[i].Key) }
	walk.copy = func(_ int, p PartSegment) error {
		start, err := at()
		if err == nil {
			err = prev.copy(cnt, p.Body)
		}
		out.Parts = append(out.Parts, PartSegment{Key: p.Key, Body: Segment{Off: start, Len: p.Body.Len}})
		out.Copied++
		return err
	}
	walk.open = func(i int) error {
		if i < 0 || in.Parts[i].Key == "" {
			return nil
		}
		out.Parts = append(out.Parts, PartSegment{Key: in.Parts[i].Key})
		rec = len(out.Parts) - 1
		var err error
		openAt, err = at()
		return err
	}
	walk.end = func() error {
		if rec < 0 {
			return nil
		}
		end, err := at()
		out.Parts[rec].Body = Segment{Off: openAt, Len: end - openAt}
		rec = -1
		return err
	}
	err := in.eachCodes(func(u study.Unit, codes []string) error {
		if _, skip, err := walk.unit(u.Source, u.File); err != nil || skip || u.Context {
			return err
		}
		if buf = rows.appendRow(buf, u, codes); len(buf) >= 64<<10 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = walk.finish()
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func flag01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// buildLabels gives the CSV writer the same code order and labels as the
// other renderers without building charts.
func buildLabels(in Input) *doc {
	d := &doc{byID: map[string]codeMeta{}}
	lang := "nl"
	if in.Tables.Language == "en" {
		lang = "en"
	}
	d.codes = codeMetas(in.Tables, in.Codebook, lang)
	for _, m := range d.codes {
		d.byID[m.ID] = m
	}
	return d
}

// matrix is the unit-level 0/1 matrix: one row per coded unit (context
// turns are never coded and are left out), one column per code in codebook
// order. Its rows are streamed from the units (see each).
type matrix struct {
	head  []string
	codes []string
}

func newMatrix(in Input, d *doc) matrix {
	m := matrix{head: []string{"unit_id", "respondent_id", "source", "question_or_speaker"}}
	if len(in.Codebook.Codes) > 0 {
		for _, c := range in.Codebook.Codes {
			m.codes = append(m.codes, c.ID)
		}
	} else {
		for _, c := range d.codes {
			m.codes = append(m.codes, c.ID)
		}
	}
	m.head = append(m.head, m.codes...)
	return m
}

// fileSlug turns an attribute name into a portable file name part.
func fileSlug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "attribute"
	}
	return b.String()
}
