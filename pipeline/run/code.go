package run

import (
	"context"

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
func codeNewUnits(ctx context.Context, st *store.Store, coder *coding.Coder, codebookHash string, sum *Summary, opts Options) error {
	respondents := map[string]*study.Respondent{}
	if err := st.Respondents(ctx, func(r study.Respondent) error {
		respondents[r.Source+"\x00"+r.ID] = &r
		return nil
	}); err != nil {
		return err
	}
	if opts.Full {
		// --full recodes everything: drop every coding first (a run killed
		// after this simply recodes again).
		if err := st.PruneCodings(ctx, ""); err != nil {
			return err
		}
	}
	lookup := func(u study.Unit) *study.Respondent { return respondents[u.Source+"\x00"+u.Respondent] }

	// UnitsToCode streams from a read query; coding and saving happen after
	// it finishes so the read never overlaps a write transaction.
	var pending []study.Unit
	if err := st.UnitsToCode(ctx, codebookHash, func(u study.Unit) error {
		pending = append(pending, u)
		return nil
	}); err != nil {
		return err
	}
	bar := opts.Progress.Start("coding units", len(pending))
	defer bar.Done()
	for start := 0; start < len(pending); start += codeBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+codeBatch, len(pending))
		codings := coder.CodeAll(pending[start:end], lookup)
		if err := st.SaveCodings(ctx, codebookHash, codings); err != nil {
			return err
		}
		bar.Add(end - start)
		checkpoint("coding-batch")
	}
	sum.UnitsCoded = len(pending)
	if err := st.PruneCodings(ctx, codebookHash); err != nil {
		return err
	}
	opts.Log.Info("coded units", "coded", len(pending))
	return nil
}
