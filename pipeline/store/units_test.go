package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// dueByScan is what UnitsToCode gave before it looked for the due units
// first: the scan of every unit in order, as one query.
func dueByScan(t *testing.T, s *Store, codebookHash string) []string {
	t.Helper()
	var ids []string
	err := s.eachUnit(context.Background(), "oracle", `SELECT `+unitColumns+` FROM units u
LEFT JOIN codings c ON c.codebook = (SELECT id FROM codebooks WHERE hash = ?) AND c.unit = u.rowid
WHERE u.context = 0 AND `+dueCondition+` `+unitOrder, func(u study.Unit) error {
		ids = append(ids, u.ID)
		return nil
	}, codebookHash)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestUnitsToCodeFindsExactlyTheDueUnits checks UnitsToCode, with pages so
// small that the due units do and do not fit in one, against the scan of
// every unit, in states where a shortcut could go wrong: a changed unit
// whose stale coding keeps the counts equal, a coding deleted, units
// turning context and back, hashes that are not hex, a new codebook.
func TestUnitsToCodeFindsExactlyTheDueUnits(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	// Stored in an order unlike unit order, so rowid order is not it.
	b := newSurvey("z-interviews", "b.vtt", 4)
	a := newSurvey("a-enquete", "a.csv", 6)
	slices.Reverse(a.units)
	a.units[5].Context = true
	b.store(t, s)
	a.store(t, s)
	var all []study.Unit
	for _, sv := range []*survey{a, b} {
		for _, u := range sv.units {
			if !u.Context {
				all = append(all, u)
			}
		}
	}

	check := func(name string, want []string) {
		t.Helper()
		oracle := dueByScan(t, s, "cb")
		if want != nil && !slices.Equal(oracle, want) {
			t.Fatalf("%s: the scan finds %v, the test expects %v", name, oracle, want)
		}
		for _, page := range []int{1, 2, 3, len(oracle), 4096} {
			if page == 0 {
				continue
			}
			old := toCodePage
			toCodePage = page
			got := toCode(t, s, "cb")
			toCodePage = old
			if !slices.Equal(got, oracle) {
				t.Errorf("%s, pages of %d: UnitsToCode = %v, want %v", name, page, got, oracle)
			}
		}
	}
	ids := func(us ...study.Unit) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.ID)
		}
		slices.Sort(out) // unit order, for these IDs
		return out
	}
	rowid := func(id string) int64 {
		t.Helper()
		var r int64
		if err := s.db.QueryRow(`SELECT rowid FROM units WHERE id = ?`, id).Scan(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}

	check("nothing coded", ids(all...))
	if err := s.SaveCodings(ctx, "cb", codingsFor(all)); err != nil {
		t.Fatal(err)
	}
	check("everything coded", []string{})

	// FileTx drops the coding of a unit whose content changes.
	changed := a.units[2]
	a.units[2].Text += " (gecorrigeerd)"
	a.store(t, s)
	check("a changed unit", ids(changed))
	if err := s.SaveCodings(ctx, "cb", codingsFor(a.units[2:3])); err != nil {
		t.Fatal(err)
	}
	check("everything coded again", []string{})

	// A coding for every unit, one of them stale (as a store written
	// before FileTx dropped them may hold): the counts match.
	exec(`UPDATE units SET hash = ? WHERE id = ?`, strings.Repeat("ab", 32), b.units[1].ID)
	check("a stale coding", ids(b.units[1]))

	exec(`DELETE FROM codings WHERE unit = ?`, rowid(b.units[3].ID))
	check("a deleted coding", ids(b.units[1], b.units[3]))

	// A coded unit turns context (its coding stays), the context unit
	// turns into one to code.
	a.units[0].Context, a.units[5].Context = true, false
	a.store(t, s)
	check("context changes", ids(b.units[1], b.units[3], a.units[5]))

	// A hash that is not hex: with a coding the scan never finds the unit
	// (its prefix is NULL); without one it does.
	exec(`UPDATE units SET hash = 'not hex' WHERE id IN (?, ?)`, a.units[1].ID, a.units[2].ID)
	check("coded units whose hash is not hex", ids(b.units[1], b.units[3], a.units[5]))
	exec(`UPDATE units SET hash = 'not hex' WHERE id = ?`, a.units[3].ID)
	exec(`DELETE FROM codings WHERE unit = ?`, rowid(a.units[3].ID))
	check("an uncoded unit whose hash is not hex", ids(b.units[1], b.units[3], a.units[5], a.units[3]))

	if err := s.PruneCodings(ctx, "other"); err != nil {
		t.Fatal(err)
	}
	check("a new codebook", nil)
}

// TestDueUnitsIsAMerge guards the cost of the first look for units to
// code: both sides read in rowid order and merged, with no temporary
// b-tree to sort or look up.
func TestDueUnitsIsAMerge(t *testing.T) {
	s, _ := openTemp(t)
	newSurvey("e", "a.csv", 3).store(t, s)
	rows, err := s.db.Query(`EXPLAIN QUERY PLAN `+dueUnits+` LIMIT 10`, "cb")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "MERGE (EXCEPT)") || !slices.Contains(plan, "SCAN u") || strings.Contains(text, "TEMP B-TREE") {
		t.Errorf("plan:\n%s\nwant a merge of a scan of units and a range of codings", text)
	}
}
