package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Claims collects which unit IDs the files of a run are about to store, so
// that units two files contribute are refused before anything is written
// (run's checkConflicts), without holding every ID in memory: the IDs go to
// a temporary table in a temporary file on one connection, and the overlaps
// are found in SQL. Nothing of the store changes.
type Claims struct {
	ctx   context.Context
	conn  *sql.Conn
	tx    *sql.Tx
	ins   *batch
	files []FileKey
	err   error
}

// FileKey names a file of a source.
type FileKey struct{ Source, Path string }

// Conflict is a unit ID claimed by two files: First holds it (in the store,
// or as the first file of the run to claim it) and Second claims it too.
type Conflict struct {
	ID            string
	First, Second FileKey
}

// NewClaims starts an empty claim set. Close it when done.
func (s *Store) NewClaims(ctx context.Context) (*Claims, error) {
	fail := func(err error) (*Claims, error) { return nil, fmt.Errorf("store: claims: %w", err) }
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fail(err)
	}
	c := &Claims{ctx: ctx, conn: conn}
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		c.Close()
		return fail(err)
	}
	// A national export's IDs go in in random order; with SQLite's 2 MB
	// default cache for the temporary file nearly every insert read and
	// wrote a page of it. 32 MB holds the claims of ~400k units, and the
	// cache goes with the temporary database when Close switches
	// temp_store back.
	if _, err := conn.ExecContext(ctx, `PRAGMA temp.cache_size = -32768`); err != nil {
		c.Close()
		return fail(err)
	}
	if c.tx, err = conn.BeginTx(ctx, nil); err != nil {
		c.Close()
		return fail(err)
	}
	for _, q := range []string{
		`CREATE TEMP TABLE claims (id TEXT NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (id, file)) WITHOUT ROWID`,
		`CREATE TEMP TABLE claim_files (source TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (source, path)) WITHOUT ROWID`,
	} {
		if _, err := c.tx.ExecContext(ctx, q); err != nil {
			c.Close()
			return fail(err)
		}
	}
	c.ins = newBatch(ctx, c.tx, `(?, ?)`, func(rows string) string {
		return `INSERT OR IGNORE INTO claims (id, file) VALUES ` + rows
	})
	return c, nil
}

// Leaving registers a file whose stored units this run replaces or
// removes: units it holds now do not conflict with the run's files. It
// returns the file's number for Add.
func (c *Claims) Leaving(f FileKey) (int, error) {
	if _, err := c.tx.ExecContext(c.ctx, `INSERT OR IGNORE INTO claim_files (source, path) VALUES (?, ?)`, f.Source, f.Path); err != nil {
		return 0, fmt.Errorf("store: claims: %w", err)
	}
	c.files = append(c.files, f)
	return len(c.files) - 1, nil
}

// Add records that file (a number from Leaving, in the run's file order)
// will store unit id.
func (c *Claims) Add(file int, id string) error {
	if c.err == nil {
		if err := c.ins.add(id, file); err != nil {
			c.err = fmt.Errorf("store: claims: %w", err)
		}
	}
	return c.err
}

// Conflicts lists the IDs claimed by two files of the run (the first file
// to claim one holds it), then those held in the store by a file that is
// not leaving.
func (c *Claims) Conflicts() ([]Conflict, error) {
	if c.err != nil {
		return nil, c.err
	}
	if err := c.ins.flush(); err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	var out []Conflict
	rows, err := c.tx.QueryContext(c.ctx, `
SELECT c.id, f.file, c.file FROM claims c
JOIN (SELECT id, min(file) AS file FROM claims GROUP BY id HAVING count(*) > 1) f ON f.id = c.id
WHERE c.file <> f.file`)
	if err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	for rows.Next() {
		var id string
		var a, b int
		if err := rows.Scan(&id, &a, &b); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: claims: %w", err)
		}
		out = append(out, Conflict{ID: id, First: c.files[a], Second: c.files[b]})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	rows, err = c.tx.QueryContext(c.ctx, `
SELECT c.id, u.source, u.file, c.file FROM (SELECT id, min(file) AS file FROM claims GROUP BY id) c
JOIN units u ON u.id = c.id
WHERE NOT EXISTS (SELECT 1 FROM claim_files l WHERE l.source = u.source AND l.path = u.file)`)
	if err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cf Conflict
		var b int
		if err := rows.Scan(&cf.ID, &cf.First.Source, &cf.First.Path, &b); err != nil {
			return nil, fmt.Errorf("store: claims: %w", err)
		}
		cf.Second = c.files[b]
		out = append(out, cf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	return out, nil
}

// Close drops the claims; nothing of the store changed.
func (c *Claims) Close() {
	if c.ins != nil {
		c.ins.close()
	}
	if c.tx != nil {
		c.tx.Rollback()
	}
	c.conn.ExecContext(context.WithoutCancel(c.ctx), `PRAGMA temp_store = MEMORY`)
	c.conn.Close()
}
