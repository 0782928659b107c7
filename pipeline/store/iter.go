package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Streaming reads for the analysis and report stages: a national survey's
// units, texts and matches do not fit comfortably in memory, so those stages
// read them one unit at a time, in unit order, as often as they need.

// scanCacheKB is the page cache of a connection while it streams: a scan
// reads each page once, so a small cache serves it as well as the 64 MB
// one (see Open) that writes need, and the report stage runs up to four
// scans at once.
const scanCacheKB = 4096

// scanConn takes a connection from the pool with a small page cache for a
// streaming read; release gives its cache size back (freeing the pages
// above the small size on the way) and returns it to the pool.
func (s *Store) scanConn(ctx context.Context) (*sql.Conn, func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var size int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&size); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, scanCacheKB)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	release := func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, size))
		conn.Close()
	}
	return conn, release, nil
}

const codingJoin = ` FROM units u
LEFT JOIN codings c ON c.codebook = ? AND c.unit = u.rowid AND c.unit_hash = ` + hashPrefix

const unitsWithCodings = `SELECT ` + unitColumns + `, c.coding` + codingJoin

// leanUnitColumns are the unit's columns the reports and the analysis read
// on their scan of every unit; each column costs the driver a lock and a
// copy per row.
const leanUnitColumns = `u.id, u.source, u.file, u.respondent, u.question, u.speaker, u.seq, u.text, u.context`

// UnitsWithCodings calls fn with every unit, context units included, in
// order of (source, file, seq, id), and its current coding under
// codebookHash, or nil when it has none (context units, units not coded yet,
// codings computed from content the unit no longer has). fn must not keep
// the coding pointer beyond the call. An error from fn stops the scan and is
// returned unwrapped.
func (s *Store) UnitsWithCodings(ctx context.Context, codebookHash string, fn func(study.Unit, *study.Coding) error) error {
	return s.scanCoded(ctx, codebookHash, unitsWithCodings+` `+unitOrder, scanUnitsWithCodings, fn)
}

// UnitsForReports is UnitsWithCodings without the three fields no report
// or table shows (QuestionLabel, Position and Lang are left empty): at
// 200,000 responses the scan, which a rerun's report stage waits for, took
// 1.3-1.4 s with every column and 1.15 s with these.
func (s *Store) UnitsForReports(ctx context.Context, codebookHash string, fn func(study.Unit, *study.Coding) error) error {
	return s.scanCoded(ctx, codebookHash, `SELECT `+leanUnitColumns+`, c.coding`+codingJoin+` `+unitOrder, scanLeanUnitsWithCodings, fn)
}

// UnitsForReportsIn is UnitsForReports for the units of the given files
// only, in unit order (files in (source, path) order, whatever the order
// given; a file the store does not hold is skipped). A rerun reads the
// units of its new files this way, with one index range per file, rather
// than every unit of a national survey.
func (s *Store) UnitsForReportsIn(ctx context.Context, codebookHash string, files []FileKey,
	fn func(study.Unit, *study.Coding) error) error {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b FileKey) int {
		return cmp.Or(strings.Compare(a.Source, b.Source), strings.Compare(a.Path, b.Path))
	})
	files = slices.Compact(files)
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read units with codings: %w", err)
	}
	defer release()
	query := `SELECT ` + leanUnitColumns + `, c.coding` + codingJoin + ` WHERE u.source = ? AND u.file = ? ` + unitOrder
	var fnErr error
	err = readCodings(ctx, conn.BeginTx, codebookHash, func(tx *sql.Tx, cb int64, t terms) error {
		for _, f := range files {
			rows, err := tx.QueryContext(ctx, query, cb, f.Source, f.Path)
			if err != nil {
				return err
			}
			if fnErr, err = scanLeanUnitsWithCodings(rows, t, fn); fnErr != nil || err != nil {
				return err
			}
		}
		return nil
	})
	return scanResult("read units with codings", fnErr, err)
}

// scanCoded runs query, which selects units with their codings under the
// codebook given as its one parameter, on a scan connection and hands its
// rows to scan.
func (s *Store) scanCoded(ctx context.Context, codebookHash, query string,
	scan func(*sql.Rows, terms, func(study.Unit, *study.Coding) error) (error, error),
	fn func(study.Unit, *study.Coding) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read units with codings: %w", err)
	}
	defer release()
	var fnErr error
	err = readCodings(ctx, conn.BeginTx, codebookHash, func(tx *sql.Tx, cb int64, t terms) error {
		rows, err := tx.QueryContext(ctx, query, cb)
		if err != nil {
			return err
		}
		fnErr, err = scan(rows, t, fn)
		return err
	})
	return scanResult("read units with codings", fnErr, err)
}

// scanResult is what a scan returns: fn's error unwrapped, or the store's
// wrapped.
func scanResult(what string, fnErr, err error) error {
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// UnitsByID is UnitsWithCodings for the units with the given IDs only (IDs
// the store does not hold are skipped), in unit order within batches of
// IDs; callers that need an order look units up by ID.
func (s *Store) UnitsByID(ctx context.Context, codebookHash string, ids []string, fn func(study.Unit, *study.Coding) error) error {
	const batch = 500
	if len(ids) == 0 {
		return nil
	}
	var fnErr error
	err := readCodings(ctx, s.db.BeginTx, codebookHash, func(tx *sql.Tx, cb int64, t terms) error {
		for len(ids) > 0 {
			n := min(len(ids), batch)
			args := make([]any, 0, n+1)
			args = append(args, cb)
			for _, id := range ids[:n] {
				args = append(args, id)
			}
			q := unitsWithCodings + ` WHERE u.id IN (?` + strings.Repeat(`, ?`, n-1) + `) ` + unitOrder
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			if fnErr, err = scanUnitsWithCodings(rows, t, fn); fnErr != nil || err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
	return scanResult("read units by id", fnErr, err)
}

// scanUnitsWithCodings calls fn with each row of a unitsWithCodings query
// and closes rows. It returns fn's error apart from its own.
func scanUnitsWithCodings(rows *sql.Rows, t terms, fn func(study.Unit, *study.Coding) error) (fnErr, err error) {
	return scanCodedUnits(rows, t, fn, func(u *study.Unit, blob *sql.RawBytes) error {
		return rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.QuestionLabel,
			&u.Speaker, &u.Position, &u.Seq, &u.Text, &u.Lang, &u.Context, blob)
	})
}

// scanLeanUnitsWithCodings is scanUnitsWithCodings for leanUnitColumns.
func scanLeanUnitsWithCodings(rows *sql.Rows, t terms, fn func(study.Unit, *study.Coding) error) (fnErr, err error) {
	return scanCodedUnits(rows, t, fn, func(u *study.Unit, blob *sql.RawBytes) error {
		return rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.Speaker, &u.Seq, &u.Text, &u.Context, blob)
	})
}

// scanCodedUnits calls fn with each row, read by scan, and closes rows.
func scanCodedUnits(rows *sql.Rows, t terms, fn func(study.Unit, *study.Coding) error,
	scan func(*study.Unit, *sql.RawBytes) error) (fnErr, err error) {
	defer rows.Close()
	var c study.Coding
	var sl slab
	for rows.Next() {
		var u study.Unit
		var blob sql.RawBytes
		if err := scan(&u, &blob); err != nil {
			return nil, err
		}
		var cp *study.Coding
		if blob != nil {
			c = study.Coding{UnitID: u.ID}
			if err := t.decodeFrom(blob, &c, true, &sl); err != nil {
				return nil, fmt.Errorf("coding of unit %q: %w", u.ID, err)
			}
			cp = &c
		}
		if err := fn(u, cp); err != nil {
			return err, nil
		}
	}
	return nil, rows.Err()
}

// UnitsWithCodes is UnitsWithCodings without texts and matches (Unit.Text is
// empty, codes nil without a current coding): for tables with a row per unit
// and a column per code, which need neither and are written from a national
// survey's whole store.
func (s *Store) UnitsWithCodes(ctx context.Context, codebookHash string, fn func(study.Unit, []string) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read units with codes: %w", err)
	}
	defer release()
	var fnErr error
	err = readCodings(ctx, conn.BeginTx, codebookHash, func(tx *sql.Tx, cb int64, t terms) error {
		rows, err := tx.QueryContext(ctx, `SELECT u.id, u.source, u.file, u.respondent, u.question, u.question_label,
	u.speaker, u.position, u.seq, u.lang, u.context, c.coding FROM units u
LEFT JOIN codings c ON c.codebook = ? AND c.unit = u.rowid AND c.unit_hash = `+hashPrefix+` `+unitOrder, cb)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u study.Unit
			var blob sql.RawBytes
			if err := rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.QuestionLabel,
				&u.Speaker, &u.Position, &u.Seq, &u.Lang, &u.Context, &blob); err != nil {
				return err
			}
			var c study.Coding
			if blob != nil {
				// Codes come first in the blob, so the matches are not
				// even read.
				if err := t.decode(blob, &c, false); err != nil {
					return fmt.Errorf("coding of unit %q: %w", u.ID, err)
				}
			}
			if fnErr = fn(u, c.Codes); fnErr != nil {
				return fnErr
			}
		}
		return rows.Err()
	})
	return scanResult("read units with codes", fnErr, err)
}
