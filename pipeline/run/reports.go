package run

import (
	"context"
	"time"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/report"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// writeReports analyses the store's content and renders the reports; when
// nothing they depend on changed since the last run, the last ones are kept
// and only manifest.json is written again (cache.go).
func writeReports(ctx context.Context, cfg *config.Config, st *store.Store, cb *coding.Codebook, pz *privacy.Pseudonymizer,
	plan *filePlan, fingerprint string, start time.Time, sum *Summary, opts Options) error {
	key, err := reportKey(ctx, cfg, st, fingerprint, cb.Hash, opts.Version+"/"+opts.Build)
	if err != nil {
		return err
	}
	// --full renders everything again, whatever the cache says.
	if c := loadReportCache(cfg, key); c != nil && !opts.Full {
		sum.Respondents, sum.Units, sum.CodesApplied = c.Respondents, c.Units, c.CodesApplied
		sum.UnitsReused = sum.Units - sum.UnitsCoded
		m := manifest(cfg, cb, plan, opts.Version, fingerprint, start, c.Respondents, c.Units, c.Codings)
		if _, err := report.WriteManifest(cfg.Output.Dir, m, c.Outputs); err != nil {
			return err
		}
		sum.Reports = len(c.Outputs) + 1
		opts.Log.Info("reports unchanged; manifest rewritten", "dir", cfg.Output.Dir)
		return nil
	}
	// Parts of codings.csv, project.qdpx and the workbook's Codings sheet
	// whose input file is unchanged are copied from the last ones
	// (report/segments.go); the record of where they lie is read before
	// the cache is removed.
	var previous *report.Segments
	if !opts.Full {
		previous = loadSegments(cfg)
	}
	if err := removeReportCache(cfg); err != nil {
		return err
	}
	snap, err := loadSnapshot(ctx, st, cb.Hash)
	if err != nil {
		return err
	}
	parts, err := partKeys(cfg, snap.files, fingerprint, cb.Hash, opts.Version+"/"+opts.Build)
	if err != nil {
		return err
	}
	// The analysis takes the facts of unchanged files from the last run's
	// facts cache (facts.go), and the shared scan then skips those files
	// where every export copies its part.
	if !opts.Full {
		snap.kept = openFacts(factsPath(cfg))
		defer snap.kept.close()
		snap.keptResp = openFacts(respondentFactsPath(cfg))
		defer snap.keptResp.close()
	}
	factsKept := 0
	for i := range parts {
		parts[i].Units = snap.files[i].Units
		parts[i].Kept = snap.kept.has(parts[i].Key)
		if parts[i].Kept {
			factsKept++
		}
	}
	snap.parts = parts
	if snap.factsOut, err = newFactsWriter(factsPath(cfg)); err != nil {
		// Only the next rerun's speed depends on it.
		opts.Log.Warn("could not start the facts cache; the next run reads every unit again", "err", err)
		snap.factsOut = nil
	}
	if snap.respOut, err = newFactsWriter(respondentFactsPath(cfg)); err != nil {
		opts.Log.Warn("could not start the respondents' facts cache; the next run reads every respondent again", "err", err)
		snap.respOut = nil
	}
	defer func() {
		snap.factsOut.discard()
		snap.respOut.discard()
	}()
	record := &report.Segments{}
	// The analysis runs inside report.Write, while codings.csv and
	// project.qdpx are rendered from the units.
	// The reports' input, before the analysis and after it, with what
	// lets Write copy and spare parts.
	input := func(tables *analysis.Tables) report.Input {
		in := reportInput(cfg, cb, snap, tables, plan, opts.Version, fingerprint, start)
		in.Parts, in.Previous, in.Record = parts, previous, record
		in.EachUnitIn, in.KeptUnits = snap.unitsIn, snap.keptUnits
		return in
	}
	in := input(nil)
	in.Analyse = func(in *report.Input, units func(fn func(study.Unit, *study.Coding) error) error) error {
		snap.shared = units
		tables, err := analyse(cfg, cb, snap, pz)
		if err != nil {
			return err
		}
		*in = input(tables)
		checkpoint("analysed")
		return nil
	}
	files, err := report.Write(cfg.Output.Dir, in, reportOptions(cfg))
	if err != nil {
		return err
	}
	sum.Respondents, sum.Units = snap.counts()
	sum.UnitsReused = sum.Units - sum.UnitsCoded
	sum.CodesApplied = snap.codesApplied()
	nCodings := snap.nCodings
	sum.Reports = len(files)
	copied := 0
	for _, sf := range []*report.SegmentFile{record.CSV, record.QDPX, record.XLSX} {
		if sf != nil {
			copied += sf.Copied
		}
	}
	opts.Log.Info("reports written", "dir", cfg.Output.Dir, "files", len(files), "parts_copied", copied, "facts_kept", factsKept, "respondents_kept", snap.respKept)
	if key != "" {
		c := &reportCache{Key: key, Respondents: sum.Respondents, Units: sum.Units, Codings: nCodings, CodesApplied: sum.CodesApplied,
			Segments: record}
		for _, f := range files {
			if f.Path != "manifest.json" {
				c.Outputs = append(c.Outputs, f)
			}
		}
		if err := saveReportCache(cfg, c); err != nil {
			// Only the next rerun's speed depends on it.
			opts.Log.Warn("could not save the report cache; the next run renders reports again", "err", err)
		}
	}
	for _, c := range []struct {
		w    **factsWriter
		path string
	}{{&snap.factsOut, factsPath(cfg)}, {&snap.respOut, respondentFactsPath(cfg)}} {
		if *c.w == nil {
			continue
		}
		err := (*c.w).commit(c.path)
		*c.w = nil
		if err != nil {
			opts.Log.Warn("could not save a facts cache; the next run reads the store instead", "file", c.path, "err", err)
		}
	}
	return nil
}
