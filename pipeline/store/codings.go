package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/veldstem/veldstem/pipeline/study"
)

// storedMatch is a Match as stored: short keys because a national survey
// holds millions of matches, and the JSON stays readable in the sqlite shell.
type storedMatch struct {
	Code    string `json:"c"`
	Term    string `json:"t"`
	Start   int    `json:"s"`
	End     int    `json:"e"`
	Negated bool   `json:"n,omitempty"`
}

func encodeMatches(ms []study.Match) ([]byte, error) {
	if ms == nil {
		return []byte("null"), nil
	}
	out := make([]storedMatch, len(ms))
	for i, m := range ms {
		out[i] = storedMatch{m.Code, m.Term, m.Span.Start, m.Span.End, m.Negated}
	}
	return json.Marshal(out)
}

func decodeMatches(b []byte) ([]study.Match, error) {
	var in []storedMatch
	if err := json.Unmarshal(b, &in); err != nil || in == nil {
		return nil, err
	}
	ms := make([]study.Match, len(in))
	for i, m := range in {
		ms[i] = study.Match{Code: m.Code, Term: m.Term, Span: study.Span{Start: m.Start, End: m.End}, Negated: m.Negated}
	}
	return ms, nil
}

// SaveCodings stores codings computed under codebookHash, replacing earlier
// ones for the same units, in one transaction. Each coding is recorded
// against the unit's current content hash, so it goes stale by itself when
// ReplaceFile later changes the unit. A coding for a unit the store does not
// hold fails the whole call: it means the caller coded something it did not
// get from UnitsToCode.
func (s *Store) SaveCodings(ctx context.Context, codebookHash string, codings []study.Coding) error {
	if codebookHash == "" {
		return errors.New("store: save codings: empty codebook hash")
	}
	if len(codings) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	defer tx.Rollback()
	// Taking unit_hash from the units row inside the statement saves a
	// lookup round trip and cannot record a hash the unit does not have.
	// "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
	upsert := newBatch(ctx, tx, `(?, ?, ?)`, func(rows string) string {
		return `
INSERT INTO codings (unit_id, codebook_hash, unit_hash, codes, matches)
SELECT u.id, ` + sqlQuote(codebookHash) + `, u.hash, v.column2, v.column3
FROM (VALUES ` + rows + `) AS v JOIN units u ON u.id = v.column1
WHERE true
ON CONFLICT (unit_id, codebook_hash) DO UPDATE SET
	unit_hash = excluded.unit_hash, codes = excluded.codes, matches = excluded.matches`
	})
	defer upsert.flush()
	upsert.after = func(res sql.Result, rows int, args []any) error {
		n, err := res.RowsAffected()
		if err != nil || int(n) == rows {
			return err
		}
		for i := 0; i < len(args); i += 3 {
			id := args[i].(string)
			var found bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE id = ?)`, id).Scan(&found); err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("unit %q: no such unit in the store; nothing of this batch was saved", id)
			}
		}
		return fmt.Errorf("%d of %d codings matched no unit", rows-int(n), rows)
	}
	for _, c := range codings {
		codes, err := json.Marshal(c.Codes)
		if err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		}
		matches, err := encodeMatches(c.Matches)
		if err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		}
		if err := upsert.add(c.UnitID, string(codes), string(matches)); err != nil {
			return fmt.Errorf("store: save codings: %w", err)
		}
	}
	if err := upsert.flush(); err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	return nil
}

// Codings calls fn, in unit order, with every current coding under
// codebookHash. Stale codings (computed from content the unit no longer has)
// are left out, so analysis never counts a verdict on text that changed.
func (s *Store) Codings(ctx context.Context, codebookHash string, fn func(study.Coding) error) error {
	rows, err := s.db.QueryContext(ctx, `
SELECT u.id, c.codes, c.matches FROM units u
JOIN codings c ON c.unit_id = u.id AND c.codebook_hash = ? AND c.unit_hash = u.hash
`+unitOrder, codebookHash)
	if err != nil {
		return fmt.Errorf("store: read codings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c study.Coding
		var codes, matches []byte
		if err := rows.Scan(&c.UnitID, &codes, &matches); err != nil {
			return fmt.Errorf("store: read codings: %w", err)
		}
		if err := json.Unmarshal(codes, &c.Codes); err != nil {
			return fmt.Errorf("store: read coding of unit %q: %w", c.UnitID, err)
		}
		if c.Matches, err = decodeMatches(matches); err != nil {
			return fmt.Errorf("store: read coding of unit %q: %w", c.UnitID, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read codings: %w", err)
	}
	return nil
}

// PruneCodings deletes the codings of every codebook but keepCodebookHash,
// which otherwise accumulate with each codebook edit.
func (s *Store) PruneCodings(ctx context.Context, keepCodebookHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM codings WHERE codebook_hash <> ?`, keepCodebookHash); err != nil {
		return fmt.Errorf("store: prune codings: %w", err)
	}
	return nil
}

// sqlQuote makes s an SQL string literal. Used for the codebook hash, which
// is the same for every row of a batch, so it does not take a parameter in
// each of them.
func sqlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
