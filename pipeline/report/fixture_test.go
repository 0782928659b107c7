package report

import (
	"strings"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Hostile strings a respondent could type; every renderer must keep them
// inert.
const (
	scriptText = `Ik zei het al: <script>alert(1)</script> de werkdruk is te hoog.`
	imgText    = `Zie <img src=x onerror=alert(1)> — de caseload blijft groeien, ook na de reorganisatie.`
	formula    = `=HYPERLINK("http://evil.example","klik")`
)

// span finds term in text and returns its byte span, so fixture spans are
// right by construction, including after multi-byte characters.
func span(text, term string) study.Span {
	i := strings.Index(text, term)
	if i < 0 {
		panic("fixture: term " + term + " not in " + text)
	}
	return study.Span{Start: i, End: i + len(term)}
}

func fixtureCodebook() Codebook {
	return Codebook{
		Name: "Werkbeleving jeugdzorg", Version: "1.3", Hash: "sha256:4f1c9a0e2b7d", Path: "codes/codebook.yaml",
		Codes: []CodebookCode{
			{ID: "werkdruk", Color: "#C0392B", LabelNL: "Werkdruk", LabelEN: "Workload", Description: "Ervaren druk door hoeveelheid werk.",
				Terms: map[string][]string{"nl": {"werkdruk", "te veel werk"}, "en": {"workload"}}, Negation: "exclude"},
			{ID: "werkdruk.caseload", Parent: "werkdruk", Color: "#E74C3C", LabelNL: "Hoge caseload", LabelEN: "High caseload",
				Terms: map[string][]string{"nl": {"caseload"}}},
			{ID: "werkdruk.administratie", Parent: "werkdruk", Color: "#F1948A", LabelNL: "Administratieve last", LabelEN: "Administrative burden",
				Terms: map[string][]string{"nl": {"administratie", "registratie"}}, Exclude: map[string][]string{"nl": {"registratienummer"}}},
			{ID: "samenwerking", Color: "#2471A3", LabelNL: "Samenwerking", LabelEN: "Collaboration", Description: "Samenwerking met ketenpartners.",
				Terms: map[string][]string{"nl": {"samenwerking", "ketenpartners"}}},
			{ID: "wachtlijst", Color: "#7D3C98", LabelNL: "Wachtlijsten", LabelEN: "Waiting lists", Terms: map[string][]string{"nl": {"wachtlijst"}}},
			{ID: "scholing", Color: "#229954", LabelNL: "Scholing en ontwikkeling", LabelEN: "Training", Terms: map[string][]string{"nl": {"scholing", "cursus"}}},
			{ID: "waardering", Color: "#D4AC0D", LabelNL: "Waardering", LabelEN: "Appreciation", Terms: map[string][]string{"nl": {"waardering"}}},
			{ID: "regeldruk", Color: "not-a-colour", LabelNL: "Regeldruk", LabelEN: "Red tape", Terms: map[string][]string{"nl": {"regels"}}},
		},
	}
}

func fixtureUnits() ([]study.Unit, []study.Coding) {
	type u struct {
		unit  study.Unit
		codes []string
		terms map[string]string // code → matched term
	}
	list := []u{
		{study.Unit{ID: "enquete/R-7f3a/Q_open1", Source: "enquete", File: "data/enquete_2025.csv", Respondent: "R-7f3a", Question: "Q_open1", Position: "row 2", Seq: 1, Text: scriptText},
			[]string{"werkdruk"}, map[string]string{"werkdruk": "werkdruk"}},
		{study.Unit{ID: "enquete/R-9b21/Q_open1", Source: "enquete", File: "data/enquete_2025.csv", Respondent: "R-9b21", Question: "Q_open1", Position: "row 3", Seq: 2, Text: imgText},
			[]string{"werkdruk", "werkdruk.caseload"}, map[string]string{"werkdruk.caseload": "caseload"}},
		{study.Unit{ID: "enquete/R-c044/Q_open1", Source: "enquete", File: "data/enquete_2025.csv", Respondent: "R-c044", Question: "Q_open1", Position: "row 4", Seq: 3, Text: formula},
			nil, nil},
		{study.Unit{ID: "enquete/R-c044/Q_open2", Source: "enquete", File: "data/enquete_2025.csv", Respondent: "R-c044", Question: "Q_open2", Position: "row 4", Seq: 4,
			Text: "De samenwerking met ketenpartners is verbeterd, maar de wachtlijst voor ggz blijft één groot probleem."},
			[]string{"samenwerking", "wachtlijst"}, map[string]string{"samenwerking": "samenwerking", "wachtlijst": "wachtlijst"}},
		{study.Unit{ID: "interviews/P-01/t0001", Source: "interviews", File: "data/interview_p01.vtt", Respondent: "P-01", Speaker: "Interviewer", Position: "00:00:03.000", Seq: 1,
			Text: "Hoe ervaart u de administratie?", Context: true}, nil, nil},
		{study.Unit{ID: "interviews/P-01/t0002", Source: "interviews", File: "data/interview_p01.vtt", Respondent: "P-01", Speaker: "P-01", Position: "00:00:09.500", Seq: 2,
			Text: "Eerlijk gezegd: de registratie kost me één dag per week. Daarnaast mis ik waardering van het management."},
			[]string{"waardering", "werkdruk", "werkdruk.administratie"}, map[string]string{"werkdruk.administratie": "registratie", "waardering": "waardering"}},
		{study.Unit{ID: "interviews/P-01/t0003", Source: "interviews", File: "data/interview_p01.vtt", Respondent: "P-01", Speaker: "P-01", Position: "00:00:31.000", Seq: 3,
			Text: "Een cursus over traumasensitief werken zou helpen; scholing schiet er nu bij in."},
			[]string{"scholing"}, map[string]string{"scholing": "scholing"}},
	}
	var units []study.Unit
	var codings []study.Coding
	for _, x := range list {
		units = append(units, x.unit)
		if x.unit.Context {
			continue
		}
		c := study.Coding{UnitID: x.unit.ID, Codes: x.codes}
		for _, code := range x.codes {
			if term, ok := x.terms[code]; ok {
				c.Matches = append(c.Matches, study.Match{Code: code, Term: term, Span: span(x.unit.Text, term)})
			}
		}
		codings = append(codings, c)
	}
	return units, codings
}

func fixtureTables(lang string) *analysis.Tables {
	cb := fixtureCodebook()
	t := &analysis.Tables{Study: "Werkbeleving in de jeugdzorg 2025–2026", Language: lang, MinCell: 5, Waves: []string{"2025", "2026"}}
	for _, c := range cb.Codes {
		depth := 0
		if c.Parent != "" {
			depth = 1
		}
		t.Codes = append(t.Codes, analysis.CodeInfo{ID: c.ID, LabelNL: c.LabelNL, LabelEN: c.LabelEN, Parent: c.Parent, Depth: depth, Color: c.Color, Description: c.Description})
	}
	t.Sources = []analysis.SourceSummary{
		{Name: "enquete", Type: "survey", Wave: "2025", Files: 1, Respondents: 212, Units: 398},
		{Name: "enquete", Type: "survey", Wave: "2026", Files: 1, Respondents: 187, Units: 351},
		{Name: "interviews", Type: "transcript", Wave: "2026", Files: 14, Respondents: 14, Units: 1120},
	}
	resp := []struct {
		n     int
		pct   float64
		lo    float64
		hi    float64
		units int
		supp  bool
	}{
		{181, 45.4, 40.5, 50.3, 260, false}, {97, 24.3, 20.3, 28.8, 131, false}, {88, 22.1, 18.3, 26.4, 102, false},
		{143, 35.8, 31.3, 40.6, 170, false}, {61, 15.3, 12.1, 19.1, 66, false}, {40, 10.0, 7.5, 13.3, 41, false},
		{29, 7.3, 5.1, 10.3, 30, false}, {3, 0.8, 0.3, 2.2, 3, true},
	}
	for i, c := range cb.Codes {
		r := resp[i]
		t.Prevalence = append(t.Prevalence,
			analysis.Prevalence{Code: c.ID, Level: analysis.RespondentLevel, N: r.n, Total: 399, Pct: r.pct, CILow: r.lo, CIHigh: r.hi, NEff: 399, Suppressed: r.supp},
			analysis.Prevalence{Code: c.ID, Level: analysis.UnitLevel, N: r.units, Total: 1869, Pct: 100 * float64(r.units) / 1869, CILow: 0, CIHigh: 0, NEff: 1869, Suppressed: r.supp})
	}
	// Fix the unit-level intervals to plausible values with two decimals.
	for i := range t.Prevalence {
		p := &t.Prevalence[i]
		if p.Level == analysis.UnitLevel {
			p.CILow, p.CIHigh = p.Pct*0.85, p.Pct*1.15
		}
	}
	sector := analysis.Breakdown{Attribute: "sector", Groups: []string{"jeugd-ggz", "jeugdbescherming", "wijkteam"}, GroupN: []int{120, 96, 183}}
	reg := analysis.Breakdown{Attribute: "regio", Groups: []string{"=cmd|' /C calc'!A0", "Noord", "Zuid"}, GroupN: []int{8, 190, 201}}
	for ci, c := range cb.Codes {
		for gi, g := range sector.Groups {
			n := []int{54, 40, 87}[gi] - ci*5
			if n < 0 {
				n = 2
			}
			pct := 100 * float64(n) / float64(sector.GroupN[gi])
			sector.Cells = append(sector.Cells, analysis.BreakdownCell{Code: c.ID, Group: g, N: n, Total: sector.GroupN[gi], Pct: pct, CILow: pct * 0.8, CIHigh: pct * 1.2, Suppressed: n < 5})
		}
		tst := analysis.Test{Code: c.ID, Method: "chi2", Chi2: 7.912 - float64(ci), DF: 2, P: 0.0191 * float64(ci+1), PAdj: 0.0382 * float64(ci+1), CramersV: 0.141, Valid: ci != 7}
		for _, cell := range sector.Cells {
			if cell.Code == c.ID && cell.Suppressed && tst.Valid {
				// As analysis does: no exact statistic beside a hidden count.
				tst.Masked, tst.Chi2, tst.CramersV = true, 0, 0
			}
		}
		sector.Tests = append(sector.Tests, tst)
		for gi, g := range reg.Groups {
			n := []int{3, 80, 98}[gi] - ci*3
			if n < 0 {
				n = 1
			}
			pct := 100 * float64(n) / float64(reg.GroupN[gi])
			reg.Cells = append(reg.Cells, analysis.BreakdownCell{Code: c.ID, Group: g, N: n, Total: reg.GroupN[gi], Pct: pct, CILow: pct * 0.8, CIHigh: pct * 1.2, Suppressed: n < 5})
		}
		rt := analysis.Test{Code: c.ID, Method: "fisher", P: 0.41, PAdj: 0.82, CramersV: 0.05, Valid: true}
		if ci == 0 {
			// A masked chi-square beside the hidden count of the small group.
			rt = analysis.Test{Code: c.ID, Method: "chi2", DF: 2, P: 0.0042, PAdj: 0.03, Valid: true, Masked: true}
		}
		reg.Tests = append(reg.Tests, rt)
	}
	t.Breakdowns = []analysis.Breakdown{sector, reg}
	for i := 0; i < len(cb.Codes); i++ {
		for j := i + 1; j < len(cb.Codes); j++ {
			n := 60 - 7*i - 4*j
			supp := n < 5
			if n < 0 {
				n = 0
			}
			t.Cooccurrence = append(t.Cooccurrence, analysis.Cooccurrence{CodeA: cb.Codes[i].ID, CodeB: cb.Codes[j].ID, N: n, Jaccard: float64(n) / 200, Suppressed: supp})
		}
	}
	scale := []string{"Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"}
	t.Likert = []analysis.LikertItem{
		{Item: "Q_werkdruk", Label: "Ik ervaar een hoge werkdruk", Scale: scale, Counts: []int{12, 40, 71, 150, 126}, N: 399, Median: 4, AgreePct: 69.2, CILow: 64.5, CIHigh: 73.5,
			Suppressed: []bool{false, false, false, false, false},
			By: []analysis.LikertGroup{{Attribute: "sector", Group: "jeugd-ggz", N: 120, Median: 4, AgreePct: 72.5, CILow: 63.9, CIHigh: 79.7},
				{Attribute: "sector", Group: "wijkteam", N: 4, Suppressed: true}}},
		{Item: "Q_steun", Label: "Ik voel me gesteund door mijn leidinggevende", Scale: scale, Counts: []int{3, 60, 110, 170, 56}, N: 399, Median: 3, AgreePct: 56.6, CILow: 51.7, CIHigh: 61.4,
			Suppressed: []bool{true, false, false, false, false}},
	}
	for _, c := range cb.Codes[:4] {
		for wi, w := range t.Waves {
			pct := 30.0 + 5*float64(wi) + float64(len(c.ID))
			t.WavePrev = append(t.WavePrev, analysis.Prevalence{Code: c.ID, Level: analysis.RespondentLevel, Wave: w, N: int(pct * 2), Total: 200, Pct: pct, CILow: pct - 6, CIHigh: pct + 6})
		}
		t.WaveChanges = append(t.WaveChanges, analysis.WaveChange{Code: c.ID, From: "2025", To: "2026", PctFrom: 30, PctTo: 35, Diff: 5, CILow: -3.4, CIHigh: 13.1})
	}
	t.WavePrev = append(t.WavePrev,
		analysis.Prevalence{Code: "regeldruk", Level: analysis.RespondentLevel, Wave: "2025", N: 2, Total: 200, Suppressed: true},
		analysis.Prevalence{Code: "regeldruk", Level: analysis.RespondentLevel, Wave: "2026", N: 1, Total: 187, Suppressed: true})
	t.Agreement = []analysis.Agreement{{CoderA: "veldstem", CoderB: "gold",
		Rows: []analysis.AgreementRow{
			{Code: "werkdruk", NUnits: 150, Kappa: 0.812, Alpha: 0.811, Precision: 0.9, Recall: 0.857, F1: 0.878, PrevA: 40, PrevB: 42},
			{Code: "samenwerking", NUnits: 150, Kappa: 0.654, Alpha: 0.652, Precision: 0.75, Recall: 0.7, F1: 0.724, PrevA: 20, PrevB: 21.3},
		},
		Overall:       analysis.AgreementRow{NUnits: 150, Kappa: 0.733, Alpha: 0.731, Precision: 0.83, Recall: 0.78, F1: 0.804, PrevA: 30, PrevB: 31.7},
		Disagreements: []analysis.Disagreement{{UnitID: "enquete/R-9b21/Q_open1", Code: "werkdruk", A: true, B: false, Text: imgText}},
	}}
	t.Quotes = []analysis.Quote{
		{Code: "werkdruk", UnitID: "enquete/R-7f3a/Q_open1", Source: "enquete", Text: scriptText, Spans: []study.Span{span(scriptText, "werkdruk")}},
		{Code: "werkdruk.caseload", UnitID: "enquete/R-9b21/Q_open1", Source: "enquete", Text: imgText, Spans: []study.Span{span(imgText, "caseload")}},
		{Code: "samenwerking", UnitID: "enquete/R-c044/Q_open2", Source: "enquete", Text: "De samenwerking met ketenpartners is verbeterd.",
			Spans: []study.Span{{Start: 3, End: 15}, {Start: 20, End: 33}, {Start: 10, End: 99}}},
	}
	if lang == "en" {
		t.Findings = []string{"Workload is the most frequent code (45.4% of respondents).", "Collaboration differs by sector (p adj. = 0.038)."}
	} else {
		t.Findings = []string{
			"Werkdruk is de vaakst genoemde code (45,4% van de respondenten).",
			"Samenwerking verschilt naar sector (p gecorr. = 0,038).",
			"Het aandeel dat wachtlijsten noemt steeg van 2025 naar 2026 met 5,0 procentpunt.",
		}
	}
	return t
}

func fixtureInput(lang string) Input {
	units, codings := fixtureUnits()
	return Input{
		Tables: fixtureTables(lang), Codebook: fixtureCodebook(), Units: units, Codings: codings,
		Method: Method{
			DataPeriod: "2025–2026",
			PrivacyRules: []string{
				"Namen van personen zijn vervangen door vaste pseudoniemen (bijv. [PERSOON-3]).",
				"E-mailadressen, telefoonnummers en BSN-nummers zijn verwijderd.",
				"Respondentnummers zijn vervangen door niet-herleidbare codes.",
			},
		},
		Manifest: Manifest{Version: "0.1.0", RunAt: "2026-03-01T10:00:00Z", ConfigHash: "sha256:aa11", CodebookHash: "sha256:4f1c9a0e2b7d",
			Inputs: []ManifestFile{{Path: "data/enquete_2025.csv", SHA256: "ab", Bytes: 1234}}, Counts: map[string]int{"units": 1869, "respondents": 413}},
	}
}
