package ingest

import (
	"os"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	gencorpus "github.com/veldstem/veldstem/pipeline/corpus"
	"github.com/veldstem/veldstem/pipeline/study"
)

// BenchmarkStreamSurvey reads a generated Qualtrics-style export (20,000
// responses, ~270-byte answers) the way a run's check pass does; MB/s is
// of the file.
func BenchmarkStreamSurvey(b *testing.B) {
	dir := b.TempDir()
	res, err := gencorpus.Generate(dir, nil, gencorpus.Options{Responses: 20000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(res.SurveyFile)
	if err != nil {
		b.Fatal(err)
	}
	survey := config.Source{Name: "survey", Type: "survey", IDColumn: "ResponseId", TextColumns: []string{"Q_open1", "Q_open2"},
		Attributes: map[string]string{"sector": "Q_sector", "region": "Q_region", "mode": "Q_mode"}}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		units := 0
		if _, err := Stream(res.SurveyFile, survey, func(_ study.Respondent, us []study.Unit) error {
			units += len(us)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if units == 0 {
			b.Fatal("no units read")
		}
	}
}
