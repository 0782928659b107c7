package coding

import (
	"testing"

	"github.com/abadojack/whatlanggo"
	"github.com/veldstem/veldstem/pipeline/study"
)

func studyUnit(text string) study.Unit { return study.Unit{ID: "u", Text: text} }

// Short answers as practitioners write them.
var languageSamples = []struct{ text, want string }{
	{"Te hoge werkdruk", "nl"},
	{"geen tijd voor cliënten", "nl"},
	{"De administratie kost te veel tijd.", "nl"},
	{"Minder regels, meer vertrouwen", "nl"},
	{"Het is nooit genoeg", "nl"},
	{"wachtlijsten zijn veel te lang", "nl"},
	{"Ik werk vaak 's avonds door", "nl"},
	{"Productienormen zijn onhaalbaar en de aanbesteding maakt het erger", "nl"},
	{"Meer collega's", "nl"},
	{"Too much paperwork", "en"},
	{"The workload is too high", "en"},
	{"not enough time for clients", "en"},
	{"We need more staff", "en"},
	{"I often work in the evenings", "en"},
	{"Tendering makes everything worse", "en"},
	{"Less bureaucracy and more trust", "en"},
	{"nothing", "en"},
	{"It's never enough", "en"},
}

func TestDetectLanguageOnShortAnswers(t *testing.T) {
	right, rightWL := 0, 0
	for _, s := range languageSamples {
		t.Run(s.text+" is "+s.want, func(t *testing.T) {
			got := DetectLanguage(s.text)
			if got == s.want {
				right++
			}
			if got != s.want && got != "" {
				t.Errorf("DetectLanguage(%q) = %q, want %q", s.text, got, s.want)
			}
		})
		info := whatlanggo.DetectWithOptions(s.text, whitelist)
		if (info.Lang == whatlanggo.Nld) == (s.want == "nl") {
			rightWL++
		}
	}
	// Stop words beat whatlanggo alone on answers this short; the numbers
	// go in the log so a change of method can be measured.
	t.Logf("stop words then whatlanggo: %d/%d right; whatlanggo alone: %d/%d", right, len(languageSamples), rightWL, len(languageSamples))
	if right < len(languageSamples)*8/10 {
		t.Errorf("only %d of %d short answers detected", right, len(languageSamples))
	}
	if DetectLanguage("") != "" {
		t.Error("empty text should be unsure")
	}
}

// BenchmarkDetectLanguage detects the language of a typical answer, as the
// store pass does for every unit.
func BenchmarkDetectLanguage(b *testing.B) {
	text := "Sinds de aanbesteding is de werkdruk enorm gestegen. We moeten 80% declarabel zijn en er is geen tijd meer voor huisbezoeken, terwijl de wachtlijsten groeien."
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if DetectLanguage(text) != "nl" {
			b.Fatal("not nl")
		}
	}
}

// stopLang, which DetectLanguage looks words up in once, says for every
// word what the two stop-word sets say ("was" is in both).
func TestStopLangIsBothSets(t *testing.T) {
	words := map[string]bool{"werkdruk": true, "": true}
	for w := range nlStop {
		words[w] = true
	}
	for w := range enStop {
		words[w] = true
	}
	for w := range words {
		f := stopLang[w]
		if f&stopNL != 0 != nlStop[w] || f&stopEN != 0 != enStop[w] {
			t.Errorf("%q: flags %b, want nl=%v en=%v", w, f, nlStop[w], enStop[w])
		}
	}
	if stopLang["was"] != stopNL|stopEN {
		t.Error(`"was" is no longer in both sets; the comment on DetectLanguage's look-up says it is`)
	}
}
