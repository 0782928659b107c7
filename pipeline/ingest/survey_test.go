package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

func TestSurveyToolExportsAreDetected(t *testing.T) {
	cases := []struct {
		name, file, format string
		headerRows         int
		units              int
		firstQuestion      string
		firstLabel         string
		firstText          string
		firstRespondent    string
		personal           []string
	}{
		{"SurveyMonkey sub-answers are merged into the column name", "surveymonkey.csv", "surveymonkey", 2, 2,
			"Wat kost u de meeste tijd?", "Wat kost u de meeste tijd?", "De administratie na elk bezoek", "11401", []string{"IP Address", "Email Address", "First Name", "Last Name"}},
		{"LimeSurvey code headings are recognised", "limesurvey_codes.csv", "limesurvey", 1, 1,
			"G01Q02", "", "Te veel overleg zonder besluiten", "1", []string{"token"}},
		{"LimeSurvey full-text headings with semicolons are recognised", "limesurvey_text.csv", "limesurvey", 1, 2,
			"Wat kost u de meeste tijd?", "", "Registratie in twee systemen", "1", nil},
		{"a Dutch Google Form is recognised by Tijdstempel", "googleforms_nl.csv", "googleforms", 1, 2,
			"Wat zou u helpen om minder tijd kwijt te zijn aan administratie?", "Wat zou u helpen om minder tijd kwijt te zijn aan administratie?", "Eén systeem in plaats van drie", "1", []string{"E-mailadres"}},
		{"an English Google Form is recognised by Timestamp", "googleforms_en.csv", "googleforms", 1, 1,
			"What would help you most?", "What would help you most?", "Fewer forms to fill in twice", "1", []string{"Email Address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := Inspect(filepath.Join("testdata", c.file), config.Source{Name: "s"})
			if err != nil {
				t.Fatal(err)
			}
			if in.Format != c.format || in.HeaderRows != c.headerRows || in.Units != c.units {
				t.Fatalf("format %s, header rows %d, units %d; want %s, %d, %d", in.Format, in.HeaderRows, in.Units, c.format, c.headerRows, c.units)
			}
			u := in.First[0]
			if u.Question != c.firstQuestion || u.QuestionLabel != c.firstLabel || u.Text != c.firstText || u.Respondent != c.firstRespondent {
				t.Errorf("first unit %+v", u)
			}
			roles := map[string]string{}
			for _, col := range in.Columns {
				roles[col.Name] = col.Role
			}
			for _, p := range c.personal {
				if roles[p] != rolePersonal {
					t.Errorf("column %q role %q, want personal (roles %v)", p, roles[p], roles)
				}
			}
		})
	}
}

func TestSurveyMonkeyOptionColumnsAreNamedQuestionDashOption(t *testing.T) {
	in, err := Inspect("testdata/surveymonkey.csv", config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range in.Columns[9:] {
		names = append(names, c.Name)
	}
	want := []string{"In welke sector werkt u?", "Wat kost u de meeste tijd?", "Welke hulpmiddelen gebruikt u? - Agenda", "Welke hulpmiddelen gebruikt u? - Spreadsheet", "Welke hulpmiddelen gebruikt u? - Other (please specify)"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %q\nwant %q", names, want)
	}
}

// writeFile writes a test input into a temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll runs Read and collects what it emits.
func readAll(t *testing.T, path string, src config.Source) (*FileInfo, []study.Respondent, []study.Unit, error) {
	t.Helper()
	var rs []study.Respondent
	var us []study.Unit
	info, err := Read(path, src, func(r study.Respondent, u []study.Unit) error {
		rs = append(rs, r)
		us = append(us, u...)
		return nil
	})
	return info, rs, us, err
}

const mappedSurvey = `nr;sector;naam;gewicht;Q5_werk;Q5_thuis;tevreden;werkdruk;opmerking
r1;Zorg;Anna;1,25;Te veel registratie;N.v.t.;Eens;4;Dank
r2;Onderwijs;Bert;0.8;  ;Geen idee!;helemaal   EENS;2;
r3;;Cees;1;Overleg;Rust;oneens;;-
`

func TestColumnMappingFollowsConfig(t *testing.T) {
	src := config.Source{
		Name: "enquete", Wave: "2025", IDColumn: "nr", TextColumns: []string{"Q5_*", "label:opmerk"},
		Attributes: map[string]string{"sector": "sector"}, Personal: []string{"naam"}, WeightColumn: "gewicht",
		Likert: []config.Likert{{Scale: []string{"Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"}, Items: map[string]string{"tevreden": "tevreden", "werkdruk": "werkdruk"}}},
	}
	p := writeFile(t, "enquete.csv", mappedSurvey)
	info, rs, us, err := readAll(t, p, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("respondents carry ID, wave, weight, attributes and Likert values", func(t *testing.T) {
		want := []study.Respondent{
			{ID: "r1", Source: "enquete", File: p, Wave: "2025", Weight: 1.25, Attributes: map[string]string{"sector": "Zorg"}, Likert: map[string]int{"tevreden": 4, "werkdruk": 4}, Closed: map[string]string{"sector": "Zorg", "gewicht": "1,25", "tevreden": "Eens", "werkdruk": "4"}},
			{ID: "r2", Source: "enquete", File: p, Wave: "2025", Weight: 0.8, Attributes: map[string]string{"sector": "Onderwijs"}, Likert: map[string]int{"tevreden": 5, "werkdruk": 2}, Closed: map[string]string{"sector": "Onderwijs", "gewicht": "0.8", "tevreden": "helemaal   EENS", "werkdruk": "2"}},
			{ID: "r3", Source: "enquete", File: p, Wave: "2025", Weight: 1, Likert: map[string]int{"tevreden": 2}, Closed: map[string]string{"gewicht": "1", "tevreden": "oneens"}},
		}
		if !reflect.DeepEqual(rs, want) {
			t.Errorf("got  %+v\nwant %+v", rs, want)
		}
	})
	t.Run("non-answers and personal columns give no units", func(t *testing.T) {
		var got []string
		for _, u := range us {
			got = append(got, u.ID+"="+u.Text+"@"+u.Position)
		}
		want := []string{"enquete/r1/Q5_werk=Te veel registratie@line 2", "enquete/r1/opmerking=Dank@line 2", "enquete/r3/Q5_werk=Overleg@line 4", "enquete/r3/Q5_thuis=Rust@line 4"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %q\nwant %q", got, want)
		}
		for _, u := range us {
			if strings.Contains(u.Text, "Anna") {
				t.Errorf("personal data in unit %+v", u)
			}
		}
	})
	t.Run("columns are given their roles", func(t *testing.T) {
		roles := map[string]string{}
		for _, c := range info.Columns {
			roles[c.Name] = c.Role
		}
		want := map[string]string{"nr": "id", "sector": "attribute", "naam": "personal", "gewicht": "weight", "Q5_werk": "text", "Q5_thuis": "text", "tevreden": "likert", "werkdruk": "likert", "opmerking": "text"}
		if !reflect.DeepEqual(roles, want) {
			t.Errorf("roles %v", roles)
		}
	})
}

func TestNonAnswersCanBeReplaced(t *testing.T) {
	p := writeFile(t, "s.csv", "id,q\n1,nee\n2,onbekend\n")
	_, _, us, err := readAll(t, p, config.Source{Name: "s", IDColumn: "id", TextColumns: []string{"q"}, NonAnswers: []string{"Onbekend"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Text != "nee" {
		t.Errorf("units %+v, want only \"nee\"", us)
	}
}

func TestProblemsReadExactly(t *testing.T) {
	cases := []struct {
		name    string
		content string
		src     config.Source
		want    []string
	}{
		{"a missing mapped column lists the columns there are", "id,q1\n1,a\n",
			config.Source{IDColumn: "id", TextColumns: []string{"q2"}},
			[]string{`F:1: column "q2" (text_columns) not found — the file has columns "id", "q1"`}},
		{"duplicate IDs list every line they are on", "id,q\n7,a\n8,b\n7,c\n7,d\n",
			config.Source{IDColumn: "id", TextColumns: []string{"q"}},
			[]string{`F:2: duplicate respondent ID "7" on lines 2, 4, 5 — every row needs its own respondent ID; remove repeated rows or fix id_column`}},
		{"a value off the Likert scale names the scale", "id,t\n1,Eens\n2,Misschien\n3,9\n",
			config.Source{IDColumn: "id", Likert: []config.Likert{{Scale: []string{"Oneens", "Eens"}, Items: map[string]string{"tevreden": "t"}}}},
			[]string{
				`F:3:2: bad Likert value "Misschien" for item tevreden — use one of "Oneens", "Eens" or a number 1..2`,
				`F:4:2: bad Likert value "9" for item tevreden — use one of "Oneens", "Eens" or a number 1..2`,
			}},
		{"a ragged row is reported and the rest still checked", "id,q\n1,a,b\n2\n1,c\n",
			config.Source{IDColumn: "id", TextColumns: []string{"q"}},
			[]string{
				`F:2: row has 3 fields, the header has 2 — a cell may hold an unquoted delimiter or line break; quote it, or check the delimiter`,
				`F:3: row has 1 fields, the header has 2 — a cell may hold an unquoted delimiter or line break; quote it, or check the delimiter`,
				`F:2: duplicate respondent ID "1" on lines 2, 4 — every row needs its own respondent ID; remove repeated rows or fix id_column`,
			}},
		{"a bad weight is a problem", "id,w\n1,veel\n", config.Source{IDColumn: "id", WeightColumn: "w"},
			[]string{`F:2:2: bad weight "veel" — weights are non-negative numbers like 1.25 or 1,25`}},
		{"personal data cannot be mapped as an attribute", "id,naam\n1,Anna\n", config.Source{IDColumn: "id", Personal: []string{"naam"}, Attributes: map[string]string{"wie": "naam"}},
			[]string{`F:1:2: column "naam" holds personal data and cannot be used as attribute wie — remove it from the mapping; personal data is never stored`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "F", c.content)
			c.src.Type = "survey"
			emitted := 0
			_, err := Read(p, c.src, func(study.Respondent, []study.Unit) error { emitted++; return nil })
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("want Problems, got %v", err)
			}
			var got []string
			for _, pr := range ps {
				got = append(got, strings.Replace(pr.String(), p, "F", 1))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if emitted != 0 {
				t.Errorf("emitted %d respondents from a file with problems", emitted)
			}
		})
	}
}

func TestProblemStringOmitsWhatIsUnknown(t *testing.T) {
	cases := []struct {
		name string
		p    Problem
		want string
	}{
		{"a problem without line or hint is just file and message", Problem{File: "a.csv", Message: "leeg"}, "a.csv: leeg"},
		{"a problem with line and column shows both", Problem{File: "a.csv", Line: 3, Column: 2, Message: "m", Hint: "h"}, "a.csv:3:2: m — h"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.String(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
