package ingest

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

func TestSPSSFiles(t *testing.T) {
	scale := []string{"Helemaal mee oneens", "Mee oneens", "Neutraal", "Mee eens", "Helemaal mee eens"}
	src := config.Source{Name: "peiling", IDColumn: "id", TextColumns: []string{"label:toelichting (open"},
		Attributes: map[string]string{"rol": "rol"},
		Likert:     []config.Likert{{Scale: scale, Items: map[string]string{"vertrouwen": "vertrouwen_gemeente"}}}}
	for _, name := range []string{"veldpeiling_zlib.sav", "veldpeiling_bytecode.sav", "veldpeiling_uncompressed.sav"} {
		t.Run(name+" maps value labels through the Likert scale and keeps open answers as written", func(t *testing.T) {
			info, rs, us, err := readAll(t, filepath.Join("spss", "testdata", name), src)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != "spss" || info.Respondents != 4 {
				t.Errorf("format %s, %d respondents", info.Format, info.Respondents)
			}
			var likert []map[string]int
			var rol []string
			for _, r := range rs {
				likert = append(likert, r.Likert)
				rol = append(rol, r.Attributes["rol"])
			}
			if want := []map[string]int{{"vertrouwen": 5}, {"vertrouwen": 1}, nil, {"vertrouwen": 3}}; !reflect.DeepEqual(likert, want) {
				t.Errorf("likert %v, want %v (9 is user-missing)", likert, want)
			}
			if want := []string{"Docent", "", "Intern begeleider", "Docent"}; !reflect.DeepEqual(rol, want) {
				t.Errorf("rol %q, want value labels %q (nvt is user-missing)", rol, want)
			}
			var texts []string
			for _, u := range us {
				texts = append(texts, u.Respondent+"@"+u.Position+"="+u.Text)
			}
			want := []string{
				"1@case 1=Het beleid is ideeën-rijk maar de uitvoering is té traag.",
				"2@case 2=Geen mening; café-overleg hielp niet, zeggen ze.",
				"4@case 4=Naïef gedacht, maar het werkt.",
			}
			if !reflect.DeepEqual(texts, want) {
				t.Errorf("units %q\nwant %q", texts, want)
			}
			if us[0].QuestionLabel != "Toelichting (open antwoord)" {
				t.Errorf("question label %q", us[0].QuestionLabel)
			}
		})
	}
	t.Run("a shared SPSS fixture is inspected with an empty source", func(t *testing.T) {
		in, err := Inspect(filepath.Join(fixtures, "spss/pyreadstat__sample.sav"), config.Source{})
		if err != nil {
			t.Fatal(err)
		}
		if in.Respondents != 5 || len(in.Columns) != 7 || in.Columns[0].Name != "mychar" {
			t.Errorf("inspection %+v", in.FileInfo)
		}
	})
	t.Run("a portable file is a problem naming the file", func(t *testing.T) {
		p := filepath.Join(fixtures, "spss/pyreadstat__sample.por")
		_, err := Read(p, config.Source{Format: "spss"}, func(study.Respondent, []study.Unit) error { return nil })
		var ps Problems
		if !errors.As(err, &ps) || !strings.HasPrefix(ps[0].String(), p+": ") {
			t.Errorf("got %v", err)
		}
	})
}
