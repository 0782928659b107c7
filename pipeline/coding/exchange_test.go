package coding

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const fixtures = "../../../shared/fixtures/refi-qda/"

func fixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(fixtures, name)
	if _, err := os.Stat(p); err != nil {
		// The shared fixtures live beside the repository on the build machine.
		p = filepath.Join("/work/shared/fixtures/refi-qda", name)
	}
	return p
}

// xmllint validates against the official schema; the test fails, not
// skips, without it, so a green run always means a validated export.
func xmllint(t *testing.T, xsd, file string) {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is needed to validate QDC output: apt-get install -y libxml2-utils")
	}
	out, err := exec.Command(path, "--noout", "--schema", xsd, file).CombinedOutput()
	if err != nil {
		t.Fatalf("%s does not validate against %s: %v\n%s", file, xsd, err, out)
	}
}

func TestQDCExportValidatesAndRoundTrips(t *testing.T) {
	cb, err := Load("testdata/phenomena.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ExportQDC(cb, &buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "phenomena.qdc")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	xmllint(t, fixture(t, "refi__Codebook.xsd"), file)
	if !strings.Contains(buf.String(), `name="Werkdruk"`) {
		t.Error("codes should be named by their label in the codebook's language")
	}
	back, err := ImportQDC(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Codes) != len(cb.Codes) {
		t.Fatalf("round trip has %d codes, want %d", len(back.Codes), len(cb.Codes))
	}
	want := map[string]Code{}
	for _, c := range cb.Codes {
		want[c.ID] = c
	}
	for _, got := range back.Codes {
		t.Run("code "+got.ID+" survives the round trip", func(t *testing.T) {
			w, ok := want[got.ID]
			if !ok {
				t.Fatalf("unexpected code %q", got.ID)
			}
			if got.Label != w.Label || got.Description != w.Description || got.Parent != w.Parent ||
				got.Color != w.Color || got.Negation != w.Negation || !reflect.DeepEqual(got.Terms, w.Terms) ||
				!reflect.DeepEqual(got.Rules, w.Rules) {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
		})
	}
}

func TestImportQDCReadsAnATLASExport(t *testing.T) {
	cb, err := ImportQDC(fixture(t, "requal__atlasti-23.qdc"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Code{{ID: "code1", Color: "#46AA00", Description: "description", Negation: "flag", Label: Label{NL: "code1"}}}
	if !reflect.DeepEqual(cb.Codes, want) {
		t.Errorf("codes = %+v, want %+v", cb.Codes, want)
	}
}

func TestImportQDCRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	cut := filepath.Join(dir, "cut.qdc")
	os.WriteFile(cut, []byte(`<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" `), 0o644)
	cases := []struct {
		name, path, want string
	}{
		{"the wrong namespace is refused", fixture(t, "requal__truncated-wrong-ns.qdc"), "urn:QDA-XML:codebook:0:4"},
		{"a file cut off is refused with its line", cut, "cut.qdc:1: invalid XML"},
		{"a missing file is refused", filepath.Join(dir, "none.qdc"), "none.qdc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ImportQDC(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ImportQDC(%s) error = %v, want it to mention %q", tc.path, err, tc.want)
			}
		})
	}
}

func TestImportDicMakesACodePerCategory(t *testing.T) {
	cb, err := ImportDic("testdata/sample.dic")
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.Codes) != 2 || cb.Codes[0].ID != "werkdruk" || cb.Codes[1].ID != "regels" {
		t.Fatalf("codes = %+v", cb.Codes)
	}
	want := []string{"werkdruk", "tijdsdruk", "overuren*", "te veel regels"}
	if got := cb.Codes[0].Terms[cb.Language]; !reflect.DeepEqual(got, want) {
		t.Errorf("werkdruk terms = %v, want %v", got, want)
	}
	c, err := Compile(cb)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Code(studyUnit("Veel overuren en te veel regels"), nil).Codes; !reflect.DeepEqual(got, []string{"regels", "werkdruk"}) {
		t.Errorf("imported dictionary codes %v", got)
	}
	_, err = ImportDic("testdata/bad_category.dic")
	if err == nil || !strings.Contains(err.Error(), "bad_category.dic:5:") || !strings.Contains(err.Error(), "category 7") {
		t.Errorf("unknown category error = %v", err)
	}
}

func TestExportMarkdownShowsCodesInTheChosenLanguage(t *testing.T) {
	cb, err := Load("testdata/phenomena.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ lang, want, notWant string }{
		{"nl", "### Werkdruk (`workload`)", "Workload"},
		{"en", "### Workload (`workload`)", "Termen"},
	}
	for _, tc := range cases {
		t.Run("markdown in "+tc.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ExportMarkdown(cb, tc.lang, &buf); err != nil {
				t.Fatal(err)
			}
			s := buf.String()
			if !strings.Contains(s, tc.want) || strings.Contains(s, tc.notWant) || !strings.Contains(s, "`~aanbesteden`") {
				t.Errorf("markdown lacks %q or has %q:\n%s", tc.want, tc.notWant, s)
			}
		})
	}
}
