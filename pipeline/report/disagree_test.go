package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/xuri/excelize/v2"
)

// disagreementInput has 60 disagreements between the automatic coding and
// gold (more than the HTML list shows), some of whose texts would be
// formulas or markup, and a second comparison (gold vs a second coder).
func disagreementInput() Input {
	in := fixtureInput("nl")
	tb := *in.Tables
	tb.Agreement = append([]analysis.Agreement(nil), tb.Agreement...)
	var ds []analysis.Disagreement
	for i := range 60 {
		text := fmt.Sprintf("Fragment %02d over werkdruk.", i)
		switch i {
		case 0:
			text = `=HYPERLINK("http://evil.example","klik")`
		case 1:
			text = `<b onmouseover=alert(1)>vet</b> | *ster* en ook "quotes"`
		case 2:
			text = "@SUM(A1:A9)"
		}
		ds = append(ds, analysis.Disagreement{UnitID: fmt.Sprintf("enquete/R-%03d/Q_open1", i), Code: "werkdruk", A: i%2 == 0, B: i%2 == 1, Text: text})
	}
	tb.Agreement[0].Disagreements = ds
	tb.Agreement = append(tb.Agreement, analysis.Agreement{CoderA: "gold", CoderB: "tweede codeur",
		Rows:          []analysis.AgreementRow{{Code: "samenwerking", NUnits: 40, Kappa: 0.7, Alpha: 0.69, Precision: 0.8, Recall: 0.75, F1: 0.77, PrevA: 20, PrevB: 22}},
		Overall:       analysis.AgreementRow{NUnits: 40, Kappa: 0.7, Alpha: 0.69, Precision: 0.8, Recall: 0.75, F1: 0.77, PrevA: 20, PrevB: 22},
		Disagreements: []analysis.Disagreement{{UnitID: "enquete/R-c044/Q_open2", Code: "samenwerking", A: false, B: true, Text: "-1 keer per week overleg"}},
	})
	in.Tables = &tb
	return in
}

func TestDisagreementsAreListedForCodebookWork(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, disagreementInput(), Options{}); err != nil {
		t.Fatal(err)
	}
	html := string(read(t, filepath.Join(dir, "report.html")))
	md := string(read(t, filepath.Join(dir, "report.md")))

	t.Run("HTML shows both comparisons with per-code statistics", func(t *testing.T) {
		for _, s := range []string{`id="agreement-1"`, `id="agreement-2"`, "veldstem – gold", "gold – tweede codeur", "% tweede codeur", "Cohens κ", "Krippendorffs α", "Precisie", "Recall", "F1"} {
			if !strings.Contains(html, s) {
				t.Errorf("report.html lacks %q", s)
			}
		}
	})
	t.Run("HTML lists at most 50 disagreements and says how many there are", func(t *testing.T) {
		table := between(html, `id="disagreements-1"`, "</table>")
		if n := strings.Count(table, "<tr>") - 1; n != maxDisagreements {
			t.Errorf("HTML lists %d disagreements, want %d", n, maxDisagreements)
		}
		if !strings.Contains(html, "Aantal verschillen: 60; de eerste 50") || !strings.Contains(html, "disagreements.csv") {
			t.Errorf("HTML does not say that 60 disagreements exist and where the rest are")
		}
		if strings.Contains(html, "Fragment 55 over werkdruk.") {
			t.Errorf("HTML lists a disagreement beyond the first 50")
		}
	})
	t.Run("unit text is escaped in HTML", func(t *testing.T) {
		if strings.Contains(html, "<b onmouseover") {
			t.Errorf("markup from a unit reached the HTML")
		}
		if !strings.Contains(html, "&lt;b onmouseover=alert(1)&gt;vet&lt;/b&gt;") {
			t.Errorf("escaped unit text missing from the HTML")
		}
	})
	t.Run("unit text is inert in Markdown and the list is capped", func(t *testing.T) {
		if strings.Contains(md, "<b onmouseover") {
			t.Errorf("markup from a unit reached report.md")
		}
		if !strings.Contains(md, `&lt;b onmouseover=alert(1)&gt;vet&lt;/b&gt; \| \*ster\*`) {
			t.Errorf("report.md lost the escaped unit text")
		}
		if strings.Contains(md, "Fragment 55 over werkdruk.") {
			t.Errorf("report.md lists a disagreement beyond the first 50")
		}
	})

	t.Run("disagreements.csv has every disagreement, neutralised against formulas", func(t *testing.T) {
		rows := readCSV(t, filepath.Join(dir, "disagreements.csv"))
		if got := strings.Join(rows[0], ","); got != "code,unit_id,auto,gold,text" {
			t.Errorf("header = %s", got)
		}
		if len(rows) != 61 {
			t.Fatalf("disagreements.csv has %d rows, want 60 and a header", len(rows)-1)
		}
		want := []string{"werkdruk", "enquete/R-000/Q_open1", "1", "0", `'=HYPERLINK("http://evil.example","klik")`}
		if got := rows[1]; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Errorf("first row = %q, want %q", got, want)
		}
		if rows[3][4] != "'@SUM(A1:A9)" {
			t.Errorf("an @ formula is not neutralised: %q", rows[3][4])
		}
	})
	t.Run("the second comparison gets its own CSV named after its coders", func(t *testing.T) {
		rows := readCSV(t, filepath.Join(dir, "disagreements_2.csv"))
		if got := strings.Join(rows[0], ","); got != "code,unit_id,gold,tweede_codeur,text" {
			t.Errorf("header = %s", got)
		}
		if len(rows) != 2 || rows[1][4] != "'-1 keer per week overleg" {
			t.Errorf("rows = %q", rows)
		}
	})
	t.Run("report.xlsx has the full lists", func(t *testing.T) {
		f, err := excelize.OpenFile(filepath.Join(dir, "report.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		rows, err := f.GetRows("Verschillen")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 61 {
			t.Errorf("sheet Verschillen has %d rows, want 60 and a header", len(rows)-1)
		}
		if v, _ := f.GetCellValue("Verschillen", "F2"); v != `=HYPERLINK("http://evil.example","klik")` {
			t.Errorf("F2 = %q", v)
		}
		if formula, _ := f.GetCellFormula("Verschillen", "F2"); formula != "" {
			t.Errorf("unit text became a formula: %q", formula)
		}
		if _, err := f.GetRows("Verschillen 2"); err != nil {
			t.Errorf("no sheet for the second comparison: %v", err)
		}
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(read(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
