package coding

import (
	"os"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	gencorpus "github.com/veldstem/veldstem/pipeline/corpus"
	"github.com/veldstem/veldstem/pipeline/ingest"
	"github.com/veldstem/veldstem/pipeline/study"
)

// generatedUnits returns the survey answers of a generated national corpus
// (corpus.Generate, seed 1), read the way a run reads them: BenchmarkCode's
// six short sentences make coding look ten times cheaper per unit than the
// ~270-byte answers of a real run.
func generatedUnits(tb testing.TB, responses int) []study.Unit {
	tb.Helper()
	dir := tb.TempDir()
	res, err := gencorpus.Generate(dir, nil, gencorpus.Options{Responses: responses, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	src := config.Source{Name: "survey", Type: "survey", IDColumn: "ResponseId", TextColumns: []string{"Q_open1", "Q_open2"}}
	var units []study.Unit
	_, err = ingest.Stream(res.SurveyFile, src, func(_ study.Respondent, us []study.Unit) error {
		for _, u := range us {
			if !u.Context && u.Lang == "" {
				u.Lang = DetectLanguage(u.Text)
			}
			units = append(units, u)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(units) == 0 {
		tb.Fatal("the generated corpus has no units")
	}
	return units
}

func realCoder(tb testing.TB) *Coder {
	tb.Helper()
	data, err := os.ReadFile("../../codes/aanbesteding.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	cb, err := Parse("aanbesteding.yaml", data)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := Compile(cb)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkCodeGenerated codes generated-corpus answers with the real
// codebook, one unit per op: the figure that predicts a national run.
func BenchmarkCodeGenerated(b *testing.B) {
	benchCode(b, realCoder(b), generatedUnits(b, 2000))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/unit")
}
