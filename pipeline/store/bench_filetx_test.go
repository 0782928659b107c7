package store

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/study"
)

// benchRespondentCount is how many respondents BenchmarkFileTxNational stores;
// set STORE_BENCH_RESPONDENTS=200000 for the corpus of issue 10.
func benchRespondentCount(b *testing.B) int { return envInt(b, "STORE_BENCH_RESPONDENTS", 50000) }

// nationalFile is nationalSurvey with the respondents of the generated
// corpus (four attributes, a Likert item, six closed answers) and answers
// of about 250 bytes, as the run stores them.
func nationalFile(respondents int) (*survey, []study.Coding) {
	sv, codings := nationalSurvey(2 * respondents)
	for i := range sv.respondents {
		r := &sv.respondents[i]
		sector, region, mode, point := corpusAnswers(i)
		r.Attributes = map[string]string{"sector": sector, "region": region, "mode": mode, "contract": strconv.Itoa(24 + i%16)}
		r.Likert = map[string]int{"werkdruk": point + 1}
		r.Closed = map[string]string{"Q_likert_werkdruk": corpusPoints[point], "Q_mode": mode, "Q_region": region,
			"Q_sector": sector, "Q_uren": strconv.Itoa(24 + i%16), "Q_jaren": strconv.Itoa(i % 30)}
	}
	for i := range sv.units {
		u := &sv.units[i]
		u.Text = fmt.Sprintf("Antwoord %d: de administratieve last is te hoog en er is te weinig tijd voor cliënten; "+
			"wachtlijsten lopen op en collega's vallen uit door de werkdruk in het team. Wij zouden graag meer "+
			"ruimte krijgen voor het echte werk met de mensen.", i)
	}
	return sv, codings
}

// BenchmarkFileTxNational stores a new national survey file the way the
// run does: Add and SaveCodings per batch of 2048 units, then Commit. It
// reports CPU per unit, which is what the store costs the run's critical
// path.
func BenchmarkFileTxNational(b *testing.B) {
	ctx := context.Background()
	sv, codings := nationalFile(benchRespondentCount(b))
	const batch = 2048
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		c0 := cpuTime()
		b.StartTimer()
		ft, err := s.BeginFile(ctx, sv.record())
		if err != nil {
			b.Fatal(err)
		}
		for u, r := 0, 0; u < len(sv.units); u += batch {
			ue := min(u+batch, len(sv.units))
			re := min(ue/2, len(sv.respondents))
			if err := ft.Add(sv.respondents[r:re], sv.units[u:ue]); err != nil {
				b.Fatal(err)
			}
			if err := ft.SaveCodings("cb", codings[u:ue]); err != nil {
				b.Fatal(err)
			}
			r = re
		}
		if _, err := ft.Commit(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		s.Close()
		b.StartTimer()
	}
	n := len(sv.units) * b.N
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/unit")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/unit")
}
