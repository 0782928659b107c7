package coding

import (
	"strings"
	"testing"
	"unicode"

	"github.com/jdkato/prose/v2"
	"github.com/veldstem/veldstem/pipeline/study"
)

func proseWords(t testing.TB, text string) []string {
	doc, err := prose.NewDocument(text, prose.WithSegmentation(false), prose.WithTagging(false), prose.WithExtraction(false))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tok := range doc.Tokens() {
		if strings.IndexFunc(tok.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			out = append(out, tok.Text)
		}
	}
	return out
}

// Our tokenizer must find the same words as prose, the design card's
// tokenizer, on text without apostrophes (prose splits "don't" into
// "do" + "n't"; we keep it whole so "n't" stays a negation cue).
func TestTokenizerAgreesWithProseOnWords(t *testing.T) {
	texts := []string{
		"De werkdruk is niet hoog, maar de productie-eisen wel.",
		"Geen tijd voor cliënten; te veel regels (en formulieren)!",
		"The workload is high and overtime is unpaid.",
		"Continuïteit van zorg staat onder druk: 80 procent declarabel?",
	}
	for _, text := range texts {
		t.Run("words of "+text, func(t *testing.T) {
			var ours []string
			for _, tk := range tokenize(text).Tokens {
				ours = append(ours, text[tk.Start:tk.End])
			}
			if theirs := proseWords(t, text); strings.Join(ours, "|") != strings.Join(theirs, "|") {
				t.Errorf("ours   %q\nprose  %q", ours, theirs)
			}
		})
	}
}

func benchText() string {
	var b strings.Builder
	for _, u := range corpus(6) {
		b.WriteString(u.Text)
		b.WriteByte(' ')
	}
	return b.String()
}

// Measured on the shared 2-core build machine (go test -bench . -benchtime 2000x):
// see doc.go for the numbers.
func BenchmarkTokenize(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tokenize(text)
	}
}

func BenchmarkProseTokenize(b *testing.B) {
	text := benchText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		proseWords(b, text)
	}
}

func BenchmarkCode(b *testing.B) {
	_, c := loadCoder(b)
	benchCode(b, c, corpus(600))
}

// benchCode codes units round robin, one unit per op, reporting the mean
// unit's bytes and units a second.
func benchCode(b *testing.B, c *Coder, units []study.Unit) {
	n := 0
	for _, u := range units {
		n += len(u.Text)
	}
	b.SetBytes(int64(n / len(units)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.Code(units[i%len(units)], nil)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "units/s")
}

func BenchmarkCodeAll(b *testing.B) {
	_, c := loadCoder(b)
	units := corpus(600)
	n := 0
	for _, u := range units {
		n += len(u.Text)
	}
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		c.CodeAll(units, func(study.Unit) *study.Respondent { return nil })
	}
	b.ReportMetric(float64(b.N*len(units))/b.Elapsed().Seconds(), "units/s")
}
