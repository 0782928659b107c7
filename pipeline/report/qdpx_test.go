package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

const projectXSD = "/work/shared/fixtures/refi-qda/ponte__Project-mrt2019.xsd"

func unzipQDPX(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zr.Close() }()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func TestQDPXProject(t *testing.T) {
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"qdpx"}})
	files := unzipQDPX(t, filepath.Join(dir, "project.qdpx"))
	qde, ok := files["project.qde"]
	if !ok {
		t.Fatalf("project.qdpx has no project.qde; entries: %v", files)
	}

	t.Run("project.qde validates against the REFI-QDA schema", func(t *testing.T) {
		xmllint, err := exec.LookPath("xmllint")
		if err != nil {
			t.Fatal("xmllint not found; install libxml2-utils (apt-get install -y libxml2-utils)")
		}
		path := filepath.Join(t.TempDir(), "project.qde")
		if err := os.WriteFile(path, qde, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", projectXSD, path).CombinedOutput()
		if err != nil {
			t.Fatalf("xmllint: %v\n%s", err, out)
		}
	})

	var p struct {
		Codes   []xmlCode `xml:"CodeBook>Codes>Code"`
		Sources []struct {
			GUID       string `xml:"guid,attr"`
			Name       string `xml:"name,attr"`
			Path       string `xml:"plainTextPath,attr"`
			Selections []struct {
				Name   string `xml:"name,attr"`
				Start  int    `xml:"startPosition,attr"`
				End    int    `xml:"endPosition,attr"`
				Coding []struct {
					Ref struct {
						Target string `xml:"targetGUID,attr"`
					} `xml:"CodeRef"`
				} `xml:"Coding"`
			} `xml:"PlainTextSelection"`
		} `xml:"Sources>TextSource"`
	}
	if err := xml.Unmarshal(qde, &p); err != nil {
		t.Fatal(err)
	}

	t.Run("there is one text source per input file", func(t *testing.T) {
		if len(p.Sources) != 2 || p.Sources[0].Name != "data/enquete_2025.csv" || p.Sources[1].Name != "data/interview_p01.vtt" {
			t.Errorf("sources = %+v", p.Sources)
		}
	})

	t.Run("codes nest under their parent code", func(t *testing.T) {
		if len(p.Codes) != 6 || p.Codes[0].Name != "Werkdruk" || len(p.Codes[0].Codes) != 2 || p.Codes[0].Codes[0].Name != "Hoge caseload" {
			t.Errorf("code tree = %+v", p.Codes)
		}
	})

	t.Run("each coded unit is one selection over its text, named by its ID", func(t *testing.T) {
		var got []string
		for _, s := range p.Sources {
			text := []rune(string(files["sources/"+strings.TrimPrefix(s.Path, "internal://")]))
			for _, sel := range s.Selections {
				if sel.Start < 0 || sel.End > len(text) || sel.Start >= sel.End {
					t.Fatalf("selection %d–%d outside source of %d code points", sel.Start, sel.End, len(text))
				}
				got = append(got, sel.Name+"="+string(text[sel.Start:sel.End]))
			}
		}
		units, _ := fixtureUnits()
		var want []string
		for _, u := range units {
			// The formula answer has no code; the interviewer's turn is
			// context.
			if u.ID != "enquete/R-c044/Q_open1" && !u.Context {
				want = append(want, u.ID+"="+u.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("selected\n%q\nwant\n%q", got, want)
		}
	})

	t.Run("turns carry their speaker label in the source text", func(t *testing.T) {
		text := string(files["sources/"+strings.TrimPrefix(p.Sources[1].Path, "internal://")])
		if !strings.HasPrefix(text, "Interviewer: Hoe ervaart u") || !strings.Contains(text, "\n\nP-01: Eerlijk gezegd") {
			t.Errorf("source text = %q", text)
		}
	})

	t.Run("GUIDs are the same in every run", func(t *testing.T) {
		dir2, _ := writeFixture(t, "nl", Options{Formats: []string{"qdpx"}})
		if !bytes.Equal(unzipQDPX(t, filepath.Join(dir2, "project.qdpx"))["project.qde"], qde) {
			t.Errorf("project.qde differs between runs")
		}
	})
}

type xmlCode struct {
	Name  string    `xml:"name,attr"`
	Color string    `xml:"color,attr"`
	Codes []xmlCode `xml:"Code"`
}

// unitSelectionInput is a survey file whose units exercise the selection
// rules: codebook order differs from code ID order, two terms hit one
// span, a code applies only through its sub-code, one through a rule on
// closed answers, one unit's only match is negated, one has no match.
func unitSelectionInput(lang string) Input {
	cb := Codebook{Codes: []CodebookCode{
		{ID: "werkdruk", LabelNL: "Werkdruk", LabelEN: "Workload", Negation: "exclude"},
		{ID: "werkdruk.verzuim", Parent: "werkdruk", LabelNL: "Verzuim", LabelEN: "Absence"},
		{ID: "samenwerking", LabelNL: "Samenwerking", LabelEN: "Collaboration"},
	}}
	unit := func(resp, text string) study.Unit {
		return study.Unit{ID: "enquete/" + resp + "/Q1", Source: "enquete", File: "data/e.csv", Respondent: resp, Question: "Q1", Text: text}
	}
	t1 := "Één ding: het ziekteverzuim is hoog, de werkdruk ook."
	t2 := "Geen werkdruk hier."
	t4 := "Ik werk met plezier."
	t5 := "Het ziekteverzuim stijgt."
	units := []study.Unit{unit("R-1", t1), unit("R-2", t2), unit("R-3", "Niets bijzonders."), unit("R-4", t4), unit("R-5", t5)}
	codings := []study.Coding{
		// Not in text order, as a store need not keep it.
		{UnitID: units[0].ID, Codes: []string{"werkdruk", "werkdruk.verzuim"}, Matches: []study.Match{
			{Code: "werkdruk", Term: "werkdruk", Span: span(t1, "werkdruk")},
			{Code: "werkdruk.verzuim", Term: "~verzuim", Span: span(t1, "ziekteverzuim")},
			{Code: "werkdruk.verzuim", Term: "ziekteverzuim", Span: span(t1, "ziekteverzuim")},
		}},
		{UnitID: units[1].ID, Matches: []study.Match{{Code: "werkdruk", Term: "werkdruk", Span: span(t2, "werkdruk"), Negated: true}}},
		{UnitID: units[2].ID},
		{UnitID: units[3].ID, Codes: []string{"samenwerking"}, Matches: []study.Match{{Code: "samenwerking", Term: "rule: Q_team >= 4"}}},
		{UnitID: units[4].ID, Codes: []string{"werkdruk", "werkdruk.verzuim"}, Matches: []study.Match{
			{Code: "werkdruk.verzuim", Term: "ziekteverzuim", Span: span(t5, "ziekteverzuim")}}},
	}
	// A code ID order that is not the codebook's.
	codings[0].Codes = []string{"werkdruk.verzuim", "werkdruk"}
	return Input{Tables: &analysis.Tables{Study: "s", Language: lang}, Codebook: cb, Units: units, Codings: codings}
}

func TestQDPXOneSelectionPerUnit(t *testing.T) {
	in := unitSelectionInput("nl")
	var b bytes.Buffer
	if err := renderQDPX(&b, in, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	files := unzipBytes(t, b.Bytes())
	var p struct {
		Sources []struct {
			Path       string `xml:"plainTextPath,attr"`
			Selections []struct {
				GUID        string `xml:"guid,attr"`
				Name        string `xml:"name,attr"`
				Start       int    `xml:"startPosition,attr"`
				End         int    `xml:"endPosition,attr"`
				Description string `xml:"Description"`
				Codings     []struct {
					GUID string `xml:"guid,attr"`
					Ref  struct {
						Target string `xml:"targetGUID,attr"`
					} `xml:"CodeRef"`
				} `xml:"Coding"`
			} `xml:"PlainTextSelection"`
		} `xml:"Sources>TextSource"`
	}
	if err := xml.Unmarshal(files["project.qde"], &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Sources) != 1 {
		t.Fatalf("%d sources, want 1", len(p.Sources))
	}
	source := []rune(string(files["sources/"+strings.TrimPrefix(p.Sources[0].Path, "internal://")]))
	sels := p.Sources[0].Selections
	byName := map[string]int{}
	for i, s := range sels {
		byName[s.Name] = i
	}
	code := func(id string) string { return guid("code:" + id) }
	targets := func(name string) []string {
		var out []string
		for _, c := range sels[byName[name]].Codings {
			out = append(out, c.Ref.Target)
		}
		return out
	}

	t.Run("the units with a code or a match get a selection, in unit order", func(t *testing.T) {
		var names []string
		for _, s := range sels {
			names = append(names, s.Name)
		}
		if got, want := strings.Join(names, " "), "enquete/R-1/Q1 enquete/R-2/Q1 enquete/R-4/Q1 enquete/R-5/Q1"; got != want {
			t.Errorf("selections %s, want %s", got, want)
		}
	})

	t.Run("a selection covers exactly its unit's text in the source", func(t *testing.T) {
		for _, u := range in.Units {
			i, ok := byName[u.ID]
			if !ok {
				continue
			}
			s := sels[i]
			if s.Start < 0 || s.End > len(source) || string(source[s.Start:s.End]) != u.Text {
				t.Errorf("%s: %d–%d does not select %q in %q", u.ID, s.Start, s.End, u.Text, string(source))
			}
		}
	})

	t.Run("two terms on one span and two codes: one selection, two codings in codebook order, one entry", func(t *testing.T) {
		s := sels[byName["enquete/R-1/Q1"]]
		if got, want := targets(s.Name), []string{code("werkdruk"), code("werkdruk.verzuim")}; !slices.Equal(got, want) {
			t.Errorf("codings %v, want %v", got, want)
		}
		want := "Werkdruk: “werkdruk” (40–48, term werkdruk)\nVerzuim: “ziekteverzuim” (14–27, termen ~verzuim, ziekteverzuim)"
		if s.Description != want {
			t.Errorf("description\n%q\nwant\n%q", s.Description, want)
		}
		// The offsets count code points from the unit's first one ("Één").
		unit := source[s.Start:s.End]
		if string(unit[14:27]) != "ziekteverzuim" || string(unit[40:48]) != "werkdruk" {
			t.Errorf("offsets do not point at the words in %q", string(unit))
		}
		if s.Codings[0].GUID == s.Codings[1].GUID || s.Codings[0].GUID == s.GUID {
			t.Errorf("GUIDs repeat: %+v", s)
		}
	})

	t.Run("a unit whose only match is negated gets a description and no coding", func(t *testing.T) {
		s := sels[byName["enquete/R-2/Q1"]]
		if len(s.Codings) != 0 {
			t.Errorf("negated-only unit has codings %v", targets(s.Name))
		}
		if want := "Werkdruk (niet gecodeerd): “werkdruk” (5–13, term werkdruk, ontkend)"; s.Description != want {
			t.Errorf("description %q, want %q", s.Description, want)
		}
	})

	t.Run("a code from a rule on closed answers is coded and says so", func(t *testing.T) {
		s := sels[byName["enquete/R-4/Q1"]]
		if got := targets(s.Name); !slices.Equal(got, []string{code("samenwerking")}) {
			t.Errorf("codings %v", got)
		}
		if want := "Samenwerking: rule: Q_team >= 4"; s.Description != want {
			t.Errorf("description %q, want %q", s.Description, want)
		}
	})

	t.Run("a code carried for its sub-code names the sub-code", func(t *testing.T) {
		s := sels[byName["enquete/R-5/Q1"]]
		if got := targets(s.Name); !slices.Equal(got, []string{code("werkdruk"), code("werkdruk.verzuim")}) {
			t.Errorf("codings %v", got)
		}
		if want := "Werkdruk: via Verzuim\nVerzuim: “ziekteverzuim” (4–17, term ziekteverzuim)"; s.Description != want {
			t.Errorf("description %q, want %q", s.Description, want)
		}
	})

	t.Run("an English project describes in English", func(t *testing.T) {
		var b bytes.Buffer
		if err := renderQDPX(&b, unitSelectionInput("en"), t.TempDir()); err != nil {
			t.Fatal(err)
		}
		qde := string(unzipBytes(t, b.Bytes())["project.qde"])
		for _, want := range []string{"Workload (not coded): “werkdruk” (5–13, term werkdruk, negated)", "Absence: “ziekteverzuim” (14–27, terms ~verzuim, ziekteverzuim)"} {
			if !strings.Contains(qde, want) {
				t.Errorf("project.qde lacks %q", want)
			}
		}
	})
}
