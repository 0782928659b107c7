package run

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/store"
)

// Options tune one run; the study itself is in config.
type Options struct {
	// Full re-reads and recodes every file, ignoring what the store knows.
	Full bool
	// Wait makes a run wait for another run holding the store's lock
	// (up to WaitTimeout) instead of exiting at once.
	Wait        bool
	WaitTimeout time.Duration
	// Version is veldstem's version, recorded in the manifest and part of
	// the fingerprint that decides whether inputs must be read again.
	Version string
	// Build identifies the program's code beyond Version (default: a hash
	// of the running executable), so that an upgraded veldstem re-reads
	// inputs and re-renders reports even when Version was not bumped.
	Build string
	Log   *slog.Logger
	// Progress receives progress updates for long steps; nil means none.
	Progress Progress
	// Now is the clock for the run record and manifest; nil means time.Now.
	// Report bodies never see it.
	Now func() time.Time
}

// Summary is what a run did, for the one-line summary and the run history.
type Summary struct {
	FilesNew       int     `json:"files_new"`
	FilesChanged   int     `json:"files_changed"`
	FilesUnchanged int     `json:"files_unchanged"`
	FilesRemoved   int     `json:"files_removed"`
	Sources        int     `json:"sources"`
	Respondents    int     `json:"respondents"`
	Units          int     `json:"units"`
	UnitsCoded     int     `json:"units_coded"`
	UnitsReused    int     `json:"units_reused"`
	CodesApplied   int     `json:"codes_applied"`
	Seconds        float64 `json:"seconds"`
	ReportDir      string  `json:"report_dir"`
	Reports        int     `json:"reports"`
}

// Line renders the summary as the one line printed at the end of a run.
func (s *Summary) Line() string {
	return fmt.Sprintf("veldstem: %d sources, %d respondents, %d units (%d coded, %d reused), %d codes applied; files %d new, %d changed, %d unchanged, %d removed; %.1fs; reports in %s",
		s.Sources, s.Respondents, s.Units, s.UnitsCoded, s.UnitsReused, s.CodesApplied,
		s.FilesNew, s.FilesChanged, s.FilesUnchanged, s.FilesRemoved, s.Seconds, s.ReportDir)
}

// Run executes the whole pipeline for cfg:
//
//	lock → ingest+privacy (changed files) → store (new files coded on the way)
//	     → coding (units still without a current coding)
//	     → analysis (from the store) → report
//
// A problem in any input stops the run before the store or the reports
// change; old reports stay until new ones replace them.
func Run(ctx context.Context, cfg *config.Config, opts Options) (sum *Summary, err error) {
	opts = opts.withDefaults()
	start := opts.Now()
	sum = &Summary{ReportDir: cfg.Output.Dir, Sources: len(cfg.Sources)}

	lock, err := store.Lock(cfg.Store.Path, opts.Wait, opts.WaitTimeout)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	st, err := store.Open(cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	cb, err := coding.Load(cfg.Codebook)
	if err != nil {
		return nil, err
	}
	coder, err := coding.Compile(cb)
	if err != nil {
		return nil, err
	}
	pz, err := privacy.New(privacy.Options{KeyFile: cfg.Privacy.KeyFile, Names: cfg.Privacy.Names, NamesFile: cfg.Privacy.NamesFile})
	if err != nil {
		return nil, err
	}
	for _, w := range pz.Warnings() {
		opts.Log.Warn(w)
	}
	fingerprint, err := Fingerprint(cfg, opts.Version+"/"+opts.Build)
	if err != nil {
		return nil, err
	}
	runID, err := st.BeginRun(ctx, start, fingerprint, cb.Hash)
	if err != nil {
		return nil, err
	}
	defer func() {
		status := "ok"
		if err != nil {
			status = "failed"
		}
		sum.Seconds = opts.Now().Sub(start).Seconds()
		if ferr := st.FinishRun(context.WithoutCancel(ctx), runID, opts.Now(), status, sum); ferr != nil && err == nil {
			err = ferr
		}
	}()

	// Inputs: check every new or changed file first, so one bad file stops
	// the run before anything is stored; then stream them into the store
	// (files.go).
	full := opts.Full || lastFingerprint(ctx, st) != fingerprint
	plan, err := planFiles(ctx, cfg, st, full)
	if err != nil {
		return sum, err
	}
	if opts.Full {
		// --full recodes everything: drop every coding first (a run killed
		// after this simply recodes again). Before storing, since new files
		// are coded while they are stored.
		if err := st.PruneCodings(ctx, ""); err != nil {
			return sum, err
		}
	}
	fc := &fusedCoder{coder: coder, codebookHash: cb.Hash}
	if err := ingestFiles(ctx, cfg, st, plan, pz, fc, sum, opts); err != nil {
		return sum, err
	}
	sum.UnitsCoded = fc.coded
	checkpoint("stored")

	// Coding: only units the store has no coding for under this codebook.
	if done, err := allCoded(ctx, st, fingerprint, cb.Hash, plan, opts); err != nil {
		return sum, err
	} else if done {
		opts.Log.Info("coded units", "coded", 0, "coded_while_stored", sum.UnitsCoded, "others_coded_by_the_last_run", true)
	} else if err := codeNewUnits(ctx, st, coder, cb.Hash, sum, opts); err != nil {
		return sum, err
	}
	checkpoint("coded")

	// The writing connections' page caches are not needed for the reads
	// that follow; freeing them keeps the peak down on large studies.
	st.ReleaseMemory()

	// Analysis and reports come from the store alone, so a rerun with
	// nothing new gives byte-identical report bodies (reports.go).
	if err := writeReports(ctx, cfg, st, cb, pz, plan, fingerprint, start, sum, opts); err != nil {
		return sum, err
	}
	return sum, nil
}

func (o Options) withDefaults() Options {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Build == "" {
		o.Build = executableHash()
	}
	return o
}

// checkpoint marks a point where the kill test SIGKILLs a run; it is nil
// outside that test.
var checkpointHook func(point string)

func checkpoint(point string) {
	if checkpointHook != nil {
		checkpointHook(point)
	}
}
