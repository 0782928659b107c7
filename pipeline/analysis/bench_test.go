package analysis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/study"
)

// benchRespondents sizes the benchmark corpus:
// go test -run x -bench Compute -benchrespondents 200000 ./pipeline/analysis
var benchRespondents = flag.Int("benchrespondents", 20000, "survey respondents in the analysis benchmark corpus")

// memCorpus is a Corpus held in memory the way the store streams it:
// respondents, then units in order, each with its coding or nil. Unlike
// sliceCorpus it does not build a map of codings on every pass, so a
// benchmark measures Compute and not the fixture. Like the store, which
// scans every row into new strings, it hands out fresh copies of the
// strings Compute may keep, so what Compute holds is counted.
type memCorpus struct {
	resp    []study.Respondent
	units   []study.Unit
	codings []*study.Coding
}

func (c *memCorpus) Respondents(fn func(study.Respondent) error) error {
	for _, r := range c.resp {
		r.ID, r.Source, r.Wave = strings.Clone(r.ID), strings.Clone(r.Source), strings.Clone(r.Wave)
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (c *memCorpus) Units(fn func(study.Unit, *study.Coding) error) error {
	for i, u := range c.units {
		u.ID, u.Source, u.Respondent = strings.Clone(u.ID), strings.Clone(u.Source), strings.Clone(u.Respondent)
		if err := fn(u, c.codings[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *memCorpus) Lookup(ids []string, fn func(study.Unit, *study.Coding) error) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for i, u := range c.units {
		if want[u.ID] {
			if err := fn(u, c.codings[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// benchCodes is a codebook shaped like the generated study's (22 codes)
// with a few children, so ancestors are rolled up.
func benchCodes() []CodeInfo {
	var codes []CodeInfo
	for i := range 16 {
		id := fmt.Sprintf("code%02d", i)
		codes = append(codes, CodeInfo{ID: id, LabelNL: "Code " + id, LabelEN: "Code " + id})
		if i%3 == 0 {
			child := id + ".sub"
			codes = append(codes, CodeInfo{ID: child, LabelNL: "Sub " + id, LabelEN: "Sub " + id, Parent: id, Depth: 1})
		}
	}
	return codes
}

// benchInput builds a deterministic study of n survey respondents (two
// open answers each, most of them coded), three attributes with a rare
// value that is pooled, two waves, two Likert items of 5 and 7 points, and
// a few interviews with context turns and a respondent the respondent list
// lacks. weighted gives every survey respondent a weight.
func benchInput(n int, weighted bool) Input {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	codes := benchCodes()
	in := Input{Study: "bench", Language: "nl", Codes: codes,
		Attributes: []string{"sector", "region", "mode"},
		Likert: []LikertSpec{
			{Item: "werkdruk", Label: "Werkdruk", Scale: []string{"1", "2", "3", "4", "5"}},
			{Item: "tevreden", Label: "Tevreden", Scale: []string{"1", "2", "3", "4", "5", "6", "7"}},
		},
		Files: map[string]int{"survey": 4, "interviews": 3}}
	sectors := []string{"Jongerenwerk", "Ouderenwerk", "Algemeen maatschappelijk werk", "Buurtwerk", "Schuldhulp", "Mantelzorg", "Welzijn", "Opbouwwerk"}
	regions := []string{"Noord", "Zuid", "Oost", "West", "Midden"}
	modes := []string{"subsidie", "aanbesteding", "inbesteding"}
	texts := []string{
		"Ik mag zelf niet meer bepalen wat een cliënt nodig heeft.",
		"De registratiedruk is absurd en elke minuut moet geregistreerd worden, dat merk ik elke dag in het werk met cliënten.",
		"Kort.",
		"Bij de gunning telde alleen de prijs, niet de kwaliteit van de hulp; twee collega's zitten thuis met een burn-out en de wachtlijsten groeien.",
		strings.Repeat("Lang verhaal over de aanbesteding en wat het betekent. ", 8),
	}
	mc := &memCorpus{}
	coding := func(u study.Unit) *study.Coding {
		if rng.IntN(10) == 0 {
			return nil
		}
		c := &study.Coding{UnitID: u.ID}
		for k := rng.IntN(4); k > 0; k-- {
			code := codes[rng.IntN(len(codes))]
			c.Codes = append(c.Codes, code.ID)
			if code.Parent != "" {
				c.Codes = append(c.Codes, code.Parent)
			}
			at := rng.IntN(len(u.Text))
			c.Matches = append(c.Matches, study.Match{Code: code.ID, Term: "t", Span: study.Span{Start: at, End: at + 1 + rng.IntN(len(u.Text)-at)}, Negated: rng.IntN(8) == 0})
		}
		slices.Sort(c.Codes)
		c.Codes = slices.Compact(c.Codes)
		return c
	}
	addUnit := func(u study.Unit) {
		if u.Question != "" {
			u.ID = study.MakeUnitID(u)
		}
		mc.units = append(mc.units, u)
		var c *study.Coding
		if !u.Context {
			c = coding(u)
		}
		mc.codings = append(mc.codings, c)
	}
	for i := range n {
		// Pseudonymous IDs come in no useful order.
		id := fmt.Sprintf("R-%016x", rng.Uint64())
		r := study.Respondent{ID: id, Source: "survey", File: "survey/wave.csv", Wave: []string{"2024", "2025"}[i%2],
			Attributes: map[string]string{}, Likert: map[string]int{}}
		if weighted {
			r.Weight = 0.25 * float64(1+rng.IntN(12))
		}
		if rng.IntN(50) != 0 {
			r.Attributes["sector"] = sectors[rng.IntN(len(sectors))]
		}
		if i%1000 == 7 {
			r.Attributes["region"] = "Buitenland" // rare: pooled into "overig"
		} else {
			r.Attributes["region"] = regions[rng.IntN(len(regions))]
		}
		r.Attributes["mode"] = modes[rng.IntN(len(modes))]
		if rng.IntN(30) != 0 {
			r.Likert["werkdruk"] = 1 + rng.IntN(5)
		}
		if rng.IntN(10) != 0 {
			r.Likert["tevreden"] = 1 + rng.IntN(7)
		}
		mc.resp = append(mc.resp, r)
		for _, q := range []string{"Q_open1", "Q_open2"} {
			if rng.IntN(30) != 0 {
				addUnit(study.Unit{Source: "survey", File: r.File, Respondent: id, Question: q, Text: texts[rng.IntN(len(texts))]})
			}
		}
	}
	for f := range 3 {
		file := fmt.Sprintf("interviews/i%d.txt", f)
		id := fmt.Sprintf("I-%d", f)
		if f < 2 { // the third interviewee is not listed
			mc.resp = append(mc.resp, study.Respondent{ID: id, Source: "interviews", File: file, Attributes: map[string]string{"sector": sectors[f]}})
		}
		for turn := range 40 {
			addUnit(study.Unit{ID: fmt.Sprintf("interviews/%s/%d", file, turn), Source: "interviews", File: file, Respondent: id,
				Speaker: "R", Seq: turn, Text: texts[turn%len(texts)], Context: turn%2 == 0})
		}
	}
	in.Corpus = mc
	return in
}

// tablesDigest is a SHA-256 of the tables' JSON, which writes every float
// in the shortest form that reads back to the same bits: equal digests
// mean equal tables, number for number and string for string.
func tablesDigest(t testing.TB, tb *Tables) string {
	t.Helper()
	b, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func BenchmarkCompute(b *testing.B) {
	for _, weighted := range []bool{false, true} {
		name := "unweighted"
		if weighted {
			name = "weighted"
		}
		b.Run(fmt.Sprintf("%s/n=%d", name, *benchRespondents), func(b *testing.B) {
			in := benchInput(*benchRespondents, weighted)
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if _, err := Compute(in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkModelHeap reports what the analysis holds while it reads the
// corpus: the peak of the live heap while the model is built (as the
// garbage collector last marked it, sampled every millisecond, with the
// collector made to run often), with the corpus itself excluded, per
// survey respondent (each has about two units) and in all, and what the
// finished model holds. Neither should grow with the corpus: compare
// -benchrespondents 20000 with 200000.
func BenchmarkModelHeap(b *testing.B) {
	for _, ids := range []string{"R-16hex", "pseudonyms"} {
		b.Run("ids="+ids, func(b *testing.B) {
			in := benchInput(*benchRespondents, false)
			if ids == "pseudonyms" {
				in = withPseudonyms(in)
			}
			defer debug.SetGCPercent(debug.SetGCPercent(5))
			sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			live := func() float64 {
				metrics.Read(sample)
				return float64(sample[0].Value.Uint64())
			}
			var ms runtime.MemStats
			peak, held := 0.0, 0.0
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				before := float64(ms.HeapAlloc)
				stop, done := make(chan struct{}), make(chan float64)
				go func() {
					top := 0.0
					tick := time.NewTicker(time.Millisecond)
					defer tick.Stop()
					for {
						top = max(top, live())
						select {
						case <-stop:
							done <- top
							return
						case <-tick.C:
						}
					}
				}()
				m, err := newModel(in)
				if err != nil {
					b.Fatal(err)
				}
				close(stop)
				peak = <-done - before
				runtime.GC()
				runtime.ReadMemStats(&ms)
				held = float64(ms.HeapAlloc) - before
				runtime.KeepAlive(m)
			}
			b.ReportMetric(peak/float64(*benchRespondents), "peak-B/resp")
			b.ReportMetric(peak/1e6, "peak-MB")
			b.ReportMetric(held/float64(*benchRespondents), "held-B/resp")
		})
	}
}

// withPseudonyms gives in's survey respondents IDs of the form privacy
// gives them ("R-" and twelve hex digits; benchInput's have sixteen, and
// its digests are pinned), in no useful order, and their units too.
func withPseudonyms(in Input) Input {
	mc := in.Corpus.(*memCorpus)
	rng := rand.New(rand.NewPCG(9, 9))
	to := map[string]string{}
	taken := map[string]bool{}
	out := &memCorpus{codings: mc.codings}
	for _, r := range mc.resp {
		if r.Source == "survey" {
			id := ""
			for id == "" || taken[id] {
				id = fmt.Sprintf("R-%012x", rng.Uint64()>>16)
			}
			taken[id] = true
			to[r.ID] = id
			r.ID = id
		}
		out.resp = append(out.resp, r)
	}
	for _, u := range mc.units {
		if id, ok := to[u.Respondent]; ok {
			u.Respondent = id
			u.ID = study.MakeUnitID(u)
		}
		out.units = append(out.units, u)
	}
	in.Corpus = out
	return in
}

// TestBenchCorpusTablesUnchanged pins the tables of the benchmark corpus,
// so that work on Compute's speed cannot change a figure unnoticed. The
// digests were taken before that work (at 4ebd265). A change meant to
// alter the tables (a new field, a corrected statistic) updates them, and
// says so in its commit.
func TestBenchCorpusTablesUnchanged(t *testing.T) {
	for _, c := range []struct {
		n        int
		weighted bool
		digest   string
	}{
		{1000, false, "d554cf1d53d5788dcb7b8458dcf26c0179011d9c9bc039cfadd094e6545d78c7"},
		{1000, true, "9f9748ddc90cb23d143e6d897d8f35ac762d235ef87d533610dd3eb7d7f0089e"},
		{20000, false, "95eb354d01c583b98cbd376ea96866ed1a952922df7d6bb5b3b7d0926642baf3"},
		{20000, true, "edcde6b236720d4f6ff40669ae817951464c7aa298a2f82d26dfd9ff69395e4f"},
	} {
		t.Run(fmt.Sprintf("n=%d weighted=%v", c.n, c.weighted), func(t *testing.T) {
			tb, err := Compute(benchInput(c.n, c.weighted))
			if err != nil {
				t.Fatal(err)
			}
			if got := tablesDigest(t, tb); got != c.digest {
				t.Errorf("tables digest %s, want %s", got, c.digest)
			}
		})
	}
}
