package report

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestXLSXWorkbook(t *testing.T) {
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"xlsx"}})
	f, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()

	t.Run("there is one sheet per table plus Codebook and Codings", func(t *testing.T) {
		got := strings.Join(f.GetSheetList(), "|")
		want := "Prevalentie|sector|regio|Co-occurrence|Likert|Likert per groep|Metingen|Overeenstemming|Verschillen|Codeboek|Coderingen"
		if got != want {
			t.Errorf("sheets = %s\nwant     %s", got, want)
		}
	})

	cells := []struct {
		name, sheet, ref, want string
		typ                    excelize.CellType
	}{
		{"the header row names the columns", "Prevalentie", "A1", "Code", excelize.CellTypeSharedString},
		{"a percent is stored as a number", "Prevalentie", "F2", "45.4", excelize.CellTypeUnset},
		{"a count is stored as a number", "Prevalentie", "D2", "181", excelize.CellTypeUnset},
		{"a suppressed count is the text <5", "Prevalentie", "D16", "<5", excelize.CellTypeSharedString},
		{"a suppressed percent is left empty", "Prevalentie", "F16", "", excelize.CellTypeUnset},
		{"a p-value is stored as a number", "sector", "I2", "0.0191", excelize.CellTypeUnset},
		{"an attribute value that looks like a formula is a string", "regio", "C1", "=cmd|' /C calc'!A0 (N=8)", excelize.CellTypeSharedString},
		{"the Codings matrix holds 0/1 flags", "Coderingen", "E2", "1", excelize.CellTypeUnset},
	}
	for _, c := range cells {
		t.Run(c.name, func(t *testing.T) {
			v, err := f.GetCellValue(c.sheet, c.ref, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			if v != c.want {
				t.Errorf("%s!%s = %q, want %q", c.sheet, c.ref, v, c.want)
			}
			typ, _ := f.GetCellType(c.sheet, c.ref)
			if typ != c.typ {
				t.Errorf("%s!%s type = %v, want %v", c.sheet, c.ref, typ, c.typ)
			}
			if formula, _ := f.GetCellFormula(c.sheet, c.ref); formula != "" {
				t.Errorf("%s!%s holds formula %q", c.sheet, c.ref, formula)
			}
		})
	}

	t.Run("no cell in any sheet is a formula", func(t *testing.T) {
		for _, sh := range f.GetSheetList() {
			rows, _ := f.GetRows(sh)
			for r, row := range rows {
				for c := range row {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if formula, _ := f.GetCellFormula(sh, ref); formula != "" {
						t.Errorf("%s!%s holds formula %q", sh, ref, formula)
					}
				}
			}
		}
	})

	t.Run("percent and p cells carry their number formats", func(t *testing.T) {
		for ref, want := range map[string]string{"Prevalentie!F2": "0.0", "sector!I2": "0.000"} {
			sh, cell, _ := strings.Cut(ref, "!")
			id, err := f.GetCellStyle(sh, cell)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.CustomNumFmt == nil || *st.CustomNumFmt != want {
				t.Errorf("%s number format = %v, want %s", ref, st.CustomNumFmt, want)
			}
		}
	})

	t.Run("every sheet freezes its header row", func(t *testing.T) {
		for _, sh := range f.GetSheetList() {
			p, err := f.GetPanes(sh)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
				t.Errorf("%s panes = %+v, want header frozen", sh, p)
			}
		}
	})
}

func TestCodingsBeyondOneSheetContinueOnTheNext(t *testing.T) {
	// Excel stops at 1,048,576 rows; a national panel can have more units.
	// With the limit lowered, the fixture's units must spill over sheets
	// "Coderingen", "Coderingen 2", … without losing or repeating one.
	units, _ := fixtureUnits()
	want := 0
	for _, u := range units {
		if !u.Context {
			want++
		}
	}
	old := maxSheetRows
	maxSheetRows = 2
	defer func() { maxSheetRows = old }()
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"xlsx"}})
	f, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	for part := 1; ; part++ {
		name := "Coderingen"
		if part > 1 {
			name = fmt.Sprintf("Coderingen %d", part)
		}
		rows, err := f.GetRows(name)
		if err != nil {
			break
		}
		if len(rows) > 3 {
			t.Errorf("%s has %d rows, want at most a header and 2 units", name, len(rows))
		}
		if rows[0][0] == "" {
			t.Errorf("%s has no header row", name)
		}
		for _, r := range rows[1:] {
			ids = append(ids, r[0])
		}
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("unit %s on two sheets", id)
		}
		seen[id] = true
	}
	if want < 3 || len(ids) != want {
		t.Fatalf("%d unit rows over all Codings sheets, want the fixture's %d (more than 2, so the split is exercised)", len(ids), want)
	}
}
