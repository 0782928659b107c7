package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	// Taking unit_hash from the units row inside the same statement saves a
	// lookup round trip and cannot record a hash the unit does not have.
	upsert, err := tx.PrepareContext(ctx, `
INSERT INTO codings (unit_id, codebook_hash, unit_hash, codes, matches)
SELECT id, ?, hash, ?, ? FROM units WHERE id = ?
ON CONFLICT (unit_id, codebook_hash) DO UPDATE SET
	unit_hash = excluded.unit_hash, codes = excluded.codes, matches = excluded.matches`)
	if err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	defer upsert.Close()
	for _, c := range codings {
		codes, err := json.Marshal(c.Codes)
		if err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		}
		matches, err := encodeMatches(c.Matches)
		if err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		}
		res, err := upsert.ExecContext(ctx, codebookHash, codes, matches, c.UnitID)
		if err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: save coding of unit %q: %w", c.UnitID, err)
		} else if n == 0 {
			return fmt.Errorf("store: save coding of unit %q: no such unit in the store; nothing of this batch was saved", c.UnitID)
		}
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
