package run

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Issue 9's "done when": the store, the reports and the logs hold no raw
// personal data. TestPlantedPIINeverReachesOutputs plants every kind the
// privacy stage handles in every input format ingest reads, runs the whole
// pipeline and greps every byte it wrote for the raw values.
//
// Known limitation, not tested here: input file names are reported as given
// (Unit.File, the manifest, QDPX source names), so the files below carry no
// personal data in their names.

var regenPIISAV = flag.Bool("regen-pii-sav", false, "rewrite testdata/pii/pii.sps from piiSets and rebuild pii.sav with pspp")

// piiSet is the personal data planted in one input file. Every value is
// valid for its kind (checksums pass) and unique to its file, so a leak
// names the format it came through.
type piiSet struct {
	format string // sub-test name
	file   string // path under the study folder; no personal data in it

	email, mobile, mobileIntl, landline, beMobile, beLandline string
	bsn, rrn, iban, ibanBE, street, postcode, birth, linkedin string
	birthWritten, handle                                      string

	// Names, one per detector: after "mevrouw" (title), a first name from
	// the built-in list with a surname, one listed in privacy.names, and
	// for transcripts the interviewee's speaker label.
	titled, firstNamed, configured, speaker string
	// interviewer is a named interviewer (Teams labels every voice with
	// a name); empty means the label "Interviewer".
	interviewer string
	respondent  string // raw respondent ID
	// dropped are values that must vanish without a token: the personal:
	// column and the survey tool's own personal columns.
	dropped []string
}

// Index of each format in piiSets; spssIndex is baked into pii.sav.
const spssIndex = 4

// piiSets builds the sets; i varies every number so each set is distinct.
func piiSets() []piiSet {
	formats := []struct{ name, file string }{
		{"generic CSV, semicolon, Windows-1252", "surveys/generic.csv"},
		{"Qualtrics CSV, three header rows", "surveys/qualtrics.csv"},
		{"UTF-16LE CSV, tab", "surveys/unicode.csv"},
		{"XLSX", "surveys/workbook.xlsx"},
		{"SPSS sav", "surveys/pii.sav"},
		{"plain-text transcript", "interviews/interview-a.txt"},
		{"docx transcript", "interviews/interview-b.docx"},
		{"WebVTT Teams voice tags", "interviews/interview-c.vtt"},
		{"WebVTT Zoom name prefix", "interviews/interview-d.vtt"},
		{"SRT", "interviews/interview-e.srt"},
	}
	titled := []string{"De Jong", "Kloosterboer", "Van Wijnbergen", "Haverkamp", "Dijkgraaf", "Rozendaal", "Zwanenburg", "Verhoeckx", "Brandsma", "Oosterhuis"}
	firstNamed := []string{"Sanne Tuinman", "Femke Brouwers", "Daan Mulderij", "Joost Hartsuiker", "Maaike Veldkamp", "Jeroen Schipperus", "Lieke Wolters", "Bram Vlietstra", "Esther Kolkman", "Thijs Bakhuis"}
	configured := []string{"Wubbe Hofstra", "Geeske Tuinstra", "Tjitske Wiersma", "Ymkje Postma", "Baukje Kuipers", "Siebren Terpstra", "Wietske Bosma", "Hylke Zijlstra", "Jildou Bergsma", "Sjoukje Dijkstra"}
	speakers := []string{"", "", "", "", "", "Ole", "Rients Hylkema", "Aaltje Doornbos", "Fokke Sijtsma", "Durkje Feenstra"}
	respondents := []string{"resp.generic@wijkpost.nl", "R_2xQm8TbLk4WvN1a", "mulderij-2025", "R_5hJd7KsPq2LzX9c", "R_8nBv4CxZm6QwE3r"}
	var out []piiSet
	for i, f := range formats {
		tag := strings.TrimSuffix(filepath.Base(f.file), filepath.Ext(f.file))
		p := piiSet{
			format: f.name, file: f.file,
			email:        fmt.Sprintf("contact.%s@buurtteam-oost.nl", tag),
			mobile:       fmt.Sprintf("06-3%d41 72%02d", i, 10+i),
			mobileIntl:   fmt.Sprintf("+31 6 5%d83 19%02d", i, 10+i),
			landline:     fmt.Sprintf("(030) 2%d4 61 %02d", i, 10+i),
			beMobile:     fmt.Sprintf("+32 47%d 12 34 %02d", i, 10+i),
			beLandline:   fmt.Sprintf("09 2%d3 45 %02d", i, 10+i),
			bsn:          validBSN(31415926 + 7*i),
			rrn:          validRRN(fmt.Sprintf("7%d0412", i), 30+i),
			iban:         validIBAN("NL", fmt.Sprintf("RABO%010d", 3141592650+int64(i))),
			ibanBE:       validIBAN("BE", fmt.Sprintf("0961%08d", 27182818+i)),
			street:       fmt.Sprintf("Lindenlaan %d", 101+i),
			postcode:     fmt.Sprintf("35%02d RT", 11+i),
			birth:        fmt.Sprintf("%02d-04-19%02d", 11+i, 70+i),
			linkedin:     fmt.Sprintf("https://www.linkedin.com/in/wijkcoach-%s-4821", tag),
			birthWritten: fmt.Sprintf("%d maart 19%02d", 3+i, 60+i),
			handle:       fmt.Sprintf("@buurtwerker_%d%d", i, 7*i),
			titled:       titled[i], firstNamed: firstNamed[i], configured: configured[i], speaker: speakers[i],
		}
		if i < len(respondents) {
			p.respondent = respondents[i]
			p.dropped = []string{fmt.Sprintf("prive.%s@hotmail.com", tag), fmt.Sprintf("06-9%d87 65%02d", i, 10+i)}
		} else {
			p.respondent = p.speaker // the sidecar names interviews after the interviewee
		}
		out = append(out, p)
	}
	out[7].interviewer = "Marten Hoekstra"
	// Qualtrics' own personal columns, dropped by ingest whatever the config says.
	out[1].dropped = append(out[1].dropped, "Ottje", "Visscherink", "ottje.visscherink@upcmail.nl", "84.241.17.77", "52.0917", "5.1177")
	return out
}

// answer is an open answer holding every kind of personal data, around
// codebook terms so the unit is coded and quoted.
func (p piiSet) answer() string {
	return fmt.Sprintf("De werkdruk is te hoog en de registratie kost veel tijd. Mail %s of bel %s, %s, %s, %s of %s. "+
		"Mijn BSN is %s, rijksregisternummer %s, rekening %s. Ik woon aan de %s, %s Utrecht, geboren op %s. "+
		"Zie %s of %s voor mijn werk. Ik sprak met mevrouw %s, met %s en met %s (geb. %s) over het verloop.",
		p.email, p.mobile, p.mobileIntl, p.landline, p.beMobile, p.beLandline,
		p.bsn, p.rrn, p.iban, p.street, p.postcode, p.birth, p.linkedin, p.handle, p.titled, p.firstNamed, p.configured, p.birthWritten)
}

// other is an "other, namely" answer: a closed column, not coded but stored.
func (p piiSet) other() string {
	return fmt.Sprintf("Anders, namelijk: post naar %s, %s; mail %s; rekening %s", p.street, p.postcode, p.email, p.ibanBE)
}

// team is an attribute value: breakdowns print attribute values as group
// labels, so personal data here would reach every report.
func (p piiSet) team() string {
	return fmt.Sprintf("Team van mevrouw %s, tel. %s", p.titled, p.beMobile)
}

// plant is one planted value: what to grep for, and the text whose
// pseudonymization gives the token expected in its place ("" for values
// that are dropped, or replaced as part of a longer value).
type plant struct {
	kind     string
	variants []string
	probe    string
	known    []string
	name     bool // match case-insensitively on word boundaries
}

func (p piiSet) plants() []plant {
	digits := func(s string) string { return strings.Map(keepDigit, s) }
	compact := func(s string) string { return strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(s) }
	phone := func(kind, s string) plant {
		v := []string{s, digits(s), compact(s)}
		if strings.HasPrefix(s, "+") {
			v = append(v, "0"+digits(s)[2:])
		}
		return plant{kind: kind, variants: v, probe: s}
	}
	local, _, _ := strings.Cut(p.email, "@")
	slug := p.linkedin[strings.LastIndex(p.linkedin, "/")+1:]
	bd := strings.Split(p.birth, "-")
	ps := []plant{
		{kind: "email", variants: []string{p.email, local}, probe: p.email},
		phone("Dutch mobile", p.mobile),
		phone("Dutch mobile, international", p.mobileIntl),
		phone("Dutch landline", p.landline),
		phone("Belgian mobile", p.beMobile),
		phone("Belgian landline", p.beLandline),
		{kind: "BSN", variants: []string{p.bsn, p.bsn[:4] + "." + p.bsn[4:6] + "." + p.bsn[6:]}, probe: p.bsn},
		{kind: "national register number", variants: []string{p.rrn, digits(p.rrn)}, probe: p.rrn},
		{kind: "IBAN", variants: []string{p.iban, compact(p.iban)}, probe: p.iban},
		{kind: "Belgian IBAN", variants: []string{p.ibanBE, compact(p.ibanBE)}, probe: p.ibanBE},
		{kind: "address", variants: []string{p.street}, probe: p.street},
		{kind: "postcode", variants: []string{p.postcode, compact(p.postcode)}, probe: p.postcode},
		{kind: "date of birth", variants: []string{p.birth, bd[2] + "-" + bd[1] + "-" + bd[0], digits(p.birth)}, probe: "geboren op " + p.birth},
		{kind: "date of birth, written out", variants: []string{p.birthWritten}, probe: "geb. " + p.birthWritten},
		{kind: "social-media handle", variants: []string{p.handle}, probe: p.handle},
		{kind: "LinkedIn URL", variants: []string{p.linkedin, strings.TrimPrefix(p.linkedin, "https://www."), slug}, probe: p.linkedin},
		nameplant("name after a title", p.titled, "mevrouw "+p.titled, nil),
		nameplant("first-name pattern", p.firstNamed, "met "+p.firstNamed, nil),
		nameplant("name in privacy.names", p.configured, "met "+p.configured, nil),
		{kind: "respondent ID", variants: []string{p.respondent}, name: true},
	}
	if p.speaker != "" {
		ps = append(ps, nameplant("speaker label", p.speaker, p.speaker, []string{p.speaker}))
	}
	if p.interviewer != "" {
		ps = append(ps, nameplant("interviewer's speaker label", p.interviewer, p.interviewer, []string{p.interviewer}))
	}
	for _, d := range p.dropped {
		ps = append(ps, plant{kind: "dropped personal column", variants: []string{d}, name: true})
	}
	return ps
}

// nameplant greps for the whole name and each part of four letters or
// more: "Kees" alone is as telling as "Kees de Vries".
func nameplant(kind, name, probe string, known []string) plant {
	v := []string{name}
	for _, w := range strings.Fields(name) {
		if len(w) >= 4 {
			v = append(v, w)
		}
	}
	return plant{kind: kind, variants: v, probe: probe, known: known, name: true}
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// validBSN returns a nine-digit number passing the eleven-test, built
// from the eight digits of seed.
func validBSN(seed int) string {
	for ; ; seed++ {
		d := fmt.Sprintf("%08d", seed)
		sum := 0
		for i := range 8 {
			sum += int(d[i]-'0') * (9 - i)
		}
		if c := sum % 11; c < 10 {
			return d + strconv.Itoa(c)
		}
	}
}

// validRRN returns a Belgian national register number (born before 2000)
// in its usual spelling yy.mm.dd-sss.cc.
func validRRN(yymmdd string, serial int) string {
	base, _ := strconv.ParseInt(fmt.Sprintf("%s%03d", yymmdd, serial), 10, 64)
	check := 97 - base%97
	return fmt.Sprintf("%s.%s.%s-%03d.%02d", yymmdd[:2], yymmdd[2:4], yymmdd[4:], serial, check)
}

// validIBAN computes the check digits and writes the IBAN in groups of four.
func validIBAN(country, bban string) string {
	var num strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			num.WriteString(strconv.Itoa(int(c-'A') + 10))
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	compact := fmt.Sprintf("%s%02d%s", country, check, bban)
	var groups []string
	for i := 0; i < len(compact); i += 4 {
		groups = append(groups, compact[i:min(i+4, len(compact))])
	}
	return strings.Join(groups, " ")
}

const piiCodebook = `name: pii
version: "1"
language: nl
codes:
  - id: workload
    label: {nl: Werkdruk, en: Workload}
    description: Werkdruk.
    terms: {nl: [werkdruk, overuren], en: [workload]}
  - id: bureaucracy
    label: {nl: Bureaucratie, en: Bureaucracy}
    description: Administratieve last.
    terms: {nl: [registratie*, formulier*], en: [paperwork]}
  - id: staff
    label: {nl: Personeel, en: Staff}
    description: Verzuim en verloop.
    terms: {nl: [verloop, ziekteverzuim], en: [turnover]}
`

// fillers are clean answers of two more respondents per survey, so each
// survey has groups to break down and quote.
var fillers = []string{"Het verloop in ons team is enorm en de werkdruk stijgt", "Alles moet in formulieren en registratie"}

// writePIIStudy lays out the study and returns the config's path.
func writePIIStudy(t *testing.T, dir string, sets []piiSet) {
	t.Helper()
	var names []string
	for _, p := range sets {
		names = append(names, strconv.Quote(p.configured))
	}
	config := `study: {name: Planted PII, language: nl}
sources:
  - name: generic
    type: survey
    path: surveys/generic.csv
    id_column: id
    text_columns: [open]
    attributes: {team: team}
    personal: [contact]
  - name: qualtrics
    type: survey
    path: surveys/qualtrics.csv
    text_columns: [Q_open]
    attributes: {team: Q_team}
    personal: [Q_contact]
  - name: unicode
    type: survey
    path: surveys/unicode.csv
    id_column: id
    text_columns: [open]
    attributes: {team: team}
    personal: [contact]
  - name: workbook
    type: survey
    path: surveys/workbook.xlsx
    id_column: id
    text_columns: [open]
    attributes: {team: team}
    personal: [contact]
  - name: spss
    type: survey
    path: surveys/pii.sav
    id_column: id
    text_columns: [open]
    attributes: {team: team}
    personal: [contact]
  - name: interviews
    type: transcript
    path: interviews/*
    interviewer: [Interviewer, Marten Hoekstra]
    participants: interviews/participants.csv
codebook: codes/pii.yaml
output: {dir: reports, formats: [html, md, csv, xlsx, qdpx]}
store: {path: .veldstem/state.db}
privacy: {min_cell: 1, key_file: .veldstem/key, names: [` + strings.Join(names, ", ") + `]}
quotes: {per_code: 50}
validation: {gold: gold.csv}
`
	writeFile(t, filepath.Join(dir, "config.yaml"), config)
	writeFile(t, filepath.Join(dir, "codes/pii.yaml"), piiCodebook)
	// Coders work from the raw exports, so the gold file names units by
	// the survey tools' respondent IDs; agreement.csv must not repeat them.
	gold := "unit_id,codes\n"
	for _, src := range []struct{ name, id, q string }{{"generic", sets[0].respondent, "open"}, {"qualtrics", sets[1].respondent, "Q_open"}, {"spss", sets[spssIndex].respondent, "open"}} {
		gold += src.name + "/" + src.id + "/" + src.q + ",workload;bureaucracy;staff\n"
	}
	writeFile(t, filepath.Join(dir, "gold.csv"), gold)

	// Survey rows: the planted respondent, then two clean ones.
	rows := func(p piiSet) [][]string {
		out := [][]string{{p.respondent, p.team(), p.other(), p.answer(), strings.Join(p.dropped[:2], " / ")}}
		for k, f := range fillers {
			out = append(out, []string{fmt.Sprintf("R_fill%d%s", k, filepath.Ext(p.file)[1:]), fmt.Sprintf("Team %d", k+1), "", f, ""})
		}
		return out
	}
	header := []string{"id", "team", "overig", "open", "contact"}
	csvText := func(delim string, recs [][]string) string {
		var b strings.Builder
		for _, r := range recs {
			for k, c := range r {
				if k > 0 {
					b.WriteString(delim)
				}
				b.WriteString(`"` + strings.ReplaceAll(c, `"`, `""`) + `"`)
			}
			b.WriteString("\r\n")
		}
		return b.String()
	}

	// Generic CSV as Dutch Excel saves it: semicolons, Windows-1252. The
	// "cliënt" proves the decoding (checked against the store below).
	g := rows(sets[0])
	g[0][3] += " Elke cliënt merkt het."
	cp, err := charmap.Windows1252.NewEncoder().String(csvText(";", append([][]string{header}, g...)))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, sets[0].file), cp)

	// Qualtrics: names, labels, ImportIds; its own personal columns hold
	// the recipient, e-mail, IP address and location.
	q := sets[1]
	qHead := [][]string{
		{"StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage", "Q_team", "Q_overig", "Q_open", "Q_contact"},
		{"Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)", "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude", "Distribution Channel", "User Language", "In welk team werkt u?", "Anders, namelijk", "Hoe heeft de aanbesteding uw werk veranderd?", "Uw e-mailadres voor de resultaten"},
	}
	var imports []string
	for _, n := range qHead[0] {
		imports = append(imports, `{"ImportId":"`+n+`"}`)
	}
	qHead = append(qHead, imports)
	for k, r := range rows(q) {
		meta := []string{"2025-03-03 09:49:31", "2025-03-03 09:57:48", "0", "", "100", "497", "1", "2025-03-03 09:57:48", r[0], "", "", "", "", "", "", "email", "NL"}
		if k == 0 {
			meta[3], meta[9], meta[10], meta[11], meta[13], meta[14] = q.dropped[5], q.dropped[3], q.dropped[2], q.dropped[4], q.dropped[6], q.dropped[7]
		}
		qHead = append(qHead, append(meta, r[1:]...))
	}
	writeFile(t, filepath.Join(dir, q.file), csvText(",", qHead))

	// UTF-16LE with a BOM, tab-separated: Excel's "Unicode text".
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(csvText("\t", append([][]string{header}, rows(sets[2])...)))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, sets[2].file), u16)

	// XLSX written with excelize, as the reader will meet it.
	x := excelize.NewFile()
	for k, r := range append([][]string{header}, rows(sets[3])...) {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", k+1), &cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "surveys"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := x.SaveAs(filepath.Join(dir, sets[3].file)); err != nil {
		t.Fatal(err)
	}

	// SPSS: PSPP wrote testdata/pii/pii.sav from pii.sps (see -regen-pii-sav).
	sav, err := os.ReadFile(filepath.Join("testdata", "pii", "pii.sav"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, sets[spssIndex].file), string(sav))

	// Transcripts: the interviewer greets the interviewee by first name,
	// who answers with everything, then gives an address and mail.
	sidecar := "file,speaker,respondent,team\n"
	for _, p := range sets[5:] {
		first := strings.Fields(p.speaker)[0]
		interviewer := "Interviewer"
		if p.interviewer != "" {
			interviewer = p.interviewer
		}
		turns := [][2]string{
			{interviewer, fmt.Sprintf("Goedemiddag %s, fijn dat je meedoet. Hoe is het met de werkdruk?", first)},
			{p.speaker, p.answer()},
			{interviewer, fmt.Sprintf("Dank je, %s. Hoe kan ik je bereiken?", first)},
			{p.speaker, fmt.Sprintf("Ik ben %s; %s. De registratie blijft lastig.", first, p.other())},
		}
		var body string
		switch filepath.Ext(p.file) {
		case ".txt":
			for _, tr := range turns {
				body += tr[0] + ": " + tr[1] + "\n"
			}
		case ".docx":
			body = docx(t, turns)
		case ".vtt":
			body = "WEBVTT\n\n"
			for k, tr := range turns {
				text := tr[0] + ": " + tr[1] // Zoom
				if strings.Contains(p.format, "Teams") {
					text = "<v " + tr[0] + ">" + tr[1] + "</v>"
				}
				body += fmt.Sprintf("%d\n00:00:%02d.000 --> 00:00:%02d.500\n%s\n\n", k+1, 10*k, 10*k+9, text)
			}
		case ".srt":
			for k, tr := range turns {
				body += fmt.Sprintf("%d\n00:00:%02d,000 --> 00:00:%02d,500\n%s: %s\n\n", k+1, 10*k, 10*k+9, tr[0], tr[1])
			}
		}
		writeFile(t, filepath.Join(dir, p.file), body)
		sidecar += fmt.Sprintf("%s,%s,%s,%q\n", filepath.Base(p.file), p.speaker, p.respondent, p.team())
	}
	writeFile(t, filepath.Join(dir, "interviews/participants.csv"), sidecar)
}

// docx zips a minimal Word document with one paragraph per turn.
func docx(t *testing.T, turns [][2]string) string {
	t.Helper()
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, tr := range turns {
		// The label in its own bold run, as Word transcripts often have it.
		fmt.Fprintf(&doc, `<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">%s: </w:t></w:r><w:r><w:t>%s</w:t></w:r></w:p>`, tr[0], tr[1])
	}
	doc.WriteString(`</w:body></w:document>`)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   doc.String(),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// regenSAV rewrites pii.sps from the SPSS set and runs PSPP on it.
func regenSAV(t *testing.T, p piiSet) {
	t.Helper()
	var b strings.Builder
	b.WriteString("* Planted personal data for TestPlantedPIINeverReachesOutputs (package run).\n")
	b.WriteString("* Every value is invented. Generated by: go test ./pipeline/run -run PlantedPII -args -regen-pii-sav\n")
	b.WriteString("* which runs, from this directory: LC_ALL=C.UTF-8 pspp pii.sps\n\n")
	b.WriteString("SET LOCALE='UTF-8'.\n")
	b.WriteString(`DATA LIST LIST ("|") /id (A24) team (A200) overig (A300) open (A1500) contact (A120).` + "\n")
	b.WriteString("BEGIN DATA\n")
	fmt.Fprintf(&b, "%s|%s|%s|%s|%s\n", p.respondent, p.team(), p.other(), p.answer(), strings.Join(p.dropped[:2], " / "))
	for k, f := range fillers {
		fmt.Fprintf(&b, "R_fill%dsav|Team %d| |%s| \n", k, k+1, f)
	}
	b.WriteString("END DATA.\n\n")
	b.WriteString(`VARIABLE LABELS id "Respondentnummer" /team "In welk team werkt u?" /overig "Anders, namelijk" /open "Hoe heeft de aanbesteding uw werk veranderd?" /contact "Uw e-mailadres voor de resultaten".` + "\n")
	b.WriteString(`SAVE OUTFILE="pii.sav" /COMPRESSED.` + "\n")
	dir := filepath.Join("testdata", "pii")
	writeFile(t, filepath.Join(dir, "pii.sps"), b.String())
	cmd := exec.Command("pspp", "pii.sps")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pspp: %v\n%s", err, out)
	}
}

// haystacks reads every file under dir; the entries of zip files (XLSX,
// QDPX) are unpacked, since their text is compressed.
func haystacks(t *testing.T, dir string, out map[string][]byte) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = b
		if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					return fmt.Errorf("%s!%s: %w", path, f.Name, err)
				}
				eb, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return fmt.Errorf("%s!%s: %w", path, f.Name, err)
				}
				out[path+"!"+f.Name] = eb
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

var tokenPattern = regexp.MustCompile(`\[(?:PERSOON|EMAIL|TELEFOON|BSN|RIJKSREGISTER|IBAN|ADRES|POSTCODE|GEBOORTEDATUM|URL)-[0-9a-f]{8}\]`)

func TestPlantedPIINeverReachesOutputs(t *testing.T) {
	sets := piiSets()
	if *regenPIISAV {
		regenSAV(t, sets[spssIndex])
	}
	dir := t.TempDir()
	writePIIStudy(t, dir, sets)
	cfg := loadConfig(t, dir)

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sum := mustRun(t, cfg, Options{Log: log, Progress: LogProgress{Log: log}})
	if sum.FilesNew != len(sets) {
		t.Fatalf("run read %d files, want %d: %s", sum.FilesNew, len(sets), sum.Line())
	}

	// Everything the run wrote: reports, the store's folder (the SQLite
	// file, its -wal and anything else kept there) and the logs.
	hay := map[string][]byte{}
	haystacks(t, cfg.Output.Dir, hay)
	haystacks(t, filepath.Dir(cfg.Store.Path), hay)
	hay["logs"] = logs.Bytes()
	for _, want := range []string{"report.html", "report.md", "codings.csv", "agreement.csv", "report.xlsx", "project.qdpx", "state.db"} {
		found := false
		for name := range hay {
			found = found || filepath.Base(name) == want
		}
		if !found {
			t.Fatalf("no %s among the outputs; the test would pass vacuously", want)
		}
	}
	lower := map[string]string{}
	for name, b := range hay {
		lower[name] = strings.ToLower(string(b))
	}
	leaks := func(t *testing.T, pl plant) {
		t.Helper()
		for _, v := range pl.variants {
			var re *regexp.Regexp
			if pl.name {
				re = regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(v) + `\b`)
			}
			for name, h := range lower {
				if re != nil && re.MatchString(h) || re == nil && strings.Contains(h, strings.ToLower(v)) {
					t.Errorf("%s %q (planted %q) found in %s", pl.kind, v, pl.variants[0], strings.TrimPrefix(name, dir+string(filepath.Separator)))
				}
			}
		}
	}

	// The store after the run, to check the tokens stand where the values
	// were: a run that dropped the text would pass the grep too.
	st, err := store.Open(cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	units := map[string][]study.Unit{}
	resps := map[string][]study.Respondent{}
	if err := st.Units(ctx, func(u study.Unit) error { units[u.File] = append(units[u.File], u); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.Respondents(ctx, func(r study.Respondent) error { resps[r.File] = append(resps[r.File], r); return nil }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	pz, err := privacy.New(privacy.Options{KeyFile: cfg.Privacy.KeyFile, Names: cfg.Privacy.Names})
	if err != nil {
		t.Fatal(err)
	}
	var qdpx strings.Builder
	for name, b := range hay {
		if strings.Contains(name, "project.qdpx!") {
			qdpx.Write(b)
		}
	}

	for _, p := range sets {
		t.Run(p.format, func(t *testing.T) {
			var text, speakers, other, team strings.Builder
			for _, u := range units[p.file] {
				text.WriteString(u.Text + "\n")
				speakers.WriteString(u.Speaker + "\n")
			}
			for _, r := range resps[p.file] {
				for _, v := range r.Closed {
					other.WriteString(v + "\n")
				}
				team.WriteString(r.Attributes["team"] + "\n")
			}
			if text.Len() == 0 {
				t.Fatalf("the store holds no units of %s", p.file)
			}
			if p.format == sets[0].format && !strings.Contains(text.String(), "Elke cliënt") {
				t.Errorf("Windows-1252 was not decoded: %q", text.String())
			}
			for _, pl := range p.plants() {
				leaks(t, pl)
				if pl.probe == "" {
					continue
				}
				tok := tokenPattern.FindString(pz.Text(pl.probe, pl.known))
				if tok == "" {
					t.Errorf("%s %q: the privacy stage finds nothing in %q", pl.kind, pl.variants[0], pl.probe)
					continue
				}
				if pl.kind != "Belgian IBAN" && !strings.Contains(text.String()+speakers.String(), tok) {
					t.Errorf("%s %q: token %s missing from the stored text of %s", pl.kind, pl.variants[0], tok, p.file)
				}
				if pl.kind != "Belgian IBAN" && !strings.Contains(qdpx.String(), tok) {
					t.Errorf("%s %q: token %s missing from project.qdpx", pl.kind, pl.variants[0], tok)
				}
				if strings.HasSuffix(pl.kind, "speaker label") && !strings.Contains(speakers.String(), tok+"\n") {
					t.Errorf("speaker %q is not stored as %s: %q", p.speaker, tok, speakers.String())
				}
				// Surveys keep "other, namely" as a closed answer; the
				// transcripts say it in a turn.
				if (pl.kind == "Belgian IBAN" || pl.kind == "address") && !strings.Contains(other.String()+text.String(), tok) {
					t.Errorf("%s: token %s missing from the stored closed answer %q", pl.kind, tok, other.String())
				}
				if pl.kind == "name after a title" || pl.kind == "Belgian mobile" {
					if !strings.Contains(team.String(), tok) {
						t.Errorf("%s: token %s missing from the stored attribute team %q", pl.kind, tok, team.String())
					}
				}
			}
		})
	}
	t.Run("survey respondent IDs", func(t *testing.T) {
		for _, p := range sets[:5] {
			for k := range fillers {
				leaks(t, plant{kind: "filler respondent ID", variants: []string{fmt.Sprintf("R_fill%d%s", k, filepath.Ext(p.file)[1:])}})
			}
		}
		for name, h := range hay {
			if filepath.Base(name) == "codings.csv" && !regexp.MustCompile(`R-[0-9a-f]{12}`).Match(h) {
				t.Errorf("codings.csv has no pseudonymous respondent IDs")
			}
			// The gold file's raw IDs must have been mapped, not dropped:
			// all three planted survey units are compared.
			if filepath.Base(name) == "agreement.csv" && !bytes.Contains(h, []byte("\n_overall,3,")) {
				t.Errorf("agreement.csv does not compare the three gold units:\n%s", h)
			}
		}
	})
}
