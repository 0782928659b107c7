package report

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// benchWords is a generated answer's vocabulary; a few carry multi-byte
// runes, as Dutch answers do.
var benchWords = strings.Fields(`de het een en van in is dat op te met voor niet zijn er maar ook als bij
	werkdruk caseload administratie registratie samenwerking ketenpartners wachtlijst scholing cursus
	waardering regels team collega's leidinggevende cliënten één reorganisatie ggz jeugdzorg één-op-één
	überhaupt geïnformeerd overleg 'dossier' <privé> zorg&welzijn tijd week dag gesprek`)

// benchCorpus returns n units of generated-looking survey answers with
// their codings: ~270 bytes of text, ~6 codes and ~8 matches each, spans in
// text order, some negated.
func benchCorpus(n int) (Codebook, []study.Unit, []study.Coding) {
	rng := rand.New(rand.NewPCG(10, 20))
	var cb Codebook
	for i := range 40 {
		c := CodebookCode{ID: fmt.Sprintf("code%02d", i), LabelNL: fmt.Sprintf("Thema %d", i), Color: "#C0392B", Description: "Een code."}
		if i%4 != 0 {
			c.Parent = fmt.Sprintf("code%02d", i-i%4)
		}
		if i%3 == 0 {
			c.Negation = "exclude"
		}
		cb.Codes = append(cb.Codes, c)
	}
	units := make([]study.Unit, n)
	codings := make([]study.Coding, n)
	var sb strings.Builder
	for k := range n {
		sb.Reset()
		var starts []int
		for sb.Len() < 270 {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			starts = append(starts, sb.Len())
			sb.WriteString(benchWords[rng.IntN(len(benchWords))])
		}
		text := sb.String()
		file := fmt.Sprintf("data/enquete_%d.csv", k/5000)
		resp := fmt.Sprintf("R-%05x", k/3)
		q := fmt.Sprintf("Q_open%d", k%3+1)
		units[k] = study.Unit{ID: "enquete/" + resp + "/" + q, Source: "enquete", File: file, Respondent: resp, Question: q, Seq: k + 1, Text: text}
		c := study.Coding{UnitID: units[k].ID}
		if k%10 == 9 {
			codings[k] = c
			continue
		}
		// ~8 matches over ~5 leaf codes, in text order; adjacent matches of
		// one word by several terms.
		pos := 0
		codes := map[string]bool{}
		for len(c.Matches) < 8 && pos < len(starts) {
			pos += 1 + rng.IntN(3)
			if pos >= len(starts) {
				break
			}
			a := starts[pos]
			b := a + strings.IndexByte(text[a:]+" ", ' ')
			code := cb.Codes[rng.IntN(len(cb.Codes))].ID
			neg := rng.IntN(8) == 0
			c.Matches = append(c.Matches, study.Match{Code: code, Term: text[a:b], Span: study.Span{Start: a, End: b}, Negated: neg})
			if rng.IntN(4) == 0 {
				c.Matches = append(c.Matches, study.Match{Code: code, Term: "~" + text[a:b], Span: study.Span{Start: a, End: b}, Negated: neg})
			}
			if !neg {
				codes[code] = true
			}
		}
		for id := range codes {
			for _, cc := range cb.Codes {
				if cc.ID == id && cc.Parent != "" {
					codes[cc.Parent] = true
				}
			}
		}
		for _, cc := range cb.Codes {
			if codes[cc.ID] {
				c.Codes = append(c.Codes, cc.ID)
			}
		}
		codings[k] = c
	}
	return cb, units, codings
}

func benchInput(n int) Input {
	cb, units, codings := benchCorpus(n)
	in := Input{Tables: fixtureTables("nl"), Codebook: cb, Manifest: Manifest{Version: "0.1.0"}}
	in.EachUnit = func(fn func(study.Unit, *study.Coding) error) error {
		for i := range units {
			c := &codings[i]
			if err := fn(units[i], c); err != nil {
				return err
			}
		}
		return nil
	}
	return in
}

// BenchmarkQDPX renders project.qdpx as Write does, deflate included;
// ns/unit is the figure doc.go quotes.
func BenchmarkQDPX(b *testing.B) {
	const n = 20000
	in := benchInput(n)
	dir := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := renderQDPX(io.Discard, in, dir); err != nil {
			b.Fatal(err)
		}
	}
	// Deflate runs beside the rendering on a second core, so wall time
	// hides the rendering's savings; CPU time shows them.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/n, "cpu-ns/unit")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/unit")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkCodings renders the other two unit-level exports as Write does
// from the scan: codings.csv, and the workbook's Codings sheet compressed
// on the way (spoolCodings with its early sheet, deflate included; one
// part per input file, so no spool is written).
func BenchmarkCodings(b *testing.B) {
	const n = 20000
	in := benchInput(n)
	for k := 0; k < n; k += 5000 {
		file := fmt.Sprintf("data/enquete_%d.csv", k/5000)
		in.Parts = append(in.Parts, Part{Source: "enquete", File: file, Key: "key:" + file, Units: 5000})
	}
	b.Run("csv", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			if _, err := writeCodingsCSVParts(io.Discard, in, Options{CSVDelimiter: ','}, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/n, "cpu-ns/unit")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/unit")
	})
	b.Run("sheet", func(b *testing.B) {
		dir := b.TempDir()
		m := newMatrix(in, buildLabels(in))
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			sp, err := spoolCodings(in, dir, true, m, nil)
			if err != nil {
				b.Fatal(err)
			}
			sp.close()
		}
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/n, "cpu-ns/unit")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/unit")
	})
}
