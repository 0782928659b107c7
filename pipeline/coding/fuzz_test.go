package coding

import (
	"os"
	"testing"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"phenomena.yaml", "bad_cycle.yaml", "bad_term.yaml", "bad_yaml.yaml", "bad_misc.yaml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cb, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		// A codebook that parses must compile and code without panicking.
		c, err := Compile(cb)
		if err != nil {
			t.Fatalf("Parse accepted a codebook Compile refuses: %v", err)
		}
		c.Code(study.Unit{Text: "geen werkdruk, maar wel te veel open dossiers"}, nil)
	})
}

func FuzzParseTerm(f *testing.F) {
	for _, s := range []string{"werkdruk", "~aanbesteden", "productienorm*", "*druk", "te veel … dossiers", "declarabel NEAR/5 norm", `/\b\d{2,3} ?% declarabel/`, "productie-eis*", "a ... b ... c", "~", "*", "/(/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := parseTerm(raw, "nl")
		if err != nil {
			return
		}
		if p.Re == nil && len(p.Phrase) == 0 {
			t.Fatalf("term %q parsed to nothing", raw)
		}
	})
}

func FuzzCode(f *testing.F) {
	for _, s := range []string{"Geen werkdruk, maar wel veel regels.", "Één café: de cliënt", "80% declarabel", "productie‐eisen", "o.a. d.w.z.", "\xff\xfe", "te veel ... dossiers"} {
		f.Add(s, false)
	}
	cb, err := Load("testdata/phenomena.yaml")
	if err != nil {
		f.Fatal(err)
	}
	c, err := Compile(cb)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, english bool) {
		u := study.Unit{Text: text}
		if english {
			u.Lang = "en"
		}
		got := c.Code(u, nil)
		for _, m := range got.Matches {
			if m.Span.Start < 0 || m.Span.End > len(text) || m.Span.Start >= m.Span.End {
				t.Fatalf("span %+v out of bounds for %q", m.Span, text)
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[m.Span.Start]) || (m.Span.End < len(text) && !utf8.RuneStart(text[m.Span.End]))) {
				t.Fatalf("span %+v splits a character in %q", m.Span, text)
			}
		}
	})
}

func FuzzImportDic(f *testing.F) {
	data, err := os.ReadFile("testdata/sample.dic")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := t.TempDir() + "/f.dic"
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cb, err := ImportDic(p)
		if err == nil {
			if _, err := Compile(cb); err != nil && len(cb.Codes) > 0 {
				t.Fatalf("imported dictionary does not compile: %v", err)
			}
		}
	})
}
