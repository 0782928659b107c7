package run

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/veldstem/veldstem/pipeline/store"
)

// maxConflictsShown keeps the error readable when a whole export overlaps.
const maxConflictsShown = 10

// checkConflicts refuses files whose units are already contributed by
// another file, before anything is written: a survey exported twice into
// overlapping files, or two interview sessions mapped to one respondent in
// participants.csv. Letting them through would move units between files
// silently, and a later rerun of either file would move them back.
func checkConflicts(ctx context.Context, st *store.Store, plan *filePlan, read []fileContent) error {
	leaving := map[string]bool{} // files whose stored units this run replaces or removes
	for _, fc := range read {
		leaving[fc.file.source.Name+"\x00"+fc.file.rel] = true
	}
	for _, f := range plan.removed {
		leaving[f.Source+"\x00"+f.Path] = true
	}
	owner := map[string]string{}
	var ids []string
	var problems []string
	for _, fc := range read {
		me := fc.file.source.Name + "\x00" + fc.file.rel
		for _, u := range fc.units {
			if prev, ok := owner[u.ID]; ok && prev != me {
				problems = append(problems, conflict(u.ID, prev, me))
				continue
			}
			owner[u.ID] = me
			ids = append(ids, u.ID)
		}
	}
	stored, err := st.UnitFiles(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if where, ok := stored[id]; ok && where != owner[id] && !leaving[where] {
			problems = append(problems, conflict(id, where, owner[id]))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	more := ""
	if len(problems) > maxConflictsShown {
		more = fmt.Sprintf("\n(and %d more)", len(problems)-maxConflictsShown)
		problems = problems[:maxConflictsShown]
	}
	return fmt.Errorf("%d unit(s) come from two files; nothing was stored — remove the duplicate export, or give each interview session its own respondent in participants.csv:\n%s%s",
		len(problems), strings.Join(problems, "\n"), more)
}

func conflict(id, a, b string) string {
	return fmt.Sprintf("  unit %s is in %s and in %s", id, strings.Replace(a, "\x00", ":", 1), strings.Replace(b, "\x00", ":", 1))
}
