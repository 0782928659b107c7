package privacy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	gencorpus "github.com/veldstem/veldstem/pipeline/corpus"
	"github.com/veldstem/veldstem/pipeline/ingest"
	"github.com/veldstem/veldstem/pipeline/study"
)

// generated reads a generated corpus (corpus.Generate, seed 1) the way a
// run reads it: the bench_test.go answers are two hand-written texts,
// which say little about the ~270-byte answers of a national run.
func generated(tb testing.TB, responses int) ([]study.Respondent, []study.Unit) {
	tb.Helper()
	dir := tb.TempDir()
	res, err := gencorpus.Generate(dir, nil, gencorpus.Options{Responses: responses, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	var rs []study.Respondent
	var units []study.Unit
	emit := func(r study.Respondent, us []study.Unit) error {
		// Paths relative to the corpus, as a run has them, so the digest
		// does not depend on the temporary directory.
		rel := func(p string) string {
			if q, err := filepath.Rel(dir, p); err == nil {
				return q
			}
			return p
		}
		r.File = rel(r.File)
		rs = append(rs, r)
		for _, u := range us {
			u.File = rel(u.File)
			u.ID = study.MakeUnitID(u)
			units = append(units, u)
		}
		return nil
	}
	survey := config.Source{Name: "survey", Type: "survey", IDColumn: "ResponseId", TextColumns: []string{"Q_open1", "Q_open2"},
		Attributes: map[string]string{"sector": "Q_sector", "region": "Q_region", "mode": "Q_mode"}}
	if _, err := ingest.Stream(res.SurveyFile, survey, emit); err != nil {
		tb.Fatal(err)
	}
	interviews := config.Source{Name: "interviews", Type: "transcript", Interviewer: []string{"Interviewer"}}
	for _, p := range res.Transcripts {
		if _, err := ingest.Stream(p, interviews, emit); err != nil {
			tb.Fatal(err)
		}
	}
	if len(units) < responses {
		tb.Fatalf("the generated corpus of %d responses has only %d units", responses, len(units))
	}
	return rs, units
}

// fixedKeyPseudonymizer has a fixed key, so its output can be compared
// with a digest recorded earlier.
func fixedKeyPseudonymizer(tb testing.TB) *Pseudonymizer {
	tb.Helper()
	key := filepath.Join(tb.TempDir(), "key")
	if err := os.WriteFile(key, []byte("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	p, err := New(Options{KeyFile: key, Names: []string{"Yolanda Dekker", "Bouchra Haddou"}, NamesFile: filepath.Join("testdata", "names.txt")})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// speakers are put on some generated units so the digest also covers
// speaker labels and known names, which the generated corpus lacks.
var speakers = []string{"Pieter de Vries", "Fatima El Amrani", "Sanne", "mevrouw Jansen", "Kees van der Berg-de Jong"}

func writeFields(h hash.Hash, fields ...string) {
	for _, f := range fields {
		h.Write([]byte(strconv.Quote(f)))
		h.Write([]byte{'\n'})
	}
}

func writeMap(h hash.Hash, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	writeFields(h, strconv.Itoa(len(m)))
	for _, k := range keys {
		writeFields(h, k, m[k])
	}
}

// outputDigest hashes everything the Pseudonymizer returns for the
// respondents and units, for the sentences of testdata/sentences.txt, and
// for what Scan counts.
func outputDigest(t *testing.T, p *Pseudonymizer, rs []study.Respondent, units []study.Unit) string {
	h := sha256.New()
	for _, r := range rs {
		r = p.Respondent(r)
		writeFields(h, r.ID, r.Source, r.File, r.Wave, strconv.FormatFloat(r.Weight, 'g', -1, 64))
		writeMap(h, r.Closed)
		writeMap(h, r.Attributes)
	}
	for i, u := range units {
		var known []string
		if i%7 == 0 {
			u.Speaker = speakers[i%len(speakers)]
			known = speakers[(i/7)%len(speakers):]
		}
		u = p.Unit(u, known)
		writeFields(h, u.ID, u.Source, u.File, u.Respondent, u.Question, u.QuestionLabel, u.Speaker, u.Position,
			strconv.Itoa(u.Seq), u.Text, u.Lang, strconv.FormatBool(u.Context))
	}
	for _, s := range readSentences(t) {
		writeFields(h, p.Text(s.text, s.known))
		for _, k := range Kinds() {
			writeFields(h, fmt.Sprint(p.Scan(s.text, s.known)[k]))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestGeneratedOutputUnchanged guards speed work on the name detectors:
// every pseudonym, replacement and kind must stay what it was. The digest
// was recorded before issue 10's changes; a deliberate change to the
// detectors, the generator or the lists must record a new one (the test
// prints it).
func TestGeneratedOutputUnchanged(t *testing.T) {
	const want = "b021c58549097e45d9968da30fabaef74b2e2e9c45a3875e0a3ee7c7a6e599d9"
	rs, units := generated(t, 20000)
	got := outputDigest(t, fixedKeyPseudonymizer(t), rs, units)
	if got != want {
		t.Errorf("output digest over %d respondents and %d units is %s, want %s", len(rs), len(units), got, want)
	}
}

// BenchmarkUnitGenerated pseudonymizes generated-corpus answers, one unit
// per op, as the store pass does: the figure that predicts a national run.
func BenchmarkUnitGenerated(b *testing.B) {
	p := fixedKeyPseudonymizer(b)
	_, units := generated(b, 2000)
	n := 0
	for _, u := range units {
		n += len(u.Text)
	}
	b.SetBytes(int64(n / len(units)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Unit(units[i%len(units)], nil)
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/unit")
}
