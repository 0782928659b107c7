package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// dutchSurvey is one small survey, written below in every way Dutch
// practitioners' tools write it. Every variant must give the same units.
var dutchSurvey = [][]string{
	{"respondent", "sector", "toelichting"},
	{"1", "Zorg", "Geen tijd voor cliënten; de registratie kost te veel."},
	{"2", "Onderwijs", "Overleg met ouders\nen met de gemeente, \"altijd\" weer."},
	{"3", "Welzijn", "Coördinatie tussen teams is een probleem: ideeën blijven liggen."},
}

func csvText(rows [][]string, delim, eol string) string {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteString(delim)
			}
			if strings.ContainsAny(c, delim+"\"\n;,") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(strings.ReplaceAll(c, "\n", eol))
		}
		b.WriteString(eol)
	}
	return b.String()
}

func encode(t *testing.T, s, enc string) []byte {
	t.Helper()
	switch enc {
	case "utf-8":
		return []byte(s)
	case "utf-8-bom":
		return append([]byte{0xEF, 0xBB, 0xBF}, s...)
	case "utf-16le":
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case "utf-16be":
		b, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case "windows-1252":
		b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("unknown encoding %s", enc)
	return nil
}

// unitKeys strips what legitimately differs between variants (file, position).
func unitKeys(t *testing.T, path string, src config.Source) []string {
	t.Helper()
	_, _, us, err := readAll(t, path, src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		out = append(out, u.ID+"|"+u.Respondent+"|"+u.Question+"|"+u.Text)
	}
	return out
}

func TestEveryEncodingDelimiterAndLineEndingGivesTheSameUnits(t *testing.T) {
	src := config.Source{Name: "enquete", IDColumn: "respondent", TextColumns: []string{"toelichting"}, Attributes: map[string]string{"sector": "sector"}}
	dir := t.TempDir()
	want := []string{
		"enquete/1/toelichting|1|toelichting|Geen tijd voor cliënten; de registratie kost te veel.",
		"enquete/2/toelichting|2|toelichting|Overleg met ouders\nen met de gemeente, \"altijd\" weer.",
		"enquete/3/toelichting|3|toelichting|Coördinatie tussen teams is een probleem: ideeën blijven liggen.",
	}
	for _, enc := range []string{"utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252"} {
		for _, d := range []struct{ name, delim string }{{"comma", ","}, {"semicolon", ";"}, {"tab", "\t"}} {
			for _, eol := range []struct{ name, eol string }{{"LF", "\n"}, {"CRLF", "\r\n"}} {
				name := enc + " with " + d.name + " and " + eol.name + " reads like the original"
				t.Run(name, func(t *testing.T) {
					p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".csv")
					if err := os.WriteFile(p, encode(t, csvText(dutchSurvey, d.delim, eol.eol), enc), 0o644); err != nil {
						t.Fatal(err)
					}
					if got := unitKeys(t, p, src); !reflect.DeepEqual(got, want) {
						t.Errorf("got  %q\nwant %q", got, want)
					}
					in, err := Inspect(p, config.Source{})
					if err != nil {
						t.Fatal(err)
					}
					wantDelim := delimiterString(rune(d.delim[0]))
					if in.Encoding != enc || in.Delimiter != wantDelim {
						t.Errorf("detected %s/%s, want %s/%s", in.Encoding, in.Delimiter, enc, wantDelim)
					}
				})
			}
		}
	}
	t.Run("an XLSX workbook reads like the CSV", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		for r, row := range dutchSurvey {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if err := f.SetCellValue("Sheet1", cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		p := filepath.Join(dir, "enquete.xlsx")
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		if got := unitKeys(t, p, src); !reflect.DeepEqual(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	})
	t.Run("a named sheet with a formatted date is read as Excel shows it", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		if _, err := f.NewSheet("Antwoorden"); err != nil {
			t.Fatal(err)
		}
		_ = f.SetSheetRow("Antwoorden", "A1", &[]any{"id", "datum", "toelichting"})
		_ = f.SetSheetRow("Antwoorden", "A2", &[]any{1, 45813, "Veel te veel formulieren"})
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
		_ = f.SetCellStyle("Antwoorden", "B2", "B2", style)
		p := filepath.Join(dir, "sheet.xlsx")
		if err := f.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		_, rs, us, err := readAll(t, p, config.Source{Name: "s", Sheet: "antwoorden", IDColumn: "id", TextColumns: []string{"toelichting"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(us) != 1 || us[0].Position != "row 2" || us[0].Text != "Veel te veel formulieren" {
			t.Errorf("units %+v", us)
		}
		if got := rs[0].Closed["datum"]; got != "06-05-25" {
			t.Errorf("date shown as %q, want Excel's formatted date 06-05-25", got)
		}
	})
	t.Run("a missing sheet names the sheets there are", func(t *testing.T) {
		p := filepath.Join(dir, "enquete.xlsx")
		_, err := Inspect(p, config.Source{Sheet: "Blad9"})
		if err == nil || !strings.Contains(err.Error(), `no sheet "Blad9"; the workbook has "Sheet1"`) {
			t.Errorf("got %v", err)
		}
	})
}
