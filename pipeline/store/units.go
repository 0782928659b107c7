package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/veldstem/veldstem/pipeline/study"
)

// unitColumns and scanUnit go together; u is the units table's alias.
const unitColumns = `u.id, u.source, u.file, u.respondent, u.question, u.question_label,
	u.speaker, u.position, u.seq, u.text, u.lang, u.context`

// unitOrder is the one order units are ever returned in. id breaks ties
// between units that share a seq (e.g. the answers of one survey row).
const unitOrder = `ORDER BY u.source, u.file, u.seq, u.id`

func scanUnit(rows *sql.Rows) (study.Unit, error) {
	var u study.Unit
	err := rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.QuestionLabel,
		&u.Speaker, &u.Position, &u.Seq, &u.Text, &u.Lang, &u.Context)
	return u, err
}

// eachUnit runs query and calls fn with every unit it yields. An error from
// fn stops the scan and is returned unwrapped, so callers can match it.
func (s *Store) eachUnit(ctx context.Context, what, query string, fn func(study.Unit) error, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// Units calls fn with every unit, context units included, in order of
// (source, file, seq, id).
func (s *Store) Units(ctx context.Context, fn func(study.Unit) error) error {
	return s.eachUnit(ctx, "read units", `SELECT `+unitColumns+` FROM units u `+unitOrder, fn)
}

// UnitsToCode calls fn, in unit order, with every unit that needs coding under
// codebookHash: units that are not context and have no coding for it, or one
// computed from different content. After a codebook change that is all of
// them. fn may call SaveCodings.
//
// Most runs have nothing or little to code (new files are coded while they
// are stored), so a cheap pass finds the due units first (see dueUnits);
// when they fit in a page, they are read by rowid in the same read
// transaction and the scan of every unit in order is skipped.
//
// Otherwise the units are read a page at a time, each page in a read of its
// own that ends before fn sees its units: one read held open over the whole
// scan kept SQLite from checkpointing the codings written meanwhile, so the
// WAL grew with the corpus and coding 1.9 million units slowed to a crawl.
func (s *Store) UnitsToCode(ctx context.Context, codebookHash string, fn func(study.Unit) error) error {
	if codebookHash == "" {
		return errors.New("store: units to code: empty codebook hash")
	}
	page := toCodePage
	units, found, err := s.fewUnitsToCode(ctx, codebookHash, page)
	if err != nil {
		return fmt.Errorf("store: read units to code: %w", err)
	}
	if found {
		for _, u := range units {
			if err := fn(u); err != nil {
				return err
			}
		}
		return nil
	}
	var after *study.Unit
	for {
		var units []study.Unit
		query := `SELECT ` + unitColumns + ` FROM units u
LEFT JOIN codings c ON c.codebook = (SELECT id FROM codebooks WHERE hash = ?) AND c.unit = u.rowid
WHERE u.context = 0 AND ` + dueCondition
		args := []any{codebookHash}
		if after != nil {
			query += ` AND (u.source, u.file, u.seq, u.id) > (?, ?, ?, ?)`
			args = append(args, after.Source, after.File, after.Seq, after.ID)
		}
		query += "\n" + unitOrder + fmt.Sprintf(" LIMIT %d", page)
		if err := s.eachUnit(ctx, "read units to code", query, func(u study.Unit) error {
			units = append(units, u)
			return nil
		}, args...); err != nil {
			return err
		}
		for _, u := range units {
			if err := fn(u); err != nil {
				return err
			}
		}
		if len(units) < page {
			return nil
		}
		last := units[len(units)-1]
		after = &last
	}
}

// dueCondition is true for a unit u, joined to its coding c (LEFT JOIN), that
// needs coding.
const dueCondition = `(c.unit IS NULL OR c.unit_hash <> ` + hashPrefix + `)`

// dueUnits lists, as (rowid, hash prefix), the non-context units without
// a coding under the codebook (the query's one parameter) that has their
// hash prefix, in rowid order. It is a merge of two sequential reads, the
// units table and the codebook's range of codings, which are both in
// rowid order: at 384,000 units about half the cost of the per-unit look-up
// of the coding that the in-order scan does, and without the units_in_order
// index. It holds every unit the scan finds, and only those but for units
// whose hash is not hex (the scan, comparing with NULL, never finds those).
const dueUnits = `SELECT u.rowid, ` + hashPrefix + ` FROM units u WHERE u.context = 0
EXCEPT
SELECT unit, unit_hash FROM codings WHERE codebook = (SELECT id FROM codebooks WHERE hash = ?)
ORDER BY 1, 2`

// fewUnitsToCode returns the units to code, in unit order, with found true
// when there are at most limit of them (none included), and found false
// without reading any unit when there may be more. Both reads share one
// snapshot, and the second applies the scan's own condition, so the units
// are exactly those the scan would find.
func (s *Store) fewUnitsToCode(ctx context.Context, codebookHash string, limit int) (units []study.Unit, found bool, err error) {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return nil, false, err
	}
	defer release()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, dueUnits+` LIMIT ?`, codebookHash, limit+1)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	rowids := make([]byte, 0, 64)
	rowids = append(rowids, '[')
	n := 0
	for rows.Next() {
		var rowid int64
		var prefix sql.RawBytes
		if err := rows.Scan(&rowid, &prefix); err != nil {
			return nil, false, err
		}
		if n++; n > limit {
			return nil, false, nil
		}
		if n > 1 {
			rowids = append(rowids, ',')
		}
		rowids = strconv.AppendInt(rowids, rowid, 10)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	rows.Close()
	if n == 0 {
		return nil, true, nil
	}
	rowids = append(rowids, ']')
	rows, err = tx.QueryContext(ctx, `SELECT `+unitColumns+` FROM units u
LEFT JOIN codings c ON c.codebook = (SELECT id FROM codebooks WHERE hash = ?) AND c.unit = u.rowid
WHERE u.rowid IN (SELECT value FROM json_each(?)) AND u.context = 0 AND `+dueCondition+`
`+unitOrder, codebookHash, string(rowids))
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, false, err
		}
		units = append(units, u)
	}
	return units, true, rows.Err()
}

// toCodePage is how many units UnitsToCode reads at a time.
var toCodePage = 4096

// Respondents calls fn with every respondent in order of (source, id).
func (s *Store) Respondents(ctx context.Context, fn func(study.Respondent) error) error {
	return s.respondents(ctx, `
SELECT source, id, file, wave, weight, attributes, likert, closed FROM respondents ORDER BY source, id`, true, fn)
}

// RespondentFacts calls fn with every respondent as the analysis needs
// it: in the order they were stored, and without their closed answers
// (Closed is nil). The analysis keys respondents itself; reading the table
// straight instead of through its (source, id) index, and leaving out the
// largest JSON column, made the 200k read about a third cheaper
// (BenchmarkRespondents).
func (s *Store) RespondentFacts(ctx context.Context, fn func(study.Respondent) error) error {
	return s.respondents(ctx, respondentFacts, false, fn)
}

// respondentFacts selects the respondents as RespondentFacts reads them.
const respondentFacts = `
SELECT source, id, file, wave, weight, attributes, likert, '' FROM respondents`

// RespondentFactsIn is RespondentFacts for the respondents of the given
// files only (a respondent belongs to one file), file by file, each in the
// order stored. A rerun reads its new files' respondents this way and
// keeps the others' from the last run (run's facts cache).
func (s *Store) RespondentFactsIn(ctx context.Context, files []FileKey, fn func(study.Respondent) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read respondents: %w", err)
	}
	defer release()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: read respondents: %w", err)
	}
	defer tx.Rollback()
	for _, f := range files {
		rows, err := tx.QueryContext(ctx, respondentFacts+` WHERE source = ? AND file = ?`, f.Source, f.Path)
		if err != nil {
			return fmt.Errorf("store: read respondents: %w", err)
		}
		if err := scanRespondents(rows, false, fn); err != nil {
			return err
		}
	}
	return nil
}

// respondents streams on a scan connection: a national survey's
// respondents are ~150 MB of pages, which on a pooled connection filled its
// 64 MB cache, outside the Go heap, for the rest of the run.
func (s *Store) respondents(ctx context.Context, query string, closed bool, fn func(study.Respondent) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read respondents: %w", err)
	}
	defer release()
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("store: read respondents: %w", err)
	}
	return scanRespondents(rows, closed, fn)
}

// scanRespondents calls fn with each row of rows, and closes them.
func scanRespondents(rows *sql.Rows, closed bool, fn func(study.Respondent) error) error {
	defer rows.Close()
	for rows.Next() {
		var r study.Respondent
		// Strings, not bytes: the driver hands TEXT over as a string, which
		// Scan then passes on as it is, and the maps share its memory.
		var attrs, likert, closedJSON string
		if err := rows.Scan(&r.Source, &r.ID, &r.File, &r.Wave, &r.Weight, &attrs, &likert, &closedJSON); err != nil {
			return fmt.Errorf("store: read respondents: %w", err)
		}
		var errA, errL, errC error
		r.Attributes, errA = decodeStringMap(attrs)
		r.Likert, errL = decodeIntMap(likert)
		if closed {
			r.Closed, errC = decodeStringMap(closedJSON)
		}
		if err := errors.Join(errA, errL, errC); err != nil {
			return fmt.Errorf("store: read respondent %s/%s: %w", r.Source, r.ID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read respondents: %w", err)
	}
	return nil
}
