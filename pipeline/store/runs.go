package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Run statuses.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
)

// Run is one pipeline run as recorded in the store.
type Run struct {
	ID int64
	// Started and Finished are RFC 3339 times in UTC; Finished is empty while
	// the run is running.
	Started, Finished string
	// Status is StatusRunning, StatusOK or StatusFailed.
	Status string
	// ConfigHash and CodebookHash identify the inputs the run used.
	ConfigHash, CodebookHash string
	// Summary is what FinishRun was given, as JSON; nil while running.
	Summary json.RawMessage
}

// BeginRun records the start of a run and returns its id. Files replaced on
// this handle afterwards record the id as the run they were seen in.
//
// Call it while holding Lock: any run still marked running is one that died
// without finishing (only the lock holder can be running), so it is marked
// failed with a summary that says so.
func (s *Store) BeginRun(ctx context.Context, started time.Time, configHash, codebookHash string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: begin run: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `
UPDATE runs SET status = 'failed', summary = '{"error":"interrupted: the run ended without recording its outcome"}'
WHERE status = 'running'`); err != nil {
		return 0, fmt.Errorf("store: begin run: %w", err)
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO runs (started, status, config_hash, codebook_hash) VALUES (?, 'running', ?, ?)`,
		formatTime(started), configHash, codebookHash)
	if err != nil {
		return 0, fmt.Errorf("store: begin run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store: begin run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: begin run: %w", err)
	}
	s.mu.Lock()
	s.run = id
	s.mu.Unlock()
	return id, nil
}

// FinishRun records the outcome of run id: status is StatusOK or
// StatusFailed, and summary is stored as compact JSON. A run can be finished
// once; finishing it again is an error so a deferred "failed" cannot
// overwrite an "ok".
func (s *Store) FinishRun(ctx context.Context, id int64, finished time.Time, status string, summary any) error {
	if status != StatusOK && status != StatusFailed {
		return fmt.Errorf("store: finish run %d: status %q, want %q or %q", id, status, StatusOK, StatusFailed)
	}
	js, err := json.Marshal(summary)
	if err != nil {
		return fmt.Errorf("store: finish run %d: encode summary: %w", id, err)
	}
	res, err := s.db.ExecContext(ctx, `
UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ? AND status = 'running'`,
		formatTime(finished), status, string(js), id)
	if err != nil {
		return fmt.Errorf("store: finish run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: finish run %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: finish run %d: no such run is running", id)
	}
	return nil
}

// Runs returns the most recent runs, newest first; limit <= 0 returns all.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `
SELECT id, started, finished, status, config_hash, codebook_hash, summary FROM runs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var r Run
		var summary sql.NullString
		if err := rows.Scan(&r.ID, &r.Started, &r.Finished, &r.Status, &r.ConfigHash, &r.CodebookHash, &summary); err != nil {
			return nil, fmt.Errorf("store: read runs: %w", err)
		}
		if summary.Valid {
			r.Summary = json.RawMessage(summary.String)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read runs: %w", err)
	}
	return runs, nil
}

func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// Status is an overview of what the store holds, for `veldstem status`.
type Status struct {
	// Sources are ordered by name.
	Sources []SourceStatus

	// Files, Respondents and Units are totals over all sources.
	Files, Respondents, Units int
	// ContextUnits are interviewer turns, stored but never coded.
	ContextUnits int
	// CodedUnits have a current coding under the codebook Status was asked
	// about; Units - ContextUnits - CodedUnits still need coding.
	CodedUnits int
	// LastRuns are the latest runs, newest first.
	LastRuns []Run
}

// SourceStatus counts what one source contributed.
type SourceStatus struct {
	Source                    string
	Files, Respondents, Units int
}

// statusRuns is how many runs Status reports.
const statusRuns = 5

// Status summarises the store, counting codings under codebookHash.
func (s *Store) Status(ctx context.Context, codebookHash string) (*Status, error) {
	st := &Status{}
	bySource := map[string]*SourceStatus{}
	source := func(name string) *SourceStatus {
		if bySource[name] == nil {
			bySource[name] = &SourceStatus{Source: name}
		}
		return bySource[name]
	}
	counts := []struct {
		query string
		set   func(ss *SourceStatus, n int)
	}{
		{`SELECT source, COUNT(*) FROM files GROUP BY source`, func(ss *SourceStatus, n int) { ss.Files = n }},
		{`SELECT source, COUNT(*) FROM respondents GROUP BY source`, func(ss *SourceStatus, n int) { ss.Respondents = n }},
		{`SELECT source, COUNT(*) FROM units GROUP BY source`, func(ss *SourceStatus, n int) { ss.Units = n }},
	}
	// One read transaction so the counts agree with each other even while
	// another handle writes.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: status: %w", err)
	}
	defer tx.Rollback()
	for _, c := range counts {
		if err := func() error {
			rows, err := tx.QueryContext(ctx, c.query)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				var n int
				if err := rows.Scan(&name, &n); err != nil {
					return err
				}
				c.set(source(name), n)
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("store: status: %w", err)
		}
	}
	if err := errors.Join(
		tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM units WHERE context <> 0`).Scan(&st.ContextUnits),
		tx.QueryRowContext(ctx, `
SELECT COUNT(*) FROM units u
JOIN codings c ON c.codebook = (SELECT id FROM codebooks WHERE hash = ?) AND c.unit = u.rowid AND c.unit_hash = `+hashPrefix+`
WHERE u.context = 0`, codebookHash).Scan(&st.CodedUnits),
	); err != nil {
		return nil, fmt.Errorf("store: status: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: status: %w", err)
	}
	for _, ss := range bySource {
		st.Sources = append(st.Sources, *ss)
		st.Files += ss.Files
		st.Respondents += ss.Respondents
		st.Units += ss.Units
	}
	slices.SortFunc(st.Sources, func(a, b SourceStatus) int {
		if a.Source < b.Source {
			return -1
		}
		if a.Source > b.Source {
			return 1
		}
		return 0
	})
	if st.LastRuns, err = s.Runs(ctx, statusRuns); err != nil {
		return nil, err
	}
	return st, nil
}
