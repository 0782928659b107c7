package privacy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sentence is one line of testdata/sentences.txt.
type sentence struct {
	line  int
	text  string
	want  []planted
	known []string
}

type planted struct {
	kind  Kind
	src   string // a, b, c or d for persons
	value string
}

func readSentences(t *testing.T) []sentence {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sentences.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sentence
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, " || ")
		s := sentence{line: n, text: parts[0]}
		if len(parts) > 1 {
			for _, w := range strings.Split(parts[1], " ; ") {
				kind, value, ok := strings.Cut(w, "=")
				if !ok {
					t.Fatalf("sentences.txt:%d: %q is not kind=value", n, w)
				}
				kind, src, _ := strings.Cut(kind, ".")
				if _, ok := labels[Kind(kind)]; !ok {
					t.Fatalf("sentences.txt:%d: unknown kind %q", n, kind)
				}
				if !strings.Contains(s.text, value) {
					t.Fatalf("sentences.txt:%d: %q is not in the sentence", n, value)
				}
				s.want = append(s.want, planted{Kind(kind), src, value})
			}
		}
		if len(parts) > 2 {
			for _, k := range strings.Split(parts[2], ",") {
				s.known = append(s.known, strings.TrimSpace(k))
			}
		}
		out = append(out, s)
	}
	return out
}

func corpusPseudonymizer(t testing.TB) *Pseudonymizer {
	t.Helper()
	p, err := New(Options{
		KeyFile:   filepath.Join(t.TempDir(), "key"),
		Names:     []string{"Yolanda Dekker", "Bouchra Haddou"},
		NamesFile: filepath.Join("testdata", "names.txt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// score counts exact hits: a detected span of the right kind covering
// exactly the planted value. leaks counts planted values still in the
// output, which is what matters for privacy.
type score struct{ tp, fp, fn, leaks int }

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) String() string {
	return fmt.Sprintf("recall %3.0f%% (%d/%d)  precision %3.0f%% (%d/%d)  leaked %d",
		100*s.recall(), s.tp, s.tp+s.fn, 100*s.precision(), s.tp, s.tp+s.fp, s.leaks)
}

// evaluate scores p on the sentences by kind; persons are also scored by
// planted source under "person.a" … "person.d".
func evaluate(p *Pseudonymizer, sentences []sentence, verbose func(string, ...any)) map[string]*score {
	scores := map[string]*score{}
	get := func(k string) *score {
		if scores[k] == nil {
			scores[k] = &score{}
		}
		return scores[k]
	}
	for _, s := range sentences {
		spans := p.detect(s.text, s.known)
		out := p.Text(s.text, s.known)
		matched := make([]bool, len(spans))
		for _, w := range s.want {
			hit := slices.IndexFunc(spans, func(sp span) bool {
				return sp.kind == w.kind && s.text[sp.start:sp.end] == w.value
			})
			keys := []string{string(w.kind)}
			if w.src != "" {
				keys = append(keys, string(w.kind)+"."+w.src)
			}
			for _, k := range keys {
				if hit >= 0 {
					get(k).tp++
				} else {
					get(k).fn++
				}
				if strings.Contains(out, w.value) {
					get(k).leaks++
				}
			}
			if hit >= 0 {
				matched[hit] = true
			} else if verbose != nil {
				verbose("sentences.txt:%d: missed %s %q: %s", s.line, w.kind, w.value, out)
			}
		}
		for i, sp := range spans {
			if !matched[i] {
				get(string(sp.kind)).fp++
				if verbose != nil {
					verbose("sentences.txt:%d: false %s %q: %s", s.line, sp.kind, s.text[sp.start:sp.end], out)
				}
			}
		}
	}
	return scores
}

func TestSentencesRecallAndPrecision(t *testing.T) {
	sentences := readSentences(t)
	withPII := 0
	for _, s := range sentences {
		if len(s.want) > 0 {
			withPII++
		}
	}
	if withPII < 60 || len(sentences)-withPII < 40 {
		t.Fatalf("test set has %d sentences with and %d without personal data; want at least 60 and 40", withPII, len(sentences)-withPII)
	}
	p := corpusPseudonymizer(t)
	scores := evaluate(p, sentences, t.Logf)
	t.Logf("%d sentences with personal data, %d without", withPII, len(sentences)-withPII)
	for _, k := range Kinds() {
		t.Logf("%-16s %v", k, *get(scores, string(k)))
	}
	// Structured values have fixed shapes or checksums: the set must be
	// caught whole, with at most one false alarm per kind.
	for _, k := range Kinds() {
		s := *get(scores, string(k))
		t.Run(string(k)+" is found and nothing else is", func(t *testing.T) {
			minRecall, maxFP := 1.0, 0
			if k == Person {
				// Names have no shape; the floor is what the four sources
				// reach on this set, minus a margin for other wording.
				minRecall, maxFP = 0.85, 2
			}
			if s.recall() < minRecall || s.fp > maxFP || s.leaks > 0 && k != Person {
				t.Errorf("%s: %v; want recall >= %.0f%%, at most %d false, no leaks", k, s, 100*minRecall, maxFP)
			}
		})
	}
}

func get(m map[string]*score, k string) *score {
	if m[k] == nil {
		return &score{}
	}
	return m[k]
}

// TestNameSourcesEachAdd measures what each name source adds: persons are
// found by one source alone, then by the sources added one by one.
func TestNameSourcesEachAdd(t *testing.T) {
	sentences := readSentences(t)
	p := corpusPseudonymizer(t)
	runs := []struct {
		name    string
		sources nameSource
	}{
		{"(a) known names only", fromKnown},
		{"(b) configured names only", fromConfig},
		{"(c) titles only", fromTitle},
		{"(d) first-name list only", fromFirstName},
		{"(a)+(b)", fromKnown | fromConfig},
		{"(a)+(b)+(c)", fromKnown | fromConfig | fromTitle},
		{"(a)+(b)+(c)+(d)", allSources},
	}
	recall := map[string]float64{}
	for _, r := range runs {
		p.sources = r.sources
		scores := evaluate(p, sentences, nil)
		s := *get(scores, string(Person))
		recall[r.name] = s.recall()
		t.Logf("%-28s persons %v", r.name, s)
		for _, src := range []string{"a", "b", "c", "d"} {
			if ps := get(scores, "person."+src); ps.tp+ps.fn > 0 {
				t.Logf("%-28s   planted for (%s): %v", "", src, *ps)
			}
		}
	}
	p.sources = allSources
	t.Run("each source adds names the earlier ones miss", func(t *testing.T) {
		order := []string{"(a) known names only", "(a)+(b)", "(a)+(b)+(c)", "(a)+(b)+(c)+(d)"}
		for i := 1; i < len(order); i++ {
			if recall[order[i]] <= recall[order[i-1]] {
				t.Errorf("%s recall %.2f, not above %s %.2f", order[i], recall[order[i]], order[i-1], recall[order[i-1]])
			}
		}
	})
}
