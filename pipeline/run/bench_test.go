package run

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/corpus"
)

// benchResponses sizes the benchmark corpus: go test -bench . -benchresponses 200000
var benchResponses = flag.Int("benchresponses", 20000, "survey responses in the benchmark corpus")

// benchCorpus generates (once per size) a corpus with the example codebook.
func benchCorpus(b *testing.B) (dir string, textBytes int64) {
	b.Helper()
	cb, err := os.ReadFile(filepath.Join("..", "..", "codes", "aanbesteding.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	dir = b.TempDir()
	res, err := corpus.Generate(dir, cb, corpus.Options{Responses: *benchResponses, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return dir, res.TextBytes
}

// baselineWords is the least a keyword coder needs: the codebook's terms as
// plain lower-case words (stems, globs and phrases reduced to their words).
func baselineWords(b *testing.B, path string) map[string]bool {
	cb, err := coding.Load(path)
	if err != nil {
		b.Fatal(err)
	}
	words := map[string]bool{}
	for _, c := range cb.Codes {
		for _, terms := range c.Terms {
			for _, t := range terms {
				for _, w := range strings.Fields(strings.Trim(t, "/")) {
					words[strings.ToLower(strings.Trim(w, "~*…."))] = true
				}
			}
		}
	}
	return words
}

// baseline reads the CSV, folds case, splits words and looks each word up:
// the least work that codes a corpus at all.
func baseline(path string, words map[string]bool) (hits int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			return hits, nil
		}
		if err != nil {
			return hits, err
		}
		if i < 3 {
			continue
		}
		for _, cell := range rec[len(rec)-2:] {
			for _, w := range strings.FieldsFunc(strings.ToLower(cell), func(r rune) bool { return !unicode.IsLetter(r) }) {
				if words[w] {
					hits++
				}
			}
		}
	}
}

// BenchmarkPipeline measures the baseline and veldstem's full run, a rerun
// with nothing new, and a rerun with 1% new responses, on one corpus in one
// benchmark run. Compare the ns/op of the sub-benchmarks.
func BenchmarkPipeline(b *testing.B) {
	dir, textBytes := benchCorpus(b)
	cfgPath := filepath.Join(dir, "config.yaml")
	words := baselineWords(b, filepath.Join(dir, "codes", "codebook.yaml"))
	survey := filepath.Join(dir, "survey", "wave2025.csv")

	b.Run("baseline", func(b *testing.B) {
		b.SetBytes(textBytes)
		for i := 0; i < b.N; i++ {
			if _, err := baseline(survey, words); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full", func(b *testing.B) {
		b.SetBytes(textBytes)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			os.RemoveAll(filepath.Join(dir, ".veldstem", "state.db"))
			os.RemoveAll(filepath.Join(dir, ".veldstem", "state.db-wal"))
			os.RemoveAll(filepath.Join(dir, ".veldstem", "state.db-shm"))
			// A full run starts from nothing: without this the report
			// cache of the previous iteration would serve its reports.
			os.RemoveAll(filepath.Join(dir, ".veldstem", "state.db.reports.json"))
			// Nor may it analyse the last iteration's kept facts.
			os.RemoveAll(filepath.Join(dir, ".veldstem", "state.db.facts"))
			cfg := loadBenchConfig(b, cfgPath)
			b.StartTimer()
			if _, err := Run(context.Background(), cfg, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rerun-nothing-new", func(b *testing.B) {
		cfg := loadBenchConfig(b, cfgPath)
		b.SetBytes(textBytes)
		for i := 0; i < b.N; i++ {
			if _, err := Run(context.Background(), cfg, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The new file of rerun-1pct-new sorts before wave2025.csv, so every
	// row of the workbook's Codings sheet moves down and is rendered again;
	// that of rerun-1pct-new-sorted-last (a later wave's name) sorts after
	// it, so the rows of the files already there keep their places and
	// are copied (report/segments.go).
	for _, c := range []struct{ bench, prefix string }{
		{"rerun-1pct-new", "new"},
		{"rerun-1pct-new-sorted-last", "wave2026-new"},
	} {
		b.Run(c.bench, func(b *testing.B) {
			cfg := loadBenchConfig(b, cfgPath)
			extra := *benchResponses / 100
			b.SetBytes(textBytes)
			for range b.N {
				// Counted across -count repetitions too, so every iteration
				// adds a file the store has not seen.
				newFiles++
				i := newFiles
				b.StopTimer()
				sub := b.TempDir()
				if _, err := corpus.Generate(sub, nil, corpus.Options{Responses: extra, Seed: uint64(100 + i), Wave: "new"}); err != nil {
					b.Fatal(err)
				}
				data, _ := os.ReadFile(filepath.Join(sub, "survey", "wavenew.csv"))
				// New respondent IDs, so the file adds responses rather than repeating them.
				data = []byte(strings.ReplaceAll(string(data), ",R_", ",N"+strconv.Itoa(i)+"_"))
				if err := os.WriteFile(filepath.Join(dir, "survey", c.prefix+strconv.Itoa(i)+".csv"), data, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := Run(context.Background(), cfg, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// newFiles numbers the files the rerun-1pct-new benchmarks add.
var newFiles int

func loadBenchConfig(b *testing.B, path string) *config.Config {
	b.Helper()
	cfg, err := loadConfigErr(filepath.Dir(path))
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}
