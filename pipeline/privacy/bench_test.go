package privacy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Practitioner-style answers: the clean text is the common case in a
// national survey, the other carries a value of most kinds.
const (
	cleanAnswer = "De werkdruk is sinds 2024 enorm gestegen. Ik voer 8 gesprekken per dag en ongeveer 90% van mijn tijd gaat op aan administratie. " +
		"De wachtlijst bij de GGZ is 12 weken, dus we houden gezinnen langer vast dan goed is. In Utrecht werken we met vaste contactpersonen per wijk, " +
		"maar door het verloop lukt dat niet meer. Dan gaan we samen kijken wat er nodig is, en dat kost tijd die we niet hebben.\n"
	piiAnswer = "Ik sprak mevrouw Jansen en haar dochter Fatima op de Kerkweg 3a, 1234 AB Utrecht. Ze is geboren op 12-03-1980 en bereikbaar op 06-12345678 " +
		"of via f.jansen@example.nl. Haar BSN 111222333 en rekening NL91 ABNA 0417 1643 00 stonden in het dossier. Collega Kees de Vries nam het over; " +
		"de werkdruk is hoog en we voeren 8 gesprekken per dag.\n"
)

func benchmarkText(b *testing.B, text string, known []string) {
	p := newTest(b, Options{Names: []string{"Yolanda Dekker", "Bouchra Haddou"}})
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Text(text, known)
	}
}

func BenchmarkTextClean(b *testing.B) { benchmarkText(b, cleanAnswer, nil) }

func BenchmarkTextWithPII(b *testing.B) { benchmarkText(b, piiAnswer, nil) }

func BenchmarkTextWithKnownNames(b *testing.B) {
	benchmarkText(b, piiAnswer, []string{"Wietske Hoogland", "Reinout van Heerde"})
}

// BenchmarkTextLongTranscript is one long transcript, as a text file without
// speaker turns arrives.
func BenchmarkTextLongTranscript(b *testing.B) {
	benchmarkText(b, strings.Repeat(cleanAnswer, 40)+strings.Repeat(piiAnswer, 10), nil)
}

// groupedRespondents is a generated corpus as the store pass meets it:
// each respondent with its units. The corpus is repeated laps times with
// other IDs, so a benchmark looping over it meets an ID again only after
// more respondents than Pseudonymizer remembers, as a run does.
type respondentGroup struct {
	r  study.Respondent
	us []study.Unit
}

func groupedRespondents(b *testing.B, laps int) []respondentGroup {
	rs, units := generated(b, 2000)
	var gs []respondentGroup
	for _, r := range rs {
		gs = append(gs, respondentGroup{r: r})
	}
	g := 0
	for _, u := range units {
		for g < len(gs) && (gs[g].r.Source != u.Source || gs[g].r.ID != u.Respondent) {
			g++
		}
		if g == len(gs) {
			b.Fatalf("unit %s has no respondent in order", u.ID)
		}
		gs[g].us = append(gs[g].us, u)
	}
	var all []respondentGroup
	for lap := range laps {
		for _, g := range gs {
			g.r.ID += "-" + strconv.Itoa(lap)
			us := make([]study.Unit, len(g.us))
			for i, u := range g.us {
				u.Respondent = g.r.ID
				us[i] = u
			}
			g.us = us
			all = append(all, g)
		}
	}
	return all
}

// BenchmarkRespondentGenerated pseudonymizes generated-corpus respondents
// (ID, closed answers, attributes), one a op.
func BenchmarkRespondentGenerated(b *testing.B) {
	p := fixedKeyPseudonymizer(b)
	gs := groupedRespondents(b, 8)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Respondent(gs[i%len(gs)].r)
		i++
	}
}

// BenchmarkStoreGenerated is the store pass's work on a generated corpus:
// each respondent, then its units, one respondent a op.
func BenchmarkStoreGenerated(b *testing.B) {
	p := fixedKeyPseudonymizer(b)
	gs := groupedRespondents(b, 8)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g := gs[i%len(gs)]
		p.Respondent(g.r)
		for _, u := range g.us {
			p.Unit(u, nil)
		}
		i++
	}
}
