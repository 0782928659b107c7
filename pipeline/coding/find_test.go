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
			s, e, last, ok := matchPhrase(p.Phrase, d, tfs, k)
			if !ok {
				continue
			}
			if p.Near > 0 {
				s2, e2, ok := near(p, d, tfs, k, last)
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
