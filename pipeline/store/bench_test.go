package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/study"
)

// benchUnits is the file size the benchmarks store per operation; set
// STORE_BENCH_UNITS=600000 to time a national survey in one go.
func benchUnits(b *testing.B) int {
	if v := os.Getenv("STORE_BENCH_UNITS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 30000
}

// benchSurvey is a survey of n units, three open questions per respondent,
// with answers of about 170 bytes: 600,000 of them are ~100 MB of text.
func benchSurvey(n int) *survey {
	sv := &survey{source: "enquete", file: "landelijk.csv"}
	for i := 0; i < n; i++ {
		rid := fmt.Sprintf("p%07d", i/3)
		if i%3 == 0 {
			sv.respondents = append(sv.respondents, study.Respondent{
				ID: rid, Source: sv.source, File: sv.file, Wave: "2025", Weight: 1.2,
				Attributes: map[string]string{"sector": "jeugdzorg", "regio": "Utrecht"},
				Likert:     map[string]int{"Q5": 4, "Q6": 2},
				Closed:     map[string]string{"Q_werkdruk": "4", "Q_uren": "32"},
			})
		}
		q := fmt.Sprintf("Q%d", 10+i%3)
		sv.units = append(sv.units, study.Unit{
			ID: sv.source + "/" + rid + "/" + q, Source: sv.source, File: sv.file, Respondent: rid,
			Question: q, QuestionLabel: "Wat zou uw werk het meest verbeteren?",
			Position: fmt.Sprintf("row %d", i/3+2), Seq: i,
			Text: fmt.Sprintf("Antwoord %d: de administratieve last is te hoog en er is te weinig tijd voor cliënten; "+
				"wachtlijsten lopen op en collega's vallen uit door de werkdruk in het team.", i),
			Lang: "nl",
		})
	}
	return sv
}

func BenchmarkReplaceFile(b *testing.B) {
	n := benchUnits(b)
	sv := benchSurvey(n)
	changed := benchSurvey(n)
	for i := range changed.units {
		changed.units[i].Text += " Verder niets."
	}
	cases := []struct {
		name   string
		before *survey // stored before each operation; nil for an empty store
		after  *survey
	}{
		{"into an empty store", nil, sv},
		{"with every unit unchanged", sv, sv},
		{"with every unit changed", sv, changed},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s, _ := openTemp(b)
				if c.before != nil {
					c.before.store(b, s)
				}
				c0 := cpuTime()
				b.StartTimer()
				c.after.store(b, s)
				b.StopTimer()
				cpu += cpuTime() - c0
				s.Close()
				b.StartTimer()
			}
			reportRates(b, n, cpu, "units")
		})
	}
}

func BenchmarkSaveCodings(b *testing.B) {
	ctx := context.Background()
	n := benchUnits(b)
	sv := benchSurvey(n)
	codings := make([]study.Coding, n)
	for i, u := range sv.units {
		codings[i] = study.Coding{UnitID: u.ID, Codes: []string{"administratie", "tijd", "werkdruk"}, Matches: []study.Match{
			{Code: "administratie", Term: "administratieve last", Span: study.Span{Start: 14, End: 34}},
			{Code: "tijd", Term: "te weinig tijd", Span: study.Span{Start: 55, End: 69}},
			{Code: "werkdruk", Term: "werkdruk", Span: study.Span{Start: 150, End: 158}},
		}}
	}
	// The pipeline saves in batches; 5,000 keeps each transaction short
	// enough that a concurrent status reader is never stalled for long.
	const batch = 5000
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		sv.store(b, s)
		c0 := cpuTime()
		b.StartTimer()
		for i := 0; i < n; i += batch {
			if err := s.SaveCodings(ctx, "cb", codings[i:min(i+batch, n)]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cpu += cpuTime() - c0
		s.Close()
		b.StartTimer()
	}
	reportRates(b, n, cpu, "codings")
}

// cpuTime is the process's user+system CPU time. The benchmarks report rows
// per CPU second beside rows per second because the build machine is shared:
// wall time there measures the neighbours as much as the store.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportRates(b *testing.B, perOp int, cpu time.Duration, what string) {
	rows := float64(perOp) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), what+"/s")
	if cpu > 0 {
		b.ReportMetric(rows/cpu.Seconds(), what+"/cpu-s")
	}
}
