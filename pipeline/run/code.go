package run

import (
	"context"
	"errors"

	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// codeBatch is how many units are coded and stored together: large enough
// to keep both cores busy and amortise a transaction, small enough to keep
// memory flat on national surveys.
var codeBatch = 4096

// codeNewUnits codes every unit the store has no current coding for, in
// batches, and stores the codings.
//
// Three stages overlap: the store's scan of units to code (this goroutine)
// fills batches, a coder codes one batch on every core (CodeAll) and a
// saver writes the previous batch's codings. At most three batches are in
// memory at once, whatever the corpus size. The store allows writes while
// its scan is open (the scan reads a snapshot; WAL lets the reader and the
// writer proceed together). Codings are a pure function of each unit, so
// the stored result does not depend on how the stages interleave.
//
// Units of files new to the store were coded while they were stored
// (storeFiles), so after a first import this finds nothing to code.
func codeNewUnits(ctx context.Context, st *store.Store, coder *coding.Coder, codebookHash string, sum *Summary, opts Options) error {
	var lookup func(study.Unit) *study.Respondent
	if coder.UsesRespondents() {
		respondents := map[string]*study.Respondent{}
		if err := st.Respondents(ctx, func(r study.Respondent) error {
			respondents[r.Source+"\x00"+r.ID] = &r
			return nil
		}); err != nil {
			return err
		}
		lookup = func(u study.Unit) *study.Respondent { return respondents[u.Source+"\x00"+u.Respondent] }
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	toCode := make(chan []study.Unit, 1)
	toSave := make(chan []study.Coding, 1)
	coderDone, saverDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(coderDone)
		defer close(toSave)
		for batch := range toCode {
			select {
			case toSave <- coder.CodeAll(batch, lookup):
			case <-ctx.Done():
				return
			}
		}
	}()
	bar := opts.Progress.Start("coding units", 0)
	defer bar.Done()
	coded := 0
	go func() {
		defer close(saverDone)
		for codings := range toSave {
			if err := st.SaveCodings(ctx, codebookHash, codings); err != nil {
				cancel(err)
				return
			}
			coded += len(codings)
			bar.Add(len(codings))
			checkpoint("coding-batch")
		}
	}()

	var batch []study.Unit
	send := func() error {
		select {
		case toCode <- batch:
			batch = make([]study.Unit, 0, codeBatch)
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	scanErr := st.UnitsToCode(ctx, codebookHash, func(u study.Unit) error {
		batch = append(batch, u)
		if len(batch) < codeBatch {
			return nil
		}
		return send()
	})
	if scanErr == nil && len(batch) > 0 {
		scanErr = send()
	}
	close(toCode)
	<-coderDone
	// Drain what the coder produced if it stopped early, so the saver ends.
	<-saverDone
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err // the saver's error explains a scan stopped by it
	}
	if scanErr != nil {
		return scanErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	sum.UnitsCoded += coded
	if err := st.PruneCodings(ctx, codebookHash); err != nil {
		return err
	}
	opts.Log.Info("coded units", "coded", coded, "coded_while_stored", sum.UnitsCoded-coded)
	return nil
}

// allCoded reports whether every stored unit surely has a coding under
// codebookHash, without asking the store: the last run finished with this
// codebook and fingerprint, so every unit it left had one, and this run
// stored only files new to the store, whose units were coded while they
// were stored (fusedCoder). Proving it from the store is a pass over every
// unit (UnitsToCode), 0.2 s of a rerun at 200,000 responses and 1.4 s at a
// million. Anything else (a changed file, a failed or killed last run,
// another codebook or fingerprint, --full) leaves it to the store.
func allCoded(ctx context.Context, st *store.Store, fingerprint, codebookHash string, plan *filePlan, opts Options) (bool, error) {
	if opts.Full {
		return false, nil
	}
	for _, f := range plan.toRead {
		if f.known {
			return false, nil
		}
	}
	runs, err := st.Runs(ctx, 2) // this run, then the last one
	if err != nil || len(runs) < 2 {
		return false, err
	}
	last := runs[1]
	return last.Status == store.StatusOK && last.CodebookHash == codebookHash && last.ConfigHash == fingerprint, nil
}
