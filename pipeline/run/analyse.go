package run

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/report"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// snapshot is the store's content for one codebook: what the analysis and
// the reports are built from.
type snapshot struct {
	respondents []study.Respondent
	units       []study.Unit
	codings     []study.Coding
	files       []store.FileRecord
}

func loadSnapshot(ctx context.Context, st *store.Store, codebookHash string) (*snapshot, error) {
	s := &snapshot{}
	if err := st.Respondents(ctx, func(r study.Respondent) error {
		s.respondents = append(s.respondents, r)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := st.Units(ctx, func(u study.Unit) error {
		s.units = append(s.units, u)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := st.Codings(ctx, codebookHash, func(c study.Coding) error {
		s.codings = append(s.codings, c)
		return nil
	}); err != nil {
		return nil, err
	}
	files, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	s.files = files
	return s, nil
}

// counts returns the respondents and the coded (non-context) units.
func (s *snapshot) counts() (int, int) {
	return len(s.respondents), countCoded(s.units)
}

func (s *snapshot) codesApplied() int {
	n := 0
	for _, c := range s.codings {
		n += len(c.Codes)
	}
	return n
}

// CodeInfos turns a codebook into the analysis' view of its codes.
func CodeInfos(cb *coding.Codebook) []analysis.CodeInfo {
	depth := map[string]int{}
	var out []analysis.CodeInfo
	for _, c := range cb.Codes {
		d := len(cb.Ancestors(c.ID))
		depth[c.ID] = d
		out = append(out, analysis.CodeInfo{ID: c.ID, LabelNL: c.Label.NL, LabelEN: c.Label.EN, Parent: c.Parent,
			Depth: d, Color: c.Color, Description: c.Description})
	}
	return out
}

// LikertSpecs collects the Likert items of every source, first definition
// of an item winning, in source then item-name order.
func LikertSpecs(cfg *config.Config) []analysis.LikertSpec {
	seen := map[string]bool{}
	var out []analysis.LikertSpec
	for _, s := range cfg.Sources {
		for _, g := range s.Likert {
			items := make([]string, 0, len(g.Items))
			for it := range g.Items {
				items = append(items, it)
			}
			sort.Strings(items)
			for _, it := range items {
				if seen[it] {
					continue
				}
				seen[it] = true
				label := g.Labels[it]
				if label == "" {
					label = it
				}
				out = append(out, analysis.LikertSpec{Item: it, Label: label, Scale: g.Scale})
			}
		}
	}
	return out
}

func analyse(cfg *config.Config, cb *coding.Codebook, snap *snapshot, pz *privacy.Pseudonymizer) (*analysis.Tables, error) {
	files := map[string]int{}
	for _, f := range snap.files {
		files[f.Source]++
	}
	attrs := cfg.Analysis.Attributes
	if len(attrs) == 0 {
		attrs = cfg.AttributeNames()
	}
	codes := CodeInfos(cb)
	in := analysis.Input{
		Study: cfg.Study.Name, Language: cfg.Study.Language,
		MinCell: cfg.Privacy.MinCell, QuotesPerCode: cfg.Quotes.PerCode,
		Codes: codes, Respondents: snap.respondents, Units: snap.units, Codings: snap.codings,
		Attributes: attrs, Likert: LikertSpecs(cfg), Files: files,
	}
	if cfg.Validation.Gold != "" {
		gold, covered, err := ReadGold(cfg.Validation.Gold, codes, pz)
		if err != nil {
			return nil, err
		}
		in.Gold, in.GoldCodes = gold, covered
	}
	if cfg.Validation.Second != "" {
		second, _, err := ReadGold(cfg.Validation.Second, codes, pz)
		if err != nil {
			return nil, err
		}
		in.Second = second
	}
	return analysis.Compute(in)
}

// ReadGold reads a human-coded file, maps its unit IDs to the store's and
// returns the codes it covers.
// Coders work from the raw exports, so gold files name units by the survey
// tool's respondent ID (source/R_abc/Q_open1); the pipeline only knows
// pseudonymous IDs, derived with the study key.
func ReadGold(path string, codes []analysis.CodeInfo, pz *privacy.Pseudonymizer) (map[string][]string, []string, error) {
	raw, covered, err := analysis.ReadGoldCoverage(path, codes)
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string][]string, len(raw))
	for id, cs := range raw {
		out[PseudonymousUnitID(id, pz)] = cs
	}
	return out, covered, nil
}

// PseudonymousUnitID maps source/respondent/rest to the ID the store uses.
// IDs whose respondent is already pseudonymous (R-…) are kept.
func PseudonymousUnitID(id string, pz *privacy.Pseudonymizer) string {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 || strings.HasPrefix(parts[1], "R-") {
		return id
	}
	return parts[0] + "/" + pz.RespondentID(parts[0], parts[1]) + "/" + parts[2]
}

func reportInput(cfg *config.Config, cb *coding.Codebook, snap *snapshot, tables *analysis.Tables, plan *filePlan, version, fingerprint string, start time.Time) report.Input {
	rc := report.Codebook{Name: cb.Name, Version: cb.Version, Hash: cb.Hash, Path: cfg.Rel(cb.Path)}
	for _, c := range cb.Codes {
		rc.Codes = append(rc.Codes, report.CodebookCode{ID: c.ID, Parent: c.Parent, Color: c.Color, Description: c.Description,
			Negation: c.Negation, LabelNL: c.Label.NL, LabelEN: c.Label.EN, Terms: c.Terms, Exclude: c.Exclude})
	}
	resp, units := snap.counts()
	return report.Input{
		Tables: tables, Codebook: rc, Units: snap.units, Codings: snap.codings, Respondents: snap.respondents,
		Method:   report.Method{Sources: tables.Sources, PrivacyRules: privacyRules(cfg), DataPeriod: dataPeriod(tables)},
		Manifest: manifest(cfg, cb, plan, version, fingerprint, start, resp, units, len(snap.codings)),
	}
}

// manifest is the audit record of a run; a rerun served from the report
// cache builds the same one from the cached counts.
func manifest(cfg *config.Config, cb *coding.Codebook, plan *filePlan, version, fingerprint string, start time.Time, respondents, units, codings int) report.Manifest {
	var inputs []report.ManifestFile
	for _, f := range plan.all {
		inputs = append(inputs, report.ManifestFile{Path: f.rel, SHA256: f.sha256, Bytes: f.size})
	}
	return report.Manifest{Version: version, RunAt: start.UTC().Format(time.RFC3339), ConfigHash: fingerprint,
		CodebookHash: cb.Hash, Inputs: inputs,
		Counts: map[string]int{"sources": len(cfg.Sources), "files": len(plan.all), "respondents": respondents, "units": units, "codings": codings}}
}

func dataPeriod(t *analysis.Tables) string {
	if len(t.Waves) == 0 {
		return ""
	}
	if len(t.Waves) == 1 {
		return t.Waves[0]
	}
	return t.Waves[0] + "–" + t.Waves[len(t.Waves)-1]
}

// privacyRules states, in the study's language, what was done to protect
// respondents, for the report's method section.
func privacyRules(cfg *config.Config) []string {
	if cfg.Study.Language == "en" {
		return []string{
			"Personal data (names, e-mail addresses, phone numbers, BSN and national register numbers, IBANs, addresses, postcodes, dates of birth, personal URLs) were replaced by stable pseudonyms before storage and coding.",
			"Respondent IDs from the survey tools were replaced by pseudonymous IDs; columns marked personal were not stored.",
			"Quotes come only from pseudonymized text and only for codes whose counts pass suppression.",
		}
	}
	return []string{
		"Persoonsgegevens (namen, e-mailadressen, telefoonnummers, BSN en rijksregisternummers, IBAN's, adressen, postcodes, geboortedata, persoonlijke URL's) zijn vóór opslag en codering vervangen door vaste pseudoniemen.",
		"Respondentnummers uit de enquêtesoftware zijn vervangen door pseudonieme nummers; kolommen die als persoonlijk gemarkeerd zijn, zijn niet opgeslagen.",
		"Citaten komen alleen uit gepseudonimiseerde tekst en alleen bij codes waarvan de aantallen de onderdrukking doorstaan.",
	}
}

func reportOptions(cfg *config.Config) report.Options {
	d := ','
	if cfg.Output.CSVDelimiter == ";" {
		d = ';'
	}
	return report.Options{Formats: cfg.Output.Formats, CSVDelimiter: d, CSVBOM: cfg.Output.CSVBOM}
}
