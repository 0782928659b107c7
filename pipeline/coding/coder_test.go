package coding

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func loadCoder(t testing.TB) (*Codebook, *Coder) {
	t.Helper()
	cb, err := Load("testdata/phenomena.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(cb)
	if err != nil {
		t.Fatal(err)
	}
	return cb, c
}

func TestCodeAppliesTheRightCodes(t *testing.T) {
	_, c := loadCoder(t)
	cases := []struct {
		name string
		unit study.Unit
		resp *study.Respondent
		want []string
	}{
		{"a compound tail matches tijdsdruk", study.Unit{Text: "De tijdsdruk is hoog."}, nil, []string{"pressure"}},
		{"a compound tail does not match the bare word druk", study.Unit{Text: "Het is druk op het werk."}, nil, nil},
		{"an exact word codes its code and its parent", study.Unit{Text: "Veel werkdruk!"}, nil, []string{"pressure", "workload"}},
		{"a stem matches the plural aanbestedingen", study.Unit{Text: "De aanbestedingen kosten tijd"}, nil, []string{"tender"}},
		{"a stem matches the participle aanbesteed", study.Unit{Text: "Alles wordt aanbesteed"}, nil, []string{"tender"}},
		{"a stem matches the noun aanbesteding", study.Unit{Text: "Bij de aanbesteding"}, nil, []string{"tender"}},
		{"a stem does not match a different verb besteden", study.Unit{Text: "We besteden veel tijd"}, nil, nil},
		{"a prefix glob matches productienormen", study.Unit{Text: "De productienormen zijn streng"}, nil, []string{"norms"}},
		{"a prefix glob does not match a shorter word", study.Unit{Text: "De productie ligt stil"}, nil, nil},
		{"a hyphenated word matches whole and by its parts", study.Unit{Text: "Productie-eisen overal"}, nil, []string{"demands", "requirements"}},
		{"a part alone does not match the whole-word glob", study.Unit{Text: "De eisen zijn hoog"}, nil, []string{"requirements"}},
		{"a diacritic in the text matches a term without it", study.Unit{Text: "De cliënt klaagt"}, nil, []string{"client"}},
		{"upper case matches too", study.Unit{Text: "CLIENT ONTEVREDEN"}, nil, []string{"client"}},
		{"a longer word with the term inside does not match", study.Unit{Text: "Onze clientèle"}, nil, nil},
		{"a phrase gap matches one word", study.Unit{Text: "te veel open dossiers"}, nil, []string{"files"}},
		{"a phrase gap matches no word", study.Unit{Text: "Te veel dossiers."}, nil, []string{"files"}},
		{"a phrase gap skips at most three words", study.Unit{Text: "te veel van die oude open dossiers"}, nil, nil},
		{"a phrase does not cross a sentence", study.Unit{Text: "Het is te veel. Dossiers liggen stil."}, nil, nil},
		{"a consecutive phrase matches", study.Unit{Text: "Dat doe ik in mijn eigen tijd"}, nil, []string{"own_time"}},
		{"a consecutive phrase with a word between does not match", study.Unit{Text: "eigen vrije tijd"}, nil, nil},
		{"NEAR matches in either order", study.Unit{Text: "De norm voor declarabel werk is te hoog"}, nil, []string{"billable"}},
		{"NEAR does not match words too far apart", study.Unit{Text: "declarabel werk is een van de dingen met een norm"}, nil, nil},
		{"a regex matches a percentage", study.Unit{Text: "We moeten 80 % declarabel zijn"}, nil, []string{"billable"}},
		{"a regex does not match one digit", study.Unit{Text: "Maar 8% declarabel"}, nil, nil},
		{"an exclude term vetoes its code in the same sentence", study.Unit{Text: "Werkdruk gaat ten koste van de kwaliteit van bestaan."}, nil, []string{"pressure"}},
		{"an exclude term in another sentence does not veto", study.Unit{Text: "Werkdruk is hoog. De kwaliteit van bestaan lijdt."}, nil, []string{"pressure", "workload"}},
		{"negation flag keeps the code", study.Unit{Text: "Er is geen wachtlijst"}, nil, []string{"neg_flag"}},
		{"negation exclude drops a code whose only match is negated", study.Unit{Text: "Er is geen bureaucratie"}, nil, nil},
		{"negation exclude keeps a code with one plain match", study.Unit{Text: "Geen bureaucratie hier, maar daar wel bureaucratie"}, nil, []string{"neg_exclude"}},
		{"negation ignore keeps the code", study.Unit{Text: "Nooit overleg"}, nil, []string{"neg_ignore"}},
		{"a question scope admits its column", study.Unit{Question: "Q_open1", Text: "Mijn team is top"}, nil, []string{"team"}},
		{"a question scope admits a label substring", study.Unit{Question: "Q9", QuestionLabel: "Waarover bent u Tevreden?", Text: "het team"}, nil, []string{"team"}},
		{"a question scope refuses another question", study.Unit{Question: "Q_open2", Text: "Mijn team is top"}, nil, nil},
		{"a speaker scope admits its speaker", study.Unit{Speaker: "R1", Text: "Het budget is op"}, nil, []string{"money"}},
		{"a speaker scope refuses another speaker", study.Unit{Speaker: "R2", Text: "Het budget is op"}, nil, nil},
		{"a rule on a closed answer codes the unit", study.Unit{Text: "niets"}, &study.Respondent{Closed: map[string]string{"Q_werkdruk": "5"}}, []string{"high_load", "pressure"}},
		{"a rule below its threshold does not", study.Unit{Text: "niets"}, &study.Respondent{Closed: map[string]string{"Q_werkdruk": "3"}}, nil},
		{"a rule reads Likert items", study.Unit{Text: "niets"}, &study.Respondent{Likert: map[string]int{"druk_item": 5}}, []string{"high_load", "pressure"}},
		{"a string rule ignores case", study.Unit{Text: "niets"}, &study.Respondent{Closed: map[string]string{"sector": "Zorg"}}, []string{"care"}},
		{"a rule without a respondent does not apply", study.Unit{Text: "niets"}, nil, nil},
		{"an English unit uses English terms", study.Unit{Lang: "en", Text: "The workload is crushing and so is the overtime"}, nil, []string{"pressure", "workload"}},
		{"an English unit uses the English stemmer", study.Unit{Lang: "en", Text: "Overtimes everywhere"}, nil, []string{"pressure", "workload"}},
		{"an English unit ignores Dutch terms that have English ones", study.Unit{Lang: "en", Text: "werkdruk"}, nil, nil},
		{"a Dutch unit ignores English terms", study.Unit{Lang: "nl", Text: "The workload"}, nil, nil},
		{"a unit of unknown language uses both languages' terms", study.Unit{Text: "The workload, de werkdruk"}, nil, []string{"pressure", "workload"}},
		{"an English unit falls back to Dutch terms of a code without English ones", study.Unit{Lang: "en", Text: "the aanbesteding"}, nil, []string{"tender"}},
		{"a context unit gets no codes", study.Unit{Context: true, Text: "Hoe is de werkdruk?"}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Code(tc.unit, tc.resp)
			if len(got.Codes) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got.Codes, tc.want) {
				t.Errorf("Code(%q) codes = %v, want %v (matches %+v)", tc.unit.Text, got.Codes, tc.want, got.Matches)
			}
		})
	}
}

func TestNegationMarksTheRightMatches(t *testing.T) {
	_, c := loadCoder(t)
	cases := []struct {
		name    string
		lang    string
		text    string
		term    string
		negated bool
	}{
		{"a cue before the term negates it", "nl", "Er is geen wachtlijst", "wachtlijst", true},
		{"a clause break ends the scope", "nl", "geen werkdruk, maar wel veel regels", "regels", false},
		{"the term before the clause break is negated", "nl", "geen werkdruk, maar wel veel regels", "werkdruk", true},
		{"maar ends the scope without a comma", "nl", "nauwelijks tijd maar veel regels", "regels", false},
		{"post-verbal niet negates", "nl", "De wachtlijst is niet lang", "wachtlijst", true},
		{"niet alleen is no negation", "nl", "Niet alleen de wachtlijst maar ook de regels", "wachtlijst", false},
		{"a cue far before the term does not negate", "nl", "geen idee waarom er nu ineens weer een hele wachtlijst is", "wachtlijst", false},
		{"a cue in the previous sentence does not negate", "nl", "Nee. Geen. Wachtlijst overal", "wachtlijst", false},
		{"an English cue negates", "en", "There is no pressure at all", "pressure", true},
		{"an English contraction negates", "en", "We don't have a waiting list", "waiting list", true},
		{"because ends an English scope", "en", "Not happy because of the pressure", "pressure", false},
		{"a plain mention is not negated", "nl", "De wachtlijst groeit", "wachtlijst", false},
		{"negation ignore never negates", "nl", "Nooit overleg", "overleg", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Code(study.Unit{Lang: tc.lang, Text: tc.text}, nil)
			found := false
			for _, m := range got.Matches {
				if m.Term == tc.term {
					found = true
					if m.Negated != tc.negated {
						t.Errorf("%q: match %+v negated = %v, want %v", tc.text, m, m.Negated, tc.negated)
					}
				}
			}
			if !found {
				t.Errorf("%q: no match for term %q in %+v", tc.text, tc.term, got.Matches)
			}
		})
	}
}

func TestSpansPointAtTheMatchedBytes(t *testing.T) {
	_, c := loadCoder(t)
	cases := []struct {
		name, text, code, want string
	}{
		{"a span after multi-byte letters", "Één café: de cliënt wacht", "client", "cliënt"},
		{"a span of a phrase with a gap", "Wij hebben té veel open dossiers.", "files", "té veel open dossiers"},
		{"a span of a hyphen part", "Die productie‐eisen", "requirements", "eisen"},
		{"a span of a regex", "Ruim 75% declarabel, zeker", "billable", "75% declarabel"},
		{"a span of a NEAR term covers both sides", "de norm voor declarabel werk", "billable", "norm voor declarabel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Code(study.Unit{Text: tc.text}, nil)
			var spans []string
			for _, m := range got.Matches {
				if m.Code == tc.code {
					spans = append(spans, tc.text[m.Span.Start:m.Span.End])
				}
			}
			if len(spans) == 0 || spans[0] != tc.want {
				t.Errorf("spans of %s in %q = %q, want %q first", tc.code, tc.text, spans, tc.want)
			}
		})
	}
}

func TestRuleMatchesCarryTheRuleAndNoSpan(t *testing.T) {
	_, c := loadCoder(t)
	got := c.Code(study.Unit{Text: "x"}, &study.Respondent{Closed: map[string]string{"Q_werkdruk": "4,5"}})
	want := []study.Match{{Code: "high_load", Term: "rule: Q_werkdruk >= 4"}}
	if !reflect.DeepEqual(got.Matches, want) {
		t.Errorf("matches = %+v, want %+v", got.Matches, want)
	}
}

func corpus(n int) []study.Unit {
	texts := []string{
		"Geen werkdruk, maar wel veel regels en de tijdsdruk neemt toe.",
		"De aanbestedingen en productie-eisen maken het zwaar; te veel open dossiers.",
		"The workload is high and there is no overtime pay.",
		"Ik werk in mijn eigen tijd door, bijv. 's avonds. De cliënt merkt het.",
		"Wij moeten 85% declarabel zijn: de norm voor declarabel werk is streng.",
		"Het team is fijn, het budget niet.",
	}
	units := make([]study.Unit, n)
	for i := range units {
		units[i] = study.Unit{ID: fmt.Sprint("u", i), Respondent: fmt.Sprint("r", i%7), Text: texts[i%len(texts)], Question: "Q_open1"}
		if i%len(texts) == 2 {
			units[i].Lang = "en"
		}
	}
	return units
}

func TestCodeAllIsDeterministicUnderParallelism(t *testing.T) {
	_, c := loadCoder(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	units := corpus(500)
	resp := func(u study.Unit) *study.Respondent {
		return &study.Respondent{ID: u.Respondent, Closed: map[string]string{"Q_werkdruk": u.Respondent[1:]}}
	}
	want := make([]study.Coding, len(units))
	for i, u := range units {
		want[i] = c.Code(u, resp(u))
	}
	for run := 0; run < 3; run++ {
		got := c.CodeAll(units, resp)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("run %d: CodeAll differs from coding one by one", run)
		}
	}
	if len(want[0].Codes) == 0 {
		t.Fatal("the corpus should be coded")
	}
}

func TestUnusedTermsListsTermsThatNeverMatch(t *testing.T) {
	cb, _ := loadCoder(t)
	unused := UnusedTerms(cb, corpus(12))
	got := map[string]bool{}
	for _, u := range unused {
		got[u.Code+":"+u.Term] = true
		if u.Line == 0 {
			t.Errorf("term %+v has no line", u)
		}
	}
	for _, want := range []string{"norms:productienorm*", "neg_exclude:bureaucratie", "pressure:pressure"} {
		if !got[want] {
			t.Errorf("%s should be unused; unused = %v", want, unused)
		}
	}
	for _, used := range []string{"workload:werkdruk", "tender:~aanbesteden", "workload:~overtime", "billable:/\\b\\d{2,3} ?% declarabel/"} {
		if got[used] {
			t.Errorf("%s matches the corpus but is listed unused", used)
		}
	}
}

func TestAncestorsGoFromParentUp(t *testing.T) {
	cb := &Codebook{Codes: []Code{{ID: "a"}, {ID: "b", Parent: "a"}, {ID: "c", Parent: "b"}, {ID: "x", Parent: "y"}, {ID: "y", Parent: "x"}}}
	cases := []struct {
		id   string
		want []string
	}{{"c", []string{"b", "a"}}, {"a", nil}, {"x", []string{"y"}}, {"missing", nil}}
	for _, tc := range cases {
		t.Run("ancestors of "+tc.id, func(t *testing.T) {
			if got := cb.Ancestors(tc.id); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Ancestors(%s) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

func TestTokenizerSplitsSentencesAroundDutchAbbreviations(t *testing.T) {
	cases := []struct {
		text      string
		sentences int
	}{
		{"Dit is bijv. een test. En nog een.", 2},
		{"Wij doen o.a. intake, d.w.z. gesprekken i.p.v. formulieren.", 1},
		{"Mw. Jansen en dhr. De Vries. Daarna J. Smit.", 2},
		{"Het kost 3.5 uur! Echt? Ja.", 3},
		{"punt een\npunt twee", 2},
		{"Zie enz. en zo", 1},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q has %d sentences", tc.text, tc.sentences), func(t *testing.T) {
			d := tokenize(tc.text)
			got := d.Tokens[len(d.Tokens)-1].Sentence + 1
			if got != tc.sentences {
				t.Errorf("got %d sentences", got)
			}
		})
	}
}

func TestTokensKeepOffsets(t *testing.T) {
	text := "Één cliënt’s productie-eisen, don’t."
	d := tokenize(text)
	var got []string
	for _, tk := range d.Tokens {
		got = append(got, text[tk.Start:tk.End]+"="+tk.Norm)
	}
	want := []string{"Één=een", "cliënt’s=client's", "productie-eisen=productie-eisen", "don’t=don't"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("tokens = %q, want %q", got, want)
	}
}
