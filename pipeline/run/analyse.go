package run

import (
	"context"
	"fmt"
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

// snapshot is the store's content for one codebook, as analysis and the
// reports read it: streamed from the store (respondents, then units with
// their codings in unit order) as often as they need, never held whole.
// It implements analysis.FactCorpus. The counts are taken on the analysis'
// passes, before the reports read the units (concurrently).
type snapshot struct {
	ctx          context.Context
	st           *store.Store
	codebookHash string
	files        []store.FileRecord

	respondents, units, nCodings, codes int
	respCounted, unitsCounted           bool
	// shared, when set, is report.Write's shared scan of the units, which
	// UnitFacts reads (once) instead of the store.
	shared func(fn func(study.Unit, *study.Coding) error) error
	// parts are the files' part keys, in file order; kept is the last
	// run's facts cache (facts.go), nil when there is none; factsOut, when
	// set, receives every file's facts for the next run.
	parts    []report.Part
	kept     *factsFile
	factsOut *factsWriter
	// keptResp and respOut are the same for the respondents.
	keptResp *factsFile
	respOut  *factsWriter
	// respKept counts the files whose respondents came from keptResp.
	respKept int
}

func loadSnapshot(ctx context.Context, st *store.Store, codebookHash string) (*snapshot, error) {
	files, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{ctx: ctx, st: st, codebookHash: codebookHash, files: files}, nil
}

// Respondents hands the analysis the respondents in storage order and
// without closed answers (store.RespondentFacts): it keys them itself and
// never reads the closed answers.
func (s *snapshot) Respondents(fn func(study.Respondent) error) error {
	count := !s.respCounted
	if count {
		s.respCounted, s.respondents = true, 0
	}
	emit := func(r study.Respondent) error {
		if count {
			s.respondents++
		}
		if s.respOut != nil {
			s.respOut.addRespondent(&r)
		}
		return fn(r)
	}
	if s.parts == nil {
		return s.st.RespondentFacts(s.ctx, emit)
	}
	// The kept files' respondents come from the cache, the others' from
	// the store, file by file; each file's go to respOut as a part.
	var need []store.FileKey
	needKey := map[store.FileKey]string{}
	for _, p := range s.parts {
		if p.Key != "" && s.keptResp.has(p.Key) {
			if s.respOut != nil {
				s.respOut.keep(s.keptResp, p.Key)
			}
			if err := s.keptResp.eachRespondent(p.Key, p.File, fn); err != nil {
				return err
			}
			if count {
				s.respondents += s.keptResp.parts[p.Key].n
			}
			s.respKept++
			continue
		}
		k := store.FileKey{Source: p.Source, Path: p.File}
		need = append(need, k)
		needKey[k] = p.Key
	}
	begun := map[store.FileKey]bool{}
	err := s.st.RespondentFactsIn(s.ctx, need, func(r study.Respondent) error {
		if k := (store.FileKey{Source: r.Source, Path: r.File}); s.respOut != nil && !begun[k] {
			begun[k] = true
			s.respOut.begin(needKey[k])
		}
		return emit(r)
	})
	if err != nil {
		return err
	}
	if s.respOut != nil {
		// A file without respondents is kept as an empty part, so the
		// next run does not ask the store for it again.
		for _, k := range need {
			if !begun[k] {
				s.respOut.begin(needKey[k])
			}
		}
		s.respOut.end()
	}
	return nil
}

// Units serves analysis.Corpus; Compute reads UnitFacts instead, which
// counts and takes the shared scan. The reports read the units through it
// too (reportInput), while the analysis counts them. Neither reads a
// unit's question label, position or language (store.UnitsForReports).
func (s *snapshot) Units(fn func(study.Unit, *study.Coding) error) error {
	return s.st.UnitsForReports(s.ctx, s.codebookHash, fn)
}

// UnitFacts hands the analysis the units' facts (analysis.FactCorpus):
// those of a file the facts cache holds under the file's part key from the
// cache, the others from the units, which are read (from report.Write's
// shared scan, or the store) only for the files not kept. Every file's
// facts go to factsOut, in file order.
func (s *snapshot) UnitFacts(fn func(*analysis.UnitFact) error) error {
	count := !s.unitsCounted
	if count {
		s.unitsCounted, s.units, s.nCodings, s.codes = true, 0, 0, 0
	}
	// record is set while the part's facts are new: a kept part's blob is
	// copied as it is (factsWriter.keep).
	record := false
	emit := func(f *analysis.UnitFact, coded bool, label string) error {
		if count {
			if !f.Context {
				s.units++
			}
			if coded {
				s.nCodings++
				s.codes += len(f.Codes)
			}
		}
		if record {
			s.factsOut.add(f, coded, label)
		}
		return fn(f)
	}
	if s.parts == nil {
		for _, f := range s.files {
			s.parts = append(s.parts, report.Part{Source: f.Source, File: f.Path})
		}
	}
	kept := func(i int) bool { return s.parts[i].Key != "" && s.kept.has(s.parts[i].Key) }
	// next is the first part whose facts are not handed over yet.
	next := 0
	upTo := func(j int) error {
		for ; next < j; next++ {
			key := s.parts[next].Key
			record = s.factsOut != nil && !kept(next)
			if record {
				s.factsOut.begin(key)
				continue
			}
			if !kept(next) {
				continue
			}
			if s.factsOut != nil {
				s.factsOut.keep(s.kept, key)
			}
			if err := s.kept.each(key, emit); err != nil {
				return err
			}
		}
		return nil
	}
	index := make(map[store.FileKey]int, len(s.parts))
	var need []store.FileKey
	for i, p := range s.parts {
		index[store.FileKey{Source: p.Source, Path: p.File}] = i
		if !kept(i) {
			need = append(need, store.FileKey{Source: p.Source, Path: p.File})
		}
	}
	each := s.shared
	s.shared = nil
	if each == nil {
		each = func(fn func(study.Unit, *study.Coding) error) error {
			return s.st.UnitsForReportsIn(s.ctx, s.codebookHash, need, fn)
		}
	}
	var (
		last  store.FileKey
		cur   = -1
		skip  bool
		shown []string
	)
	err := each(func(u study.Unit, c *study.Coding) error {
		if k := (store.FileKey{Source: u.Source, Path: u.File}); cur < 0 || k != last {
			i, ok := index[k]
			if !ok {
				return fmt.Errorf("unit %s is in %s/%s, which the store does not list as an input file", u.ID, u.Source, u.File)
			}
			if i < next {
				return fmt.Errorf("unit %s of %s/%s is out of file order", u.ID, u.Source, u.File)
			}
			if err := upTo(i + 1); err != nil {
				return err
			}
			last, cur, skip = k, i, kept(i)
		}
		if skip {
			return nil
		}
		f := analysis.FactOf(u, c, shown)
		shown = f.Shown
		label := u.Question
		if label == "" {
			label = u.Speaker
		}
		return emit(&f, c != nil, label)
	})
	if err != nil {
		return err
	}
	if err := upTo(len(s.parts)); err != nil {
		return err
	}
	if s.factsOut != nil {
		s.factsOut.end()
	}
	return nil
}

// keptUnits hands report.Input.KeptUnits the units of a kept part from the
// facts cache; the label stands in Question whether it was the question or
// a turn's speaker, which is all the workbook reads of either.
func (s *snapshot) keptUnits(p report.Part, fn func(study.Unit, []string) error) error {
	if !s.kept.has(p.Key) {
		return fmt.Errorf("the facts of %s/%s were not kept", p.Source, p.File)
	}
	return s.kept.each(p.Key, func(f *analysis.UnitFact, coded bool, label string) error {
		u := study.Unit{ID: f.ID, Source: f.Source, File: p.File, Respondent: f.Respondent, Question: label, Context: f.Context}
		if !coded {
			return fn(u, nil)
		}
		return fn(u, f.Codes)
	})
}

// unitsIn is store.UnitsForReportsIn for report.Input.EachUnitIn.
func (s *snapshot) unitsIn(parts []report.Part, fn func(study.Unit, *study.Coding) error) error {
	files := make([]store.FileKey, len(parts))
	for i, p := range parts {
		files[i] = store.FileKey{Source: p.Source, Path: p.File}
	}
	return s.st.UnitsForReportsIn(s.ctx, s.codebookHash, files, fn)
}

// Codes streams the units with their codes only (report.Input.EachCodes).
func (s *snapshot) Codes(fn func(study.Unit, []string) error) error {
	return s.st.UnitsWithCodes(s.ctx, s.codebookHash, fn)
}

func (s *snapshot) Lookup(ids []string, fn func(study.Unit, *study.Coding) error) error {
	return s.st.UnitsByID(s.ctx, s.codebookHash, ids, fn)
}

// counts returns the respondents and the coded (non-context) units, as
// counted when the analysis read them.
func (s *snapshot) counts() (int, int) {
	return s.respondents, s.units
}

func (s *snapshot) codesApplied() int { return s.codes }

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
		Codes: codes, Corpus: snap,
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

// reportInput is the reports' input; with tables nil, what report.Write
// needs before the analysis (Input.Analyse) is done.
func reportInput(cfg *config.Config, cb *coding.Codebook, snap *snapshot, tables *analysis.Tables, plan *filePlan, version, fingerprint string, start time.Time) report.Input {
	rc := report.Codebook{Name: cb.Name, Version: cb.Version, Hash: cb.Hash, Path: cfg.Rel(cb.Path)}
	for _, c := range cb.Codes {
		rc.Codes = append(rc.Codes, report.CodebookCode{ID: c.ID, Parent: c.Parent, Color: c.Color, Description: c.Description,
			Negation: c.Negation, LabelNL: c.Label.NL, LabelEN: c.Label.EN, Terms: c.Terms, Exclude: c.Exclude})
	}
	in := report.Input{
		Codebook: rc, EachUnit: snap.Units, EachCodes: snap.Codes,
		Study: cfg.Study.Name, Language: cfg.Study.Language,
		Manifest: manifest(cfg, cb, plan, version, fingerprint, start, 0, 0, 0),
	}
	if tables == nil {
		return in
	}
	resp, units := snap.counts()
	in.Tables = tables
	in.Method = report.Method{Sources: tables.Sources, PrivacyRules: privacyRules(cfg), DataPeriod: dataPeriod(tables)}
	in.Manifest = manifest(cfg, cb, plan, version, fingerprint, start, resp, units, snap.nCodings)
	return in
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
