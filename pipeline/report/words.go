package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// words holds every UI string of the reports in one language, so a Dutch
// report never shows an English heading and the two stay in step.
type words struct {
	Title, Contents, Summary, NoFindings, MethodT, Sources, Source, Type, Wave, Files, Respondents, Units string
	CodebookT, Name, Version, Hash, DataPeriod, Privacy, Prevalence, PrevalenceIntro                      string
	Code, Label, Level, LevelResp, LevelUnit, N, Total, Pct, CI, Chart, TableEq                           string
	Breakdowns, BreakdownBy, Group, Chi2, DF, P, PAdj, CramersV, Method, Cooccurrence                     string
	CoocIntro, CodeA, CodeB, Jaccard, Likert, Item, Median, Agree, ByGroup, Waves, Change                 string
	ChangeCI, Agreement, AgreementIntro, Coders, NUnits, Kappa, Alpha, Precision, Recall, F1              string
	PrevA, PrevB, Overall, Quotes, QuotesIntro, NoQuotes, Appendix, Parent, Description                   string
	Color, Terms, Exclude, Negation, Suppressed, Disagreements, Survey, Transcript, Legend                string
	Codings, Unit, Respondent, QuestionOrSpeaker, Generated, NotTested, Scale, Of                         string
	AgreementSheet                                                                                        string
	CoocTop, CoocNote, Yes, No, Text, DisagreementsIntro, DisagreementsMore, DisagreementsAll, Fisher     string
	// The descriptions of project.qdpx's selections (qdpx_select.go).
	QDATerm, QDATerms, QDANegated, QDANotCounted, QDANotCoded, QDAVia string
}

// testName is how a test's method reads in a table.
func (w words) testName(method string) string {
	switch method {
	case "chi2":
		return "χ²"
	case "fisher":
		return w.Fisher
	}
	return method
}

var wordsNL = words{
	Title: "Rapportage", Contents: "Inhoud", Summary: "Belangrijkste bevindingen", NoFindings: "Er zijn geen bevindingen afgeleid.",
	MethodT: "Methode", Sources: "Bronnen", Source: "Bron", Type: "Type", Wave: "Meting", Files: "Bestanden",
	Respondents: "Respondenten", Units: "Eenheden", CodebookT: "Codeboek", Name: "Naam", Version: "Versie",
	Hash: "Hash", DataPeriod: "Periode van de gegevens", Privacy: "Toegepaste privacyregels",
	Prevalence:      "Prevalentie",
	PrevalenceIntro: "Aandeel respondenten (en tekstfragmenten) waarin een code voorkomt, met 95%-betrouwbaarheidsinterval (Wilson).",
	Code:            "Code", Label: "Omschrijving", Level: "Niveau", LevelResp: "respondent", LevelUnit: "fragment",
	N: "n", Total: "N", Pct: "%", CI: "95%-BI", Chart: "Grafiek", TableEq: "Tabel bij de grafiek",
	Breakdowns: "Uitsplitsingen", BreakdownBy: "Uitsplitsing naar", Group: "Groep", Chi2: "χ²", DF: "vg",
	P: "p", PAdj: "p (gecorr.)", CramersV: "Cramérs V", Method: "Toets",
	Cooccurrence: "Samen voorkomen van codes",
	CoocIntro:    "Aantal respondenten bij wie beide codes voorkomen, en de Jaccard-index (overlap ten opzichte van het totaal van beide).",
	CodeA:        "Code A", CodeB: "Code B", Jaccard: "Jaccard", Likert: "Stellingen (Likert)", Item: "Stelling",
	Median: "Mediaan", Agree: "% (helemaal) eens", ByGroup: "per groep", Waves: "Metingen", Change: "Verschil (procentpunt)",
	ChangeCI: "95%-BI verschil", Agreement: "Overeenstemming met menselijke codering",
	AgreementIntro: "Vergelijking van de automatische codering met een handmatig gecodeerde steekproef.",
	Coders:         "Codeurs", NUnits: "Fragmenten", Kappa: "Cohens κ", Alpha: "Krippendorffs α", Precision: "Precisie",
	Recall: "Recall", F1: "F1", PrevA: "% A", PrevB: "% B", Overall: "Totaal", Quotes: "Illustratieve citaten",
	QuotesIntro: "Gepseudonimiseerde citaten per code; de woorden waarop de code is toegekend zijn gemarkeerd.",
	NoQuotes:    "Geen citaten.", Appendix: "Bijlage: codeboek", Parent: "Bovenliggende code", Description: "Beschrijving",
	Color: "Kleur", Terms: "Zoektermen", Exclude: "Uitsluitingen", Negation: "Ontkenning",
	Suppressed:    "Aantallen kleiner dan %d worden getoond als ‘<%d’ zonder percentage, zodat geen personen herleidbaar zijn. ‘>N’ betekent dat minder dan %[1]d respondenten de code níet hebben; ‘x’ is verborgen zodat een ander verborgen aantal niet uit de totalen is terug te rekenen. Naast een verborgen aantal staan geen χ² en Cramérs V en staat p alleen als klasse (bijv. ‘<0,01’), omdat een exacte toetsgrootheid het aantal kan verraden.",
	Disagreements: "Verschillen", Survey: "vragenlijst", Transcript: "interview", Legend: "Legenda",
	Codings: "Coderingen", Unit: "Fragment", Respondent: "Respondent", QuestionOrSpeaker: "Vraag of spreker",
	Generated: "Gemaakt met veldstem", AgreementSheet: "Overeenstemming", NotTested: "niet getoetst", Scale: "Schaal", Of: "van",
	CoocTop:  "Codes die het vaakst samen voorkomen",
	CoocNote: "Getoond: %d paar/paren met de hoogste Jaccard-index; paren van een code met een eigen subcode zijn weggelaten. Alle paren (%d) staan in cooccurrence.csv en report.xlsx.",
	Yes:      "ja", No: "nee", Text: "Tekst", Fisher: "Fisher",
	DisagreementsIntro: "De verschillen hieronder zijn de fragmenten waarop de twee coderingen van elkaar afwijken, met de gepseudonimiseerde tekst, zodat het codeboek gericht kan worden verbeterd: ‘ja’ bij de automatische codering en ‘nee’ bij de menselijke is een onterecht toegekende code (zoekterm te ruim), andersom een gemiste code (zoekterm ontbreekt).",
	DisagreementsMore:  "Aantal verschillen: %d; de eerste %d staan hierboven, alle %d in %s en in report.xlsx (blad ‘%s’).",
	DisagreementsAll:   "Aantal verschillen: %d (ook in %s).",
	QDATerm:            "term", QDATerms: "termen", QDANegated: "ontkend", QDANotCounted: "telt niet mee", QDANotCoded: "niet gecodeerd", QDAVia: "via",
}

var wordsEN = words{
	Title: "Report", Contents: "Contents", Summary: "Key findings", NoFindings: "No findings were derived.",
	MethodT: "Method", Sources: "Sources", Source: "Source", Type: "Type", Wave: "Wave", Files: "Files",
	Respondents: "Respondents", Units: "Units", CodebookT: "Codebook", Name: "Name", Version: "Version",
	Hash: "Hash", DataPeriod: "Data period", Privacy: "Privacy rules applied",
	Prevalence:      "Prevalence",
	PrevalenceIntro: "Share of respondents (and text units) in which a code occurs, with 95% Wilson confidence interval.",
	Code:            "Code", Label: "Label", Level: "Level", LevelResp: "respondent", LevelUnit: "unit",
	N: "n", Total: "N", Pct: "%", CI: "95% CI", Chart: "Chart", TableEq: "Table for the chart",
	Breakdowns: "Breakdowns", BreakdownBy: "Breakdown by", Group: "Group", Chi2: "χ²", DF: "df",
	P: "p", PAdj: "p (adj.)", CramersV: "Cramér's V", Method: "Test",
	Cooccurrence: "Co-occurrence of codes",
	CoocIntro:    "Number of respondents carrying both codes, and the Jaccard index (overlap relative to their union).",
	CodeA:        "Code A", CodeB: "Code B", Jaccard: "Jaccard", Likert: "Statements (Likert)", Item: "Statement",
	Median: "Median", Agree: "% agree", ByGroup: "by group", Waves: "Waves", Change: "Change (percentage points)",
	ChangeCI: "95% CI of change", Agreement: "Agreement with human coding",
	AgreementIntro: "Comparison of the automatic coding with a hand-coded sample.",
	Coders:         "Coders", NUnits: "Units", Kappa: "Cohen's κ", Alpha: "Krippendorff's α", Precision: "Precision",
	Recall: "Recall", F1: "F1", PrevA: "% A", PrevB: "% B", Overall: "Overall", Quotes: "Illustrative quotes",
	QuotesIntro: "Pseudonymized quotes per code; the words the code was assigned on are highlighted.",
	NoQuotes:    "No quotes.", Appendix: "Appendix: codebook", Parent: "Parent code", Description: "Description",
	Color: "Colour", Terms: "Search terms", Exclude: "Exclusions", Negation: "Negation",
	Suppressed:    "Counts below %d are shown as ‘<%d’ without a percentage so that no person can be identified. ‘>N’ means fewer than %[1]d respondents do not have the code; ‘x’ is hidden so that another hidden count cannot be recovered from the totals. Beside a hidden count, χ² and Cramér's V are not shown and p only as a band (e.g. ‘<0.01’), since an exact statistic could give the count away.",
	Disagreements: "Disagreements", Survey: "survey", Transcript: "interview", Legend: "Legend",
	Codings: "Codings", Unit: "Unit", Respondent: "Respondent", QuestionOrSpeaker: "Question or speaker",
	Generated: "Made with veldstem", AgreementSheet: "Agreement", NotTested: "not tested", Scale: "Scale", Of: "of",
	CoocTop:  "Codes that most often occur together",
	CoocNote: "Shown: the %d pair(s) with the highest Jaccard index; pairs of a code and its own sub-code are left out. All pairs (%d) are in cooccurrence.csv and report.xlsx.",
	Yes:      "yes", No: "no", Text: "Text", Fisher: "Fisher",
	DisagreementsIntro: "The disagreements below are the units on which the two codings differ, with their pseudonymized text, so that the codebook can be refined where it matters: ‘yes’ for the automatic coding and ‘no’ for the human one is a code assigned wrongly (a search term too broad), the reverse a code missed (a search term lacking).",
	DisagreementsMore:  "Disagreements: %d; the first %d are listed above, all %d in %s and in report.xlsx (sheet ‘%s’).",
	DisagreementsAll:   "Disagreements: %d (also in %s).",
	QDATerm:            "term", QDATerms: "terms", QDANegated: "negated", QDANotCounted: "not counted", QDANotCoded: "not coded", QDAVia: "via",
}

// numFmt formats numbers for human readers: Dutch reports use a decimal
// comma, as a Dutch reader expects in running text and tables.
type numFmt struct{ comma bool }

func (f numFmt) fixed(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if s == "-"+strconv.FormatFloat(0, 'f', prec, 64) {
		s = s[1:]
	}
	if f.comma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (f numFmt) pct(v float64) string { return f.fixed(v, 1) + "%" }

func (f numFmt) ci(lo, hi float64) string {
	return f.fixed(lo, 1) + "–" + f.fixed(hi, 1)
}

func (f numFmt) p(v float64) string {
	if v < 0.001 {
		return "<" + f.fixed(0.001, 3)
	}
	return f.fixed(v, 3)
}

// band states a masked test's p-value as a band, with the study's decimal
// separator.
func (f numFmt) band(v float64) string {
	for _, cut := range []float64{0.001, 0.01, 0.05} {
		if v < cut {
			return "<" + f.fixed(cut, len(strconv.FormatFloat(cut, 'f', -1, 64))-2)
		}
	}
	return "≥" + f.fixed(0.05, 2)
}

func (f numFmt) signed(v float64, prec int) string {
	s := f.fixed(v, prec)
	if v > 0 && s != f.fixed(0, prec) {
		return "+" + s
	}
	return s
}

func suppressedText(minCell int) string {
	if minCell <= 0 {
		minCell = 5
	}
	return "<" + strconv.Itoa(minCell)
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// palette is used for codes without a valid codebook colour; it is the
// Okabe–Ito set, distinguishable for colour-blind readers.
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#666666"}

func normColor(c string, i int) string {
	c = strings.TrimSpace(c)
	if len(c) == 4 && c[0] == '#' {
		c = "#" + string([]byte{c[1], c[1], c[2], c[2], c[3], c[3]})
	}
	if hexColor.MatchString(c) {
		return strings.ToUpper(c)
	}
	return palette[i%len(palette)]
}

func parseHex(c string) (r, g, b uint8) {
	var x uint32
	_, _ = fmt.Sscanf(c[1:], "%06x", &x)
	return uint8(x >> 16), uint8(x >> 8), uint8(x)
}
