package spss

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedFixtures holds the real-world files described in SOURCES.md there.
const sharedFixtures = "/work/shared/fixtures/spss"

func sharedPath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(sharedFixtures, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shared fixture %s is missing (%v): the tests read the real-world files in ../shared/fixtures beside the repository", name, err)
	}
	return p
}

type wantVar struct {
	name, label string
	typ         VarType
	width       int
	format      string
	measure     string
	labels      map[string]string // Display(value) → label
	first       string            // Display of the first case
}

func TestReadSharedFixtures(t *testing.T) {
	tests := []struct {
		file        string
		cases       int
		encoding    string
		compression int
		label       string
		vars        []wantVar
	}{
		{"haven__datetime.sav", 2, "windows-1252", 1, "", []wantVar{
			{name: "date", typ: Numeric, width: 8, format: "ADATE10", first: "2014-09-22"},
			{name: "date.posix", typ: Numeric, width: 8, format: "DATETIME20", first: "201416-09-22 00:00:00"},
			{name: "time", typ: Numeric, width: 8, format: "TIME11.2", first: "12:11:10.09"},
		}},
		{"haven__labelled-num.sav", 1, "UTF-8", 1, "", []wantVar{
			{name: "VAR00002", typ: Numeric, width: 8, format: "F8.0", labels: map[string]string{"1": "This is one"}, first: "1"},
		}},
		{"haven__labelled-num-na.sav", 2, "UTF-8", 1, "", []wantVar{
			{name: "VAR00002", label: "Only one value", typ: Numeric, width: 8, format: "F8.0", labels: map[string]string{"1": "This is one"}, first: "1"},
		}},
		{"haven__labelled-str.sav", 2, "UTF-8", 1, "", []wantVar{
			{name: "gender", typ: String, width: 1, format: "A1", measure: "nominal", labels: map[string]string{"F": "Female", "M": "Male"}, first: "M"},
		}},
		{"haven__umlauts.sav", 4, "UTF-8", 1, "", []wantVar{
			{name: "var1", label: "This is an ä-umlaut", typ: Numeric, width: 8, format: "F8.0",
				labels: map[string]string{"1": "the ä umlaut", "2": "the ü umlaut", "3": "the ö umlaut"}, first: "1"},
		}},
		{"haven__variable-label.sav", 1, "UTF-8", 1, "", []wantVar{
			{name: "sex", label: "Gender", typ: Numeric, width: 8, format: "F8.0", measure: "nominal", labels: map[string]string{"1": "female"}, first: "1"},
		}},
		{"pyreadstat__hebrews.sav", 99, "UTF-8", 0, "jamovi data set", []wantVar{
			{name: "ותק_ב", typ: Numeric, width: 8, format: "F8.0", measure: "nominal", first: "33"},
		}},
		{"pyreadstat__missing_char.sav", 2, "windows-1252", 1, "", []wantVar{
			{name: "mychar", typ: String, width: 8, format: "A8", measure: "nominal", labels: map[string]string{"a": "labeled"}, first: "Z"},
		}},
		{"pyreadstat__missing_test.sav", 2, "windows-1252", 1, "", []wantVar{
			{name: "var1", typ: Numeric, width: 8, format: "F8.2", labels: map[string]string{"1.00": "missing"}, first: "1.00"},
		}},
		{"pyreadstat__ordered_category.sav", 4, "UTF-8", 1, "", []wantVar{
			{name: "Col1", typ: Numeric, width: 8, format: "F8.2", measure: "ordinal", labels: map[string]string{"1.00": "high", "2.00": "low", "3.00": "medium"}, first: "1.00"},
		}},
		{"pyreadstat__sample_missing.sav", 7, "windows-1252", 1, "", []wantVar{
			{name: "mychar", label: "character", typ: String, width: 1, format: "A1", measure: "nominal", first: "a"},
			{name: "mynum", label: "numeric", typ: Numeric, width: 8, format: "F8.2", measure: "scale", first: "1.10"},
			{name: "mydate", label: "date", typ: Numeric, width: 8, format: "EDATE10", measure: "scale", first: "2018-05-06"},
			{name: "dtime", label: "datetime", typ: Numeric, width: 8, format: "DATETIME20", measure: "scale", first: "2018-05-06 10:10:10"},
			{name: "mylabl", label: "labeled", typ: Numeric, width: 8, format: "F8.2", measure: "scale", labels: map[string]string{"-1.00": "undetermined", "1.00": "Male", "2.00": "Female"}, first: "1.00"},
			{name: "myord", label: "ordinal", typ: Numeric, width: 8, format: "F8.2", measure: "ordinal", labels: map[string]string{"-1.00": "missing", "1.00": "low", "2.00": "medium", "3.00": "high"}, first: "1.00"},
			{name: "mytime", label: "time", typ: Numeric, width: 8, format: "TIME8", measure: "scale", first: "10:10:10"},
		}},
		{"pyreadstat__simple_alltypes.sav", 6, "windows-1252", 1, "", []wantVar{
			{name: "x", label: "Numeric variable with value labels", typ: Numeric, width: 8, format: "F6.0", measure: "nominal", labels: map[string]string{"1": "red", "2": "green", "3": "blue"}, first: "1"},
			{name: "y", label: "Date variable", typ: Numeric, width: 8, format: "ADATE10", measure: "scale", first: "2000-01-01"},
			{name: "z", label: "Numberic variable with missing value range", typ: Numeric, width: 8, format: "F6.2", measure: "scale", labels: map[string]string{"999.00": "skipped"}, first: "-9.00"},
			{name: "str", label: "40 character string", typ: String, width: 40, format: "A40", measure: "nominal", first: "red"},
			{name: "bool1", label: "Response #1", typ: Numeric, width: 8, format: "F6.2", measure: "nominal", first: "1.00"},
			{name: "bool2", label: "Response #2", typ: Numeric, width: 8, format: "F6.2", measure: "nominal", first: "1.00"},
			{name: "bool3", label: "Response #3", typ: Numeric, width: 8, format: "F6.2", measure: "nominal", first: "0.00"},
			{name: "ca_subvar_1", typ: String, width: 1, format: "A1", measure: "nominal", labels: map[string]string{"a": "a", "b": "b", "c": "c", "d": "d"}, first: "a"},
			{name: "ca_subvar_2", typ: String, width: 1, format: "A1", measure: "nominal", first: "a"},
			{name: "ca_subvar_3", typ: String, width: 1, format: "A1", measure: "nominal", first: "b"},
			{name: "date", typ: Numeric, width: 8, format: "SDATE10", first: "2014-11-01"},
			{name: "quarter", typ: Numeric, width: 8, format: "QYR8", first: "2014-10-01"},
		}},
		{"pyreadstat__tegulu.sav", 1, "UTF-8", 1, "", []wantVar{
			{name: "record", label: "record : Record number", typ: Numeric, width: 8, format: "F7.0", measure: "ordinal", first: "210"},
			// The writer cut the answer in the middle of a UTF-8 sequence;
			// the broken tail must become U+FFFD, not mojibake.
			{name: "Q16br9oe_Q24br9oe", typ: String, width: 512, format: "A512", measure: "nominal", first: "నేను గతంలో వాడిన బ\uFFFD"},
		}},
		{"pyreadstat__test_width.sav", 5, "UTF-8", 1, "", []wantVar{
			{name: "ResponseId", label: "Response ID", typ: String, width: 18, format: "A18", measure: "nominal", first: "R_0001xAxQxIo2PVH"},
			{name: "StartDate", label: "Start Date", typ: String, width: 1024, format: "A1024", measure: "nominal", first: "2020-07-13 23:19:55"},
			{name: "Duration__in_seconds_", label: "Duration (in seconds)", typ: Numeric, width: 8, format: "F40.2", measure: "scale", first: "944.00"},
			{name: "Finished", label: "True", typ: Numeric, width: 8, format: "F1.0", measure: "nominal", labels: map[string]string{"1": "False", "2": "True"}, first: "2"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file+" reads with the expected dictionary and first case", func(t *testing.T) {
			f, err := ReadFile(sharedPath(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Cases) != tc.cases {
				t.Errorf("cases = %d, want %d", len(f.Cases), tc.cases)
			}
			if f.Encoding != tc.encoding || f.Compression != tc.compression || f.Label != tc.label {
				t.Errorf("encoding/compression/label = %q/%d/%q, want %q/%d/%q", f.Encoding, f.Compression, f.Label, tc.encoding, tc.compression, tc.label)
			}
			if f.Name != tc.file {
				t.Errorf("Name = %q, want %q", f.Name, tc.file)
			}
			if len(f.Variables) != len(tc.vars) {
				t.Fatalf("%d variables, want %d", len(f.Variables), len(tc.vars))
			}
			for i, w := range tc.vars {
				checkVar(t, f, i, w)
			}
		})
	}
}

func checkVar(t *testing.T, f *File, i int, w wantVar) {
	t.Helper()
	v := f.Variables[i]
	if v.Name != w.name || v.Label != w.label || v.Type != w.typ || v.Width != w.width || v.Format != w.format || v.Measure != w.measure {
		t.Errorf("variable %d = {%q %q %v %d %q %q}, want {%q %q %v %d %q %q}", i,
			v.Name, v.Label, v.Type, v.Width, v.Format, v.Measure, w.name, w.label, w.typ, w.width, w.format, w.measure)
	}
	if w.labels != nil {
		got := map[string]string{}
		for _, vl := range v.ValueLabels {
			got[v.Display(vl.Value)] = vl.Label
		}
		if len(got) != len(w.labels) {
			t.Errorf("%s: value labels %v, want %v", v.Name, got, w.labels)
		}
		for k, lab := range w.labels {
			if got[k] != lab {
				t.Errorf("%s: label of %s = %q, want %q", v.Name, k, got[k], lab)
			}
		}
	}
	if len(f.Cases) > 0 {
		if got := v.Display(f.Cases[0][i]); got != w.first {
			t.Errorf("%s: first case = %q, want %q", v.Name, got, w.first)
		}
	}
}

// TestSampleMatchesPyreadstat compares every cell of sample.sav and
// sample.zsav with the values pyreadstat's authors published.
func TestSampleMatchesPyreadstat(t *testing.T) {
	raw, err := os.ReadFile(sharedPath(t, "pyreadstat__sample.expected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"pyreadstat__sample.sav", "pyreadstat__sample.zsav"} {
		t.Run(file+" gives every value of the expected CSV", func(t *testing.T) {
			f, err := ReadFile(sharedPath(t, file))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Variables) != len(rows[0]) || len(f.Cases) != len(rows)-1 {
				t.Fatalf("%d variables × %d cases, want %d × %d", len(f.Variables), len(f.Cases), len(rows[0]), len(rows)-1)
			}
			for j, v := range f.Variables {
				if v.Name != rows[0][j] {
					t.Errorf("column %d is %q, want %q", j, v.Name, rows[0][j])
				}
			}
			for i, row := range rows[1:] {
				for j, want := range row {
					v := f.Variables[j]
					got := v.Display(f.Cases[i][j])
					if normalizePyreadstat(v, got) != normalizePyreadstat(v, want) {
						t.Errorf("case %d %s = %q, want %q", i+1, v.Name, got, want)
					}
				}
			}
			// The CSV drops the decimals the format asks for; check them once.
			if got := f.Variables[1].Display(f.Cases[2][1]); got != "-1000.30" {
				t.Errorf("mynum of case 3 = %q, want -1000.30 (F8.2)", got)
			}
		})
	}
}

// normalizePyreadstat maps both our Display output and pyreadstat's pandas
// rendering (1.1 vs 1.10, "T" vs " ", microseconds, unpadded hours) onto a
// common form, so the comparison checks values, not pandas' style.
func normalizePyreadstat(v Variable, s string) string {
	if v.Type == String || s == "" {
		return s
	}
	switch v.fmtType {
	case fmtDATETIME:
		s = strings.Replace(strings.TrimSuffix(s, ".000000"), "T", " ", 1)
		return s
	case fmtTIME:
		s = strings.TrimSuffix(s, ".000000")
		if len(s) == 7 {
			s = "0" + s
		}
		return s
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func TestPortableFilesAreRefused(t *testing.T) {
	tests := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"a real SPSS portable file is refused with ErrPortable", func(t *testing.T) []byte {
			b, err := os.ReadFile(sharedPath(t, "pyreadstat__sample.por"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.data(t)), "sample.por")
			if !errors.Is(err, ErrPortable) {
				t.Fatalf("err = %v, want ErrPortable", err)
			}
			for _, part := range []string{"sample.por: offset 0", "portable", "save it as .sav"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q lacks %q", err, part)
				}
			}
		})
	}
}
