package corpus

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Options size a generated corpus.
type Options struct {
	Responses   int    // survey respondents
	Seed        uint64 // same seed, same bytes
	Transcripts int    // interview transcripts (default Responses/10000, at least 1)
	Wave        string // wave label written into file names, default "2025"
}

// Result says what was written.
type Result struct {
	SurveyFile  string
	Transcripts []string
	ConfigFile  string
	TextBytes   int64 // bytes of open-answer text
	Responses   int
}

// fragments per theme, written as practitioners write: the generator mixes
// them with connectives, fillers, typos and negations.
var fragments = map[string][]string{
	"workload": {
		"de werkdruk is enorm toegenomen", "we moeten 90% declarabel zijn", "ik heb acht intensieve gesprekken per dag",
		"mijn caseload is veel te groot", "ik werk structureel over", "'s avonds thuis nog mailen is normaal geworden",
		"er is geen tijd meer voor een kop koffie met een cliënt", "de productienorm hangt als een zwaard boven ons hoofd",
		"tijdsdruk bij elk huisbezoek", "te veel dossiers tegelijk", "ik maak overuren die niet betaald worden",
	},
	"quality": {
		"de kwaliteit van de hulp gaat achteruit", "er zijn minder huisbezoeken", "de wachtlijst groeit elke maand",
		"continuïteit voor cliënten is ver te zoeken", "de vertrouwensband met cliënten komt onder druk",
		"we hebben geen tijd meer voor echt contact", "gesprekken blijven oppervlakkig",
	},
	"client_choice": {
		"cliënten kunnen niet meer kiezen bij wie ze terechtkunnen", "met een pgb hebben mensen meer keuzevrijheid",
		"vraagsturing klinkt mooi maar werkt niet", "de cliënt mag zelf een aanbieder kiezen", "persoonsvolgende financiering geeft regie aan de cliënt",
	},
	"tendering": {
		"de gemeente heeft het werk opnieuw aanbesteed", "na de aanbesteding kwam er een nieuwe aanbieder", "het contract loopt maar twee jaar",
		"bij de gunning telde alleen de prijs", "open house geeft meer rust dan een aanbesteding", "de subsidierelatie met de gemeente is veranderd",
	},
	"market": {
		"marktwerking heeft het sociaal werk kapotgemaakt", "commerciële aanbieders duiken onder de prijs", "concurrentie tussen organisaties in plaats van samenwerking",
		"er wordt winst gemaakt op kwetsbare mensen", "de aandeelhouders willen rendement",
	},
	"bureaucracy": {
		"de registratiedruk is absurd", "alles moet worden verantwoord in het systeem", "formulieren invullen kost meer tijd dan het gesprek",
		"bureaucratie en nog eens bureaucratie", "elke minuut moet geregistreerd worden", "rapportages voor de gemeente slokken tijd op",
	},
	"autonomy": {
		"ik heb geen ruimte meer voor mijn eigen professionele oordeel", "het management stuurt op uren", "we worden afgerekend op aantallen",
		"ik mag zelf niet meer bepalen wat een cliënt nodig heeft", "vrijheid van handelen is verdwenen",
	},
	"staff": {
		"het ziekteverzuim in ons team is hoog", "twee collega's zitten thuis met een burn-out", "het verloop is enorm",
		"ervaren collega's vertrekken", "vacatures blijven maanden open", "er zijn ontslagen gevallen na de aanbesteding",
	},
}

var themes = []string{"workload", "quality", "client_choice", "tendering", "market", "bureaucracy", "autonomy", "staff"}

var connectives = []string{". ", ", en ", ". Bovendien ", ". Daarnaast ", "; ", ". Ook ", ", maar ", ". Kortom: "}
var fillers = []string{
	"Eerlijk gezegd weet ik het niet goed", "Dat merk ik elke dag", "In mijn team zien we hetzelfde", "Het is moeilijk uit te leggen",
	"Sinds vorig jaar is dat zo", "Niet alleen bij ons overigens", "Ik hoop dat de gemeente luistert", "Dat is mijn ervaring",
}
var personal = []string{
	"Bel me gerust op 06-12345678", "Mail naar j.jansen@voorbeeld.nl als u meer wilt weten",
	"Mijn collega Pieter de Vries kan dit bevestigen", "Ons kantoor zit aan de Dorpsstraat 12 in 1234 AB Ergens",
	"Vraag het maar aan Fatima El Amrani van het wijkteam",
}
var english = []string{
	"Workload has increased a lot since the tender", "We have less time for clients and more paperwork", "Clients cannot choose their own worker anymore",
	"Staff turnover is very high", "Management focuses on billable hours",
}
var sectors = []string{"Algemeen maatschappelijk werk", "Jongerenwerk", "Schuldhulpverlening", "Wijkteam", "Welzijn ouderen"}
var regions = []string{"Noord", "Oost", "Zuid", "West", "Vlaanderen"}
var modes = []string{"aanbesteding", "subsidie", "open house"}
var scale = []string{"Helemaal mee oneens", "Mee oneens", "Neutraal", "Mee eens", "Helemaal mee eens"}

// answer writes one open answer; tendering respondents stress workload.
func answer(r *rand.Rand, mode string) string {
	if r.IntN(100) < 4 {
		return []string{"n.v.t.", "-", "", "geen"}[r.IntN(4)]
	}
	if r.IntN(100) < 5 {
		return english[r.IntN(len(english))] + "."
	}
	// 3–7 fragments: about 250 bytes an answer, so two open questions make
	// the ~500 bytes a response that national surveys show (200,000
	// responses ≈ 100 MB of open text).
	n := 3 + r.IntN(5)
	var b strings.Builder
	for i := 0; i < n; i++ {
		theme := themes[r.IntN(len(themes))]
		if mode == "aanbesteding" && r.IntN(3) == 0 {
			theme = "workload"
		}
		f := fragments[theme][r.IntN(len(fragments[theme]))]
		if r.IntN(20) == 0 {
			f = "geen " + f
		}
		if i == 0 {
			f = strings.ToUpper(f[:1]) + f[1:]
		} else {
			b.WriteString(connectives[r.IntN(len(connectives))])
		}
		b.WriteString(f)
		if r.IntN(3) == 0 {
			b.WriteString(". " + fillers[r.IntN(len(fillers))])
		}
	}
	if r.IntN(50) == 0 {
		// Some practitioners leave contact details or name a colleague, so
		// the pseudonymizer has real work at realistic rates.
		b.WriteString(". " + personal[r.IntN(len(personal))])
	}
	b.WriteString(".")
	return b.String()
}

// Generate writes a corpus into dir: survey/wave<W>.csv (Qualtrics layout,
// three header rows), interviews/*.txt, and a config.yaml that reads them
// with the codebook at codebookPath (copied into dir/codes/).
func Generate(dir string, codebook []byte, opts Options) (*Result, error) {
	if opts.Responses <= 0 {
		return nil, fmt.Errorf("gen-corpus: --responses must be positive, got %d", opts.Responses)
	}
	if opts.Wave == "" {
		opts.Wave = "2025"
	}
	if opts.Transcripts <= 0 {
		opts.Transcripts = max(1, opts.Responses/10000)
	}
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	res := &Result{Responses: opts.Responses}
	for _, d := range []string{"survey", "interviews", "codes"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	res.SurveyFile = filepath.Join(dir, "survey", "wave"+opts.Wave+".csv")
	f, err := os.Create(res.SurveyFile)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	header := []string{"StartDate", "EndDate", "Finished", "ResponseId", "Q_sector", "Q_region", "Q_mode", "Q_likert_werkdruk", "Q_open1", "Q_open2"}
	labels := []string{"Start Date", "End Date", "Finished", "Response ID", "In welke sector werkt u?", "Regio", "Hoe financiert uw gemeente het sociaal werk?",
		"Mijn werkdruk is te hoog", "Hoe heeft de aanbesteding uw werk veranderd?", "Wat betekent dit voor uw cliënten?"}
	imports := make([]string, len(header))
	for i, h := range header {
		imports[i] = fmt.Sprintf(`{"ImportId":"%s"}`, h)
	}
	for _, row := range [][]string{header, labels, imports} {
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	for i := 0; i < opts.Responses; i++ {
		mode := modes[r.IntN(len(modes))]
		lik := r.IntN(5)
		if mode == "aanbesteding" && lik < 4 && r.IntN(2) == 0 {
			lik++
		}
		a1, a2 := answer(r, mode), answer(r, mode)
		res.TextBytes += int64(len(a1) + len(a2))
		row := []string{"2025-03-01 09:00:00", "2025-03-01 09:12:00", "True", fmt.Sprintf("R_%015d", i+1),
			sectors[r.IntN(len(sectors))], regions[r.IntN(len(regions))], mode, scale[lik], a1, a2}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	for t := 0; t < opts.Transcripts; t++ {
		p := filepath.Join(dir, "interviews", fmt.Sprintf("interview%03d.txt", t+1))
		var b strings.Builder
		for turn := 0; turn < 20; turn++ {
			if turn%2 == 0 {
				b.WriteString("Interviewer: Kunt u daar iets meer over vertellen?\n")
				continue
			}
			b.WriteString("R: " + answer(r, modes[r.IntN(len(modes))]) + "\n")
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		res.Transcripts = append(res.Transcripts, p)
	}
	if err := os.WriteFile(filepath.Join(dir, "codes", "codebook.yaml"), codebook, 0o644); err != nil {
		return nil, err
	}
	res.ConfigFile = filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`study: {name: Synthetisch corpus (seed %d), language: nl}
sources:
  - name: survey
    type: survey
    path: survey/*.csv
    wave: "%s"
    id_column: ResponseId
    text_columns: [Q_open1, Q_open2]
    attributes: {sector: Q_sector, region: Q_region, mode: Q_mode}
    likert:
      - scale: [%s]
        items: {werkdruk: Q_likert_werkdruk}
  - name: interviews
    type: transcript
    path: interviews/*.txt
    interviewer: [Interviewer]
codebook: codes/codebook.yaml
output: {dir: reports}
store: {path: .veldstem/state.db}
privacy: {min_cell: 5, key_file: .veldstem/key}
`, opts.Seed, opts.Wave, `"`+strings.Join(scale, `", "`)+`"`)
	if err := os.WriteFile(res.ConfigFile, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}
