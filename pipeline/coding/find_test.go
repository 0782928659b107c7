package coding

import (
	"reflect"
	"slices"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// bruteFind is what find computes, without its indexes and filters: every
// term tried at every token, every regex run over the whole text.
func bruteFind(m *matcher, d *doc, tfs []tokForms, active []bool) []hit {
	var hits []hit
	for k := range tfs {
		for id, t := range m.terms {
			p := t.pat
			if p.Re != nil || !active[t.code] {
				continue
			}
			s, e, last, ok := simpleMatchPhrase(p.Phrase, d, tfs, k)
			if !ok {
				continue
			}
			if p.Near > 0 {
				s2, e2, ok := simpleNear(p, d, tfs, k, last)
				if !ok {
					continue
				}
				s, e = min(s, s2), max(e, e2)
			}
			hits = append(hits, hit{term: id, start: s, end: e, a: k, b: last, sentence: d.Tokens[k].Sentence})
		}
	}
	for _, id := range m.regexes {
		if !active[m.terms[id].code] {
			continue
		}
		for _, loc := range m.terms[id].pat.Re.FindAllStringIndex(d.Text, -1) {
			if loc[0] == loc[1] {
				continue
			}
			a, b := d.tokenRange(loc[0], loc[1])
			hits = append(hits, hit{term: id, start: loc[0], end: loc[1], a: a, b: b, sentence: d.sentenceOf(loc[0])})
		}
	}
	return hits
}

// simpleMatchForms is matchForms as it was written before it compared
// vocab numbers: a string comparison per form (matchWord).
func simpleMatchForms(e *elem, tf tokForms) (start, end int, ok bool) {
	for i := range tf.forms {
		f := &tf.forms[i]
		var st string
		if e.Kind == stemWord {
			st = f.info.stem
			if e.Alt {
				st = f.info.altStem
			}
		}
		if matchWord(*e, f.W, st) {
			return f.Start, f.End, true
		}
	}
	return 0, 0, false
}

// simpleMatchPhrase is matchPhrase as it was written before it became a
// loop: a recursive closure over simpleMatchForms.
func simpleMatchPhrase(elems []elem, d *doc, tfs []tokForms, k int) (start, end, last int, ok bool) {
	if k >= len(tfs) {
		return 0, 0, 0, false
	}
	fStart, fEnd, ok := simpleMatchForms(&elems[0], tfs[k])
	if !ok {
		return 0, 0, 0, false
	}
	if len(elems) == 1 {
		return fStart, fEnd, k, true
	}
	sent := d.Tokens[k].Sentence
	var rest func(j, k int) (int, int, bool)
	rest = func(j, k int) (int, int, bool) {
		if j == len(elems) {
			return 0, 0, false
		}
		if elems[j].Kind == gapWord {
			for skip := 0; skip <= maxGap; skip++ {
				if end, last, ok := rest(j+1, k+skip); ok {
					return end, last, true
				}
			}
			return 0, 0, false
		}
		if k >= len(tfs) || d.Tokens[k].Sentence != sent {
			return 0, 0, false
		}
		_, fEnd, ok := simpleMatchForms(&elems[j], tfs[k])
		if !ok {
			return 0, 0, false
		}
		if j == len(elems)-1 {
			return fEnd, k, true
		}
		return rest(j+1, k+1)
	}
	end, last, ok = rest(1, k+1)
	return fStart, end, last, ok
}

// simpleNear is near over simpleMatchPhrase.
func simpleNear(p *pattern, d *doc, tfs []tokForms, a, b int) (int, int, bool) {
	sent := d.Tokens[a].Sentence
	best, bs, be := -1, 0, 0
	lo := max(0, a-p.Near-len(p.Other)*(maxGap+1))
	hi := min(len(tfs)-1, b+p.Near)
	for j := lo; j <= hi; j++ {
		if d.Tokens[j].Sentence != sent {
			continue
		}
		s, e, last, ok := simpleMatchPhrase(p.Other, d, tfs, j)
		if !ok || d.Tokens[last].Sentence != sent {
			continue
		}
		var dist int
		switch {
		case j > b:
			dist = j - b
		case last < a:
			dist = a - last
		default:
			continue
		}
		if dist <= p.Near && (best < 0 || dist < best) {
			best, bs, be = dist, s, e
		}
	}
	return bs, be, best >= 0
}

// The first-word, second-word, prefix-key and tail-key indexes and the
// regex prefilter only skip terms that cannot match: find must return
// exactly what trying every term everywhere returns, in the same order.
func TestFindEqualsTryingEveryTerm(t *testing.T) {
	units := generatedUnits(t, 150)
	extra := []string{
		"Productie-eisen en tijdsdruk: te veel open dossiers, 85% declarabel.",
		"Wij hebben té veel open dossiers. Niet alleen werkdruk maar ook regels.",
		"Ik zit op 40 dossiers, met 120 cliënten; twintig gezinnen en 3 uur per week per cliënt.",
		"Eén keer per maand, ÉÉN KEER OM DE ZES WEKEN. The workload and overtime.",
	}
	for _, text := range extra {
		units = append(units, study.Unit{Text: text})
	}
	phenCB, phen := loadCoder(t)
	real := realCoder(t)
	units = append(units, randomUnits([]*Codebook{real.cb, phenCB}, 400, 1)...)
	for _, c := range []*Coder{real, phen} {
		all := make([]bool, len(c.codes))
		for i := range all {
			all[i] = true
		}
		sc := &scratch{}
		for _, lang := range []string{"nl", "en"} {
			m := c.matchers[lang]
			checked := map[string]bool{}
			for _, u := range units {
				d := tokenize(u.Text)
				checkForms(t, m, m.forms(&d, sc), checked)
				want := bruteFind(m, &d, m.forms(&d, sc), all)
				got := m.find(&d, m.forms(&d, sc), all, sc, nil)
				if len(got) == 0 && len(want) == 0 {
					continue
				}
				// find runs the word terms token by token and the regexes
				// after them, as bruteFind does.
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: %q:\nfind  %+v\nbrute %+v", lang, u.Text, got, want)
				}
			}
		}
	}
}

// checkForms checks the stems forms takes from the word cache against
// Snowball's, and the cached candidates against the terms' first words:
// bruteFind trusts forms. checked holds the words already checked.
func checkForms(t *testing.T, m *matcher, tfs []tokForms, checked map[string]bool) {
	t.Helper()
	for _, tf := range tfs {
		for _, f := range tf.forms {
			if checked[f.W] {
				continue
			}
			checked[f.W] = true
			var st, alt string
			if len(m.stems) > 0 {
				st = snowball(f.W, m.lang)
				if m.altStems {
					alt = snowball(f.W, other(m.lang))
				}
			}
			if f.info.stem != st || f.info.altStem != alt {
				t.Fatalf("%s: %q: stems %q %q, want %q %q", m.lang, f.W, f.info.stem, f.info.altStem, st, alt)
			}
			var want []int
			for id, tr := range m.terms {
				if tr.pat.Re != nil {
					continue
				}
				ph, ok := tr.pat.Phrase, false
				switch e := ph[0]; e.Kind {
				case exactWord:
					// Phrases going on with an exact word are filed by it.
					ok = e.Word == f.W && (len(ph) == 1 || ph[1].Kind != exactWord)
				case stemWord:
					ok = len(m.stems) > 0 && (e.Word == st || m.altStems && e.Word == alt)
				default:
					ok = matchWord(e, f.W, "")
				}
				if ok {
					want = append(want, id)
				}
			}
			if !slices.Equal(f.info.cands, want) {
				t.Fatalf("%s: %q: candidates %v, want %v", m.lang, f.W, f.info.cands, want)
			}
		}
	}
}

// matchForms tells exact words by their vocab numbers: every exact word
// of every term must carry its own.
func TestExactElemsCarryTheirVocabNumbers(t *testing.T) {
	_, phen := loadCoder(t)
	for _, c := range []*Coder{phen, realCoder(t)} {
		for _, m := range c.matchers {
			for _, tr := range m.terms {
				for _, es := range [][]elem{tr.pat.Phrase, tr.pat.Other} {
					for _, e := range es {
						if v, ok := m.vocab[e.Word]; e.Kind == exactWord && (!ok || v != e.v) {
							t.Fatalf("%s: %q: exact word %q has number %d, vocab %d (%v)", m.lang, tr.pat.Raw, e.Word, e.v, v, ok)
						}
					}
				}
			}
		}
	}
}
