package report

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// renderXLSX writes one sheet per table of the report plus the codebook and
// the unit-level Codings matrix, whose rows come from sp. Respondent text is
// always stored with SetCellStr, a shared string, so Excel never evaluates
// it as a formula.
func renderXLSX(w io.Writer, d *doc, in Input, sp *codingSpool) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	st, err := newXLSXStyles(f)
	if err != nil {
		return fmt.Errorf("report: report.xlsx styles: %w", err)
	}
	used := map[string]bool{}
	first := true
	newSheet := func(name string) (string, error) {
		name = sheetName(name)
		base := name
		for i := 2; used[name]; i++ {
			suffix := " " + strconv.Itoa(i)
			r := []rune(base)
			if len(r)+len(suffix) > 31 {
				r = r[:31-len(suffix)]
			}
			name = string(r) + suffix
		}
		used[name] = true
		if first {
			first = false
			return name, f.SetSheetName("Sheet1", name)
		}
		_, err := f.NewSheet(name)
		return name, err
	}

	for _, s := range d.Sections {
		for _, t := range s.Tables {
			if t.Sheet == "" {
				continue
			}
			name, err := newSheet(t.Sheet)
			if err != nil {
				return fmt.Errorf("report: report.xlsx sheet %q: %w", t.Sheet, err)
			}
			if err := writeSheet(f, name, t.Head, t.Rows, st); err != nil {
				return fmt.Errorf("report: report.xlsx sheet %q: %w", name, err)
			}
		}
	}

	m := newMatrix(in, buildLabels(in))
	cz := &codingsZip{m: m, sp: sp}
	for part := 1; part == 1 || (part-1)*maxSheetRows < sp.rows; part++ {
		// A sheet holds 1,048,576 rows; a national panel has more units,
		// so they continue on the next sheet rather than fail.
		name := d.W.Codings
		if part > 1 {
			name = fmt.Sprintf("%s %d", d.W.Codings, part)
		}
		name, err := newSheet(name)
		if err != nil {
			return fmt.Errorf("report: report.xlsx sheet %q: %w", name, err)
		}
		path, err := startCodingsSheet(f, name, m, sp.widths, st)
		if err != nil {
			return fmt.Errorf("report: report.xlsx sheet %q: %w", name, err)
		}
		cz.paths = append(cz.paths, path)
	}
	f.SetActiveSheet(0)

	// excelize zips the workbook into a bytes.Buffer and then copies it to
	// w: tens of MB for a national survey, grown by doubling. The zip goes
	// straight to w instead, leaving that buffer empty; excelize only
	// rewrites the buffer for ZIP64 entries (none: parts stay far below
	// 4 GB) or a password.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		cz.cw = &countingWriter{w: w}
		cz.zw = newZipWriter(cz.cw, xlsxDeflateLevel)
		return cz
	})
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: writing report.xlsx: %w", err)
	}
	return nil
}

// startCodingsSheet begins a Codings sheet with excelize's StreamWriter:
// column widths, frozen panes and the header row, then ends it. The unit
// rows are added when the workbook is zipped (codingsZip), so the stream
// holds only what precedes and follows them. It returns the sheet's part
// name in the zip.
func startCodingsSheet(f *excelize.File, sheet string, m matrix, unitWidths [4]int, st xlsxStyles) (string, error) {
	widths := make([]int, len(m.head))
	for i, h := range m.head {
		widths[i] = max(utf8.RuneCountInString(h), 1)
	}
	for i, w := range unitWidths {
		widths[i] = max(widths[i], w)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return "", err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(w, 6), 60)+2)); err != nil {
			return "", err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return "", err
	}
	head := make([]any, len(m.head))
	for i, h := range m.head {
		head[i] = excelize.Cell{StyleID: st.head, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return "", err
	}
	if err := sw.Flush(); err != nil {
		return "", err
	}
	// New worksheets are parts named after their sheet ID; codingsZip fails
	// the workbook if no such part arrives.
	for id, name := range f.GetSheetMap() {
		if name == sheet {
			return "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml", nil
		}
	}
	return "", fmt.Errorf("no sheet ID")
}

// maxSheetRows is how many unit rows go on one Codings sheet: Excel's
// 1,048,576 rows less the header.
var maxSheetRows = 1<<20 - 1

type xlsxStyles struct{ head, pct, p, stat2, text int }

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	pct, p, two := "0.0", "0.000", "0.00"
	if s.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EDF2"}},
		Border: []excelize.Border{{Type: "bottom", Color: "8899AA", Style: 1}}}); err != nil {
		return s, err
	}
	if s.pct, err = f.NewStyle(&excelize.Style{CustomNumFmt: &pct}); err != nil {
		return s, err
	}
	if s.p, err = f.NewStyle(&excelize.Style{CustomNumFmt: &p}); err != nil {
		return s, err
	}
	if s.stat2, err = f.NewStyle(&excelize.Style{CustomNumFmt: &two}); err != nil {
		return s, err
	}
	// Text number format "@" keeps Excel from reinterpreting a string that
	// looks like a number or date when a user edits the cell.
	s.text, err = f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{Horizontal: "right"}})
	return s, err
}

func writeSheet(f *excelize.File, sheet string, head []string, rows [][]cell, st xlsxStyles) error {
	widths := make([]int, len(head))
	for i, h := range head {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellStr(sheet, ref, h); err != nil {
			return err
		}
		widths[i] = utf8.RuneCountInString(h)
	}
	if len(head) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(head), 1)
		if err := f.SetCellStyle(sheet, "A1", last, st.head); err != nil {
			return err
		}
	}
	for r, row := range rows {
		for c, v := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+2)
			if err := setCell(f, sheet, ref, v, st); err != nil {
				return err
			}
			if c < len(widths) {
				widths[c] = max(widths[c], utf8.RuneCountInString(v.Text))
			}
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w, 6), 60)+2)); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

func setCell(f *excelize.File, sheet, ref string, v cell, st xlsxStyles) error {
	if !v.Numeric() {
		if v.Kind == kSupp && v.Text != "" {
			if err := f.SetCellStr(sheet, ref, v.Text); err != nil {
				return err
			}
			return f.SetCellStyle(sheet, ref, ref, st.text)
		}
		if v.Text == "" {
			return nil
		}
		return f.SetCellStr(sheet, ref, v.Text)
	}
	switch v.Kind {
	case kInt:
		return f.SetCellInt(sheet, ref, int64(v.Num))
	case kPct:
		if err := f.SetCellFloat(sheet, ref, v.Num, -1, 64); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, ref, ref, st.pct)
	case kStat2:
		if err := f.SetCellFloat(sheet, ref, v.Num, -1, 64); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, ref, ref, st.stat2)
	default:
		if err := f.SetCellFloat(sheet, ref, v.Num, -1, 64); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, ref, ref, st.p)
	}
}
