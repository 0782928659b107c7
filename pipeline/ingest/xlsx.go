package ingest

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// readXLSX reads the first or the named sheet. Cells come as Excel shows
// them (formatted), so dates and numbers look as the user saw them.
// Spreadsheet rows are Position "row N", counting from 1 like Excel.
func readXLSX(path, sheet, dialect string) (*table, error) {
	if _, err := readLimitedStat(path, maxFileSize); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 256 << 20})
	if err != nil {
		return nil, fmt.Errorf("cannot open workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("workbook has no sheets")
	}
	name := sheets[0]
	if sheet != "" {
		name = ""
		for _, s := range sheets {
			if strings.EqualFold(s, sheet) {
				name = s
			}
		}
		if name == "" {
			return nil, fmt.Errorf("no sheet %q; the workbook has %s", sheet, quoteList(sheets))
		}
	}
	rows, err := f.GetRows(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read sheet %q: %v", name, err)
	}
	var recs []record
	for i, r := range rows {
		if len(recs) == 0 && allEmpty(r) {
			continue // blank rows above the header
		}
		recs = append(recs, record{line: i + 1, cells: r})
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("sheet %q is empty", name)
	}
	// Excel drops trailing empty cells, so short rows are padded, not ragged.
	width := len(recs[0].cells)
	for i := range recs {
		for len(recs[i].cells) < width {
			recs[i].cells = append(recs[i].cells, "")
		}
	}
	return buildTable(recs, dialect, "row"), nil
}
