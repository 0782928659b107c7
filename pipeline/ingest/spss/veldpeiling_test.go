package spss

import (
	"strings"
	"testing"
)

// The veldpeiling_*.sav files are written by GNU PSPP from
// testdata/make_fixtures.sps; they hold the same four Dutch answers in
// each storage variant.
var veldpeilingFiles = []struct {
	file        string
	encoding    string
	compression int
}{
	{"veldpeiling_uncompressed.sav", "UTF-8", 0},
	{"veldpeiling_bytecode.sav", "UTF-8", 1},
	{"veldpeiling_zlib.sav", "UTF-8", 2},
	{"veldpeiling_cp1252.sav", "WINDOWS-1252", 1},
}

func TestVeldpeilingFixtures(t *testing.T) {
	likert := []ValueLabel{
		{Value{Num: 1}, "Helemaal mee oneens"},
		{Value{Num: 2}, "Mee oneens"},
		{Value{Num: 3}, "Neutraal"},
		{Value{Num: 4}, "Mee eens"},
		{Value{Num: 5}, "Helemaal mee eens"},
		{Value{Num: 9}, "Weet niet / geen antwoord"},
	}
	long := "begin" + strings.Repeat("a", 249) + "ë en verder x" + strings.Repeat("y", 299) + "einde"
	wantVars := []wantVar{
		{name: "id", label: "Respondentnummer", typ: Numeric, width: 8, format: "F4.0", measure: "scale", first: "1"},
		{name: "vertrouwen_gemeente", label: "Ik vertrouw erop dat de gemeente naar praktijkmensen luistert", typ: Numeric, width: 8, format: "F1.0", measure: "ordinal", first: "5"},
		{name: "toelichting", label: "Toelichting (open antwoord)", typ: String, width: 200, format: "A200", measure: "nominal", first: "Het beleid is ideeën-rijk maar de uitvoering is té traag."},
		{name: "datum", label: "Datum van invullen", typ: Numeric, width: 8, format: "DATE11", measure: "scale", first: "2025-10-14"},
		{name: "tijdstip", label: "Tijdstip van invullen", typ: Numeric, width: 8, format: "DATETIME20", measure: "scale", first: "2025-10-14 09:30:15"},
		{name: "rol", label: "Rol in de school", typ: String, width: 8, format: "A8", measure: "nominal", labels: map[string]string{"docent": "Docent", "ib'er": "Intern begeleider", "nvt": "Niet van toepassing"}, first: "docent"},
		{name: "leeftijd", label: "Leeftijd", typ: Numeric, width: 8, format: "F3.0", measure: "scale", first: "34"},
		{name: "lang", label: "Lang open antwoord", typ: String, width: 600, format: "A600", measure: "nominal", first: long},
	}
	for _, tc := range veldpeilingFiles {
		t.Run(tc.file+" holds the Dutch Likert answers with labels and missing values", func(t *testing.T) {
			f, err := ReadFile("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if f.Encoding != tc.encoding || f.Compression != tc.compression || f.Label != "Veldpeiling onderwijs 2025" {
				t.Errorf("encoding/compression/label = %q/%d/%q", f.Encoding, f.Compression, f.Label)
			}
			if len(f.Cases) != 4 || len(f.Variables) != len(wantVars) {
				t.Fatalf("%d cases × %d variables, want 4 × %d", len(f.Cases), len(f.Variables), len(wantVars))
			}
			for i, w := range wantVars {
				checkVar(t, f, i, w)
			}
			q := f.Variables[1]
			if len(q.ValueLabels) != len(likert) {
				t.Fatalf("Likert labels = %v", q.ValueLabels)
			}
			for i, vl := range likert {
				if q.ValueLabels[i] != vl {
					t.Errorf("Likert label %d = %+v, want %+v (file order)", i, q.ValueLabels[i], vl)
				}
			}
			cell := func(c, v int) Value { return f.Cases[c][v] }
			checks := []struct {
				what string
				got  any
				want any
			}{
				{"case 1 Likert label", label(q, cell(0, 1)), "Helemaal mee eens"},
				{"case 2 Likert label", label(q, cell(1, 1)), "Helemaal mee oneens"},
				{"code 9 is user-missing", q.IsMissing(cell(2, 1)), true},
				{"code 5 is not missing", q.IsMissing(cell(0, 1)), false},
				{"blank open answer is empty", f.Variables[2].Display(cell(2, 2)), ""},
				{"comma inside an answer survives", f.Variables[2].Display(cell(3, 2)), "Naïef gedacht, maar het werkt."},
				{"1583 date renders", f.Variables[3].Display(cell(1, 3)), "1583-01-01"},
				{"leap day renders", f.Variables[4].Display(cell(2, 4)), "2024-02-29 23:59:59"},
				{"empty date is system-missing", cell(3, 3).SysMissing, true},
				{"system-missing displays empty", f.Variables[3].Display(cell(3, 3)), ""},
				{"string user-missing nvt", f.Variables[5].IsMissing(cell(1, 5)), true},
				{"string docent not missing", f.Variables[5].IsMissing(cell(0, 5)), false},
				{"LO THRU 0 makes -1 missing", f.Variables[6].IsMissing(cell(1, 6)), true},
				{"LO THRU 0 keeps 34", f.Variables[6].IsMissing(cell(0, 6)), false},
				{"empty age is system-missing", f.Variables[6].IsMissing(cell(2, 6)), true},
				{"short value of a very long string", f.Variables[7].Display(cell(1, 7)), "kort"},
				{"long string value label (7.21)", label(f.Variables[2], cell(3, 2)), "Voorbeeldantwoord met een komma"},
				{"long string missing value (7.22)", f.Variables[2].IsMissing(Value{IsString: true, Str: "geen"}), true},
				{"a long string answer is not missing", f.Variables[2].IsMissing(cell(0, 2)), false},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

func label(v Variable, val Value) string {
	s, _ := v.LabelOf(val)
	return s
}
