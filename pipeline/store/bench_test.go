package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/study"
)

// benchUnits is the file size the benchmarks store per operation; set
// STORE_BENCH_UNITS=600000 to time a national survey in one go.
func benchUnits(b *testing.B) int { return envInt(b, "STORE_BENCH_UNITS", 30000) }

// envInt is the environment variable name as a number, or def when unset.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return n
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
		cpu += timedSave(b, s, codings, batch)
		s.Close()
		b.StartTimer()
	}
	reportRates(b, n, cpu, "codings")
}

// nationalSurvey is a survey of n units shaped like the generated 200,000
// response corpus of issue 10: two open answers per respondent under
// pseudonymous IDs that look random (so ID order is not file order), and
// codings of about six matches each from a codebook of 40 codes and 240
// terms, a tenth of them long regular expressions.
func nationalSurvey(n int) (*survey, []study.Coding) {
	sv := &survey{source: "survey", file: "wave2025.csv"}
	codings := make([]study.Coding, n)
	rng := rand.New(rand.NewPCG(1, 2))
	var codes, terms []string
	for c := range 40 {
		codes = append(codes, fmt.Sprintf("code_%02d_%s", c, []string{"workload", "market", "production_norms", "autonomy"}[c%4]))
		for t := range 6 {
			term := fmt.Sprintf("term%d_%d*", c, t)
			if t == 5 && c%2 == 0 {
				term = fmt.Sprintf(`/\b\d{2,3} ?(%%|procent) (van de tijd |van mijn tijd )?(declarabel|productief|cliëntgebonden|direct%d)/`, c)
			}
			terms = append(terms, term)
		}
	}
	for i := range n {
		sum := sha256.Sum256([]byte(strconv.Itoa(i / 2)))
		rid := "R-" + hex.EncodeToString(sum[:12])
		if i%2 == 0 {
			sv.respondents = append(sv.respondents, study.Respondent{
				ID: rid, Source: sv.source, File: sv.file, Wave: "2025", Weight: 1,
				Attributes: map[string]string{"sector": "jeugdzorg"},
			})
		}
		q := fmt.Sprintf("Q_open%d", 1+i%2)
		id := sv.source + "/" + rid + "/" + q
		sv.units = append(sv.units, study.Unit{
			ID: id, Source: sv.source, File: sv.file, Respondent: rid,
			Question: q, QuestionLabel: "Wat zou uw werk het meest verbeteren?",
			Position: fmt.Sprintf("row %d", i/2+2), Seq: i / 2,
			Text: fmt.Sprintf("Antwoord %d: de administratieve last is te hoog en er is te weinig tijd voor cliënten; "+
				"wachtlijsten lopen op en collega's vallen uit door de werkdruk in het team.", i),
			Lang: "nl",
		})
		c := study.Coding{UnitID: id, Codes: []string{}}
		pos := 0
		for range rng.IntN(12) + 1 {
			k := rng.IntN(len(terms))
			pos += rng.IntN(40)
			end := pos + 4 + rng.IntN(20)
			c.Matches = append(c.Matches, study.Match{Code: codes[k/6], Term: terms[k], Span: study.Span{Start: pos, End: end}, Negated: rng.IntN(10) == 0})
			if len(c.Codes) == 0 || c.Codes[len(c.Codes)-1] != codes[k/6] {
				c.Codes = append(c.Codes, codes[k/6])
			}
		}
		codings[i] = c
	}
	return sv, codings
}

// BenchmarkSaveCodingsNational codes a national survey into a fresh store
// in the pipeline's batches of 4096 units, and reports the cost per unit
// and what the store file and its codings take. Set STORE_BENCH_UNITS=384000
// for the size of issue 10.
func BenchmarkSaveCodingsNational(b *testing.B) {
	n := benchUnits(b)
	sv, codings := nationalSurvey(n)
	const batch = 4096
	var cpu time.Duration
	var fileMB, codingsMB float64
	for b.Loop() {
		b.StopTimer()
		s, path := openTemp(b)
		sv.store(b, s)
		cpu += timedSave(b, s, codings, batch)
		codingsMB = tablesMB(b, s, "coding")
		s.Close()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		fileMB = float64(fi.Size()) / 1e6
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/unit")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/unit")
	b.ReportMetric(fileMB, "file-MB")
	b.ReportMetric(codingsMB, "codings-MB")
}

// tablesMB is what the tables and indexes whose name contains part take.
func tablesMB(b *testing.B, s *Store, part string) float64 {
	var size int64
	if err := s.db.QueryRow(`SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE instr(name, ?) > 0`, part).Scan(&size); err != nil {
		b.Fatal(err)
	}
	return float64(size) / 1e6
}

// BenchmarkScanCodings times the report stage's reads of a national survey
// coded in full (STORE_BENCH_UNITS as above), and the coding stage's read
// after a codebook change, per unit.
func BenchmarkScanCodings(b *testing.B) {
	ctx := context.Background()
	n := benchUnits(b)
	sv, codings := nationalSurvey(n)
	s, _ := openTemp(b)
	sv.store(b, s)
	for i := 0; i < n; i += 4096 {
		if err := s.SaveCodings(ctx, "cb", codings[i:min(i+4096, n)]); err != nil {
			b.Fatal(err)
		}
	}
	scans := []struct {
		name string
		scan func() (int, error)
	}{
		{"UnitsWithCodings", func() (int, error) {
			matches := 0
			err := s.UnitsWithCodings(ctx, "cb", func(_ study.Unit, c *study.Coding) error {
				if c != nil {
					matches += len(c.Matches)
				}
				return nil
			})
			return matches, err
		}},
		{"UnitsForReports", func() (int, error) {
			matches := 0
			err := s.UnitsForReports(ctx, "cb", func(_ study.Unit, c *study.Coding) error {
				if c != nil {
					matches += len(c.Matches)
				}
				return nil
			})
			return matches, err
		}},
		{"UnitsWithCodes", func() (int, error) {
			codes := 0
			err := s.UnitsWithCodes(ctx, "cb", func(_ study.Unit, cs []string) error {
				codes += len(cs)
				return nil
			})
			return codes, err
		}},
		{"UnitsToCode with nothing to code", func() (int, error) {
			units := 0
			err := s.UnitsToCode(ctx, "cb", func(study.Unit) error {
				units++
				return nil
			})
			if units != 0 {
				return units, fmt.Errorf("%d units to code", units)
			}
			// 1 so the caller's check for an empty scan passes.
			return 1, err
		}},
		{"UnitsToCode of a new codebook", func() (int, error) {
			units := 0
			err := s.UnitsToCode(ctx, "new", func(study.Unit) error {
				units++
				return nil
			})
			return units, err
		}},
		{"Codings", func() (int, error) {
			matches := 0
			err := s.Codings(ctx, "cb", func(c study.Coding) error {
				matches += len(c.Matches)
				return nil
			})
			return matches, err
		}},
	}
	for _, sc := range scans {
		b.Run(sc.name, func(b *testing.B) {
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				c0 := cpuTime()
				if got, err := sc.scan(); err != nil || got == 0 {
					b.Fatalf("scan: %d, %v", got, err)
				}
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*b.N), "ns/unit")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/unit")
		})
	}
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

// timedSave saves codings in batches with the benchmark timer running and
// returns the CPU time it took; the timer is stopped again on return.
func timedSave(b *testing.B, s *Store, codings []study.Coding, batch int) time.Duration {
	b.Helper()
	c0 := cpuTime()
	b.StartTimer()
	for i := 0; i < len(codings); i += batch {
		if err := s.SaveCodings(context.Background(), "cb", codings[i:min(i+batch, len(codings))]); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	return cpuTime() - c0
}

// corpusAnswers is respondent i's sector, region, contract mode and
// Likert point (an index in corpusPoints) in the benchmarks' respondents
// shaped like those of the generated corpus of issue 10.
func corpusAnswers(i int) (sector, region, mode string, point int) {
	sectors := [...]string{"Algemeen maatschappelijk werk", "Jongerenwerk", "Schuldhulpverlening", "Wijkteam"}
	regions := [...]string{"Noord", "Oost", "Zuid", "West"}
	modes := [...]string{"aanbesteding", "subsidie", "open house"}
	return sectors[i%4], regions[i/4%4], modes[i%3], i % 5
}

var corpusPoints = []string{"Helemaal mee oneens", "Mee oneens", "Neutraal", "Mee eens", "Helemaal mee eens"}

// BenchmarkRespondents times the read of a national survey's respondents
// (STORE_BENCH_UNITS/2 of them), shaped like those of the generated corpus
// of issue 10: three attributes, a Likert item and the four closed answers
// they came from, under pseudonymous IDs whose order is not file order.
func BenchmarkRespondents(b *testing.B) {
	n := benchUnits(b)
	sv, _ := nationalSurvey(n)
	for i := range sv.respondents {
		r := &sv.respondents[i]
		sector, region, mode, point := corpusAnswers(i)
		r.Weight = 0
		r.Attributes = map[string]string{"sector": sector, "region": region, "mode": mode}
		r.Likert = map[string]int{"werkdruk": point + 1}
		r.Closed = map[string]string{"Q_likert_werkdruk": corpusPoints[point], "Q_mode": mode, "Q_region": region, "Q_sector": sector}
	}
	s, _ := openTemp(b)
	sv.store(b, s)
	for _, read := range []struct {
		name string
		each func(context.Context, func(study.Respondent) error) error
	}{{"ordered", s.Respondents}, {"facts", s.RespondentFacts}} {
		b.Run(read.name, func(b *testing.B) { benchRespondents(b, read.each, len(sv.respondents)) })
	}
}

func benchRespondents(b *testing.B, each func(context.Context, func(study.Respondent) error) error, n int) {
	ctx := context.Background()
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		c0 := cpuTime()
		got := 0
		if err := each(ctx, func(r study.Respondent) error {
			got += len(r.Attributes)
			return nil
		}); err != nil || got != 3*n {
			b.Fatalf("Respondents: %d attributes, %v", got, err)
		}
		cpu += cpuTime() - c0
	}
	m := n * b.N
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(m), "ns/respondent")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(m), "cpu-ns/respondent")
}
