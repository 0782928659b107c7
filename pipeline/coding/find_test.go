package coding

import (
	"reflect"
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
	_, phen := loadCoder(t)
	for _, c := range []*Coder{realCoder(t), phen} {
		all := make([]bool, len(c.codes))
		for i := range all {
			all[i] = true
		}
		sc := &scratch{}
		for _, lang := range []string{"nl", "en"} {
			m := c.matchers[lang]
			for _, u := range units {
				d := tokenize(u.Text)
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
