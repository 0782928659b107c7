package run

import (
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
//
// The IDs are in claims (store.Claims), collected while checkFiles read the
// files, so they are never all in memory.
func checkConflicts(claims *store.Claims) error {
	found, err := claims.Conflicts()
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	problems := make([]string, len(found))
	for i, c := range found {
		problems[i] = conflict(c.ID, c.First, c.Second)
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

func conflict(id string, a, b store.FileKey) string {
	return fmt.Sprintf("  unit %s is in %s:%s and in %s:%s", id, a.Source, a.Path, b.Source, b.Path)
}
