package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
)

// Claims collects which unit IDs the files of a run are about to store, so
// that units two files contribute are refused before anything is written
// (run's checkConflicts), without holding every ID in memory: the IDs go to
// a temporary table in a temporary file on one connection, and the overlaps
// are found in SQL, with a hash of each ID (claimHashes, sorted in runs on
// disk) to skip that when there are none. Nothing of the store changes.
type Claims struct {
	ctx   context.Context
	conn  *sql.Conn
	tx    *sql.Tx
	ins   *batch
	files []FileKey
	err   error

	// Finding IDs shared by two files of the run in SQL takes a sort of
	// every claim (0.45 s at 384,000 claims), though a run that stores
	// anything has none. hashes holds a 64-bit hash of each claimed ID
	// with its file: an ID two files claim is a hash two files claim, so
	// when no hash is (maybeShared), no ID is, and the SQL runs only
	// otherwise. The answer is exact either way; two IDs sharing a hash
	// only cost that SQL.
	seed   maphash.Seed
	hashes claimHashes
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
	c := &Claims{ctx: ctx, conn: conn, seed: maphash.MakeSeed()}
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		c.Close()
		return fail(err)
	}
	// 32 MB holds the claims of ~400k units (about 20 MB), so they are
	// not written to the temporary file and read back by Conflicts (with
	// SQLite's 2 MB default, ~15% more CPU), and the cache goes with the
	// temporary database when Close switches temp_store back.
	if _, err := conn.ExecContext(ctx, `PRAGMA temp.cache_size = -32768`); err != nil {
		c.Close()
		return fail(err)
	}
	if c.tx, err = conn.BeginTx(ctx, nil); err != nil {
		c.Close()
		return fail(err)
	}
	for _, q := range []string{
		// No key: the IDs of a national export come in random order, and
		// inserting each into an index on id cost ~2 µs (a b-tree descent
		// and, past the cache, page writes). Appending to a rowid table and
		// sorting once in Conflicts costs a third of that (issue 10).
		// Repeated claims are kept, and Conflicts reads past them.
		`CREATE TEMP TABLE claims (id TEXT NOT NULL, file INTEGER NOT NULL)`,
		`CREATE TEMP TABLE claim_files (source TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (source, path)) WITHOUT ROWID`,
	} {
		if _, err := c.tx.ExecContext(ctx, q); err != nil {
			c.Close()
			return fail(err)
		}
	}
	c.ins = newBatch(ctx, c.tx, conn, `(?, ?)`, func(rows string) string {
		return `INSERT INTO claims (id, file) VALUES ` + rows
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
	if c.err != nil {
		return c.err
	}
	if err := c.ins.add(id, file); err != nil {
		c.err = fmt.Errorf("store: claims: %w", err)
		return c.err
	}
	if err := c.hashes.add(maphash.String(c.seed, id), file); err != nil {
		c.err = fmt.Errorf("store: claims: %w", err)
		return c.err
	}
	return nil
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
	shared, err := c.hashes.maybeShared()
	if err != nil {
		return nil, fmt.Errorf("store: claims: %w", err)
	}
	if shared {
		if out, err = c.shared(); err != nil {
			return nil, fmt.Errorf("store: claims: %w", err)
		}
	}
	// Each claim looks its ID up in the store, as the claims have no
	// order to merge with.
	rows, err := c.tx.QueryContext(c.ctx, `
SELECT c.id, u.source, u.file, min(c.file) FROM claims c
JOIN units u ON u.id = c.id
WHERE NOT EXISTS (SELECT 1 FROM claim_files l WHERE l.source = u.source AND l.path = u.file)
GROUP BY c.id ORDER BY c.id`)
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

// shared lists the IDs claimed by two files of the run, in ID order.
func (c *Claims) shared() ([]Conflict, error) {
	if _, err := c.tx.ExecContext(c.ctx, `CREATE INDEX temp.claims_by_id ON claims (id, file)`); err != nil {
		return nil, err
	}
	var out []Conflict
	rows, err := c.tx.QueryContext(c.ctx, `
SELECT DISTINCT c.id, f.file, c.file
FROM (SELECT id, min(file) AS file FROM claims GROUP BY id HAVING min(file) <> max(file)) f
JOIN claims c ON c.id = f.id AND c.file <> f.file
ORDER BY c.id, c.file`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var a, b int
		if err := rows.Scan(&id, &a, &b); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, Conflict{ID: id, First: c.files[a], Second: c.files[b]})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Close drops the claims; nothing of the store changed.
func (c *Claims) Close() {
	c.hashes.close()
	if c.ins != nil {
		c.ins.close()
	}
	if c.tx != nil {
		c.tx.Rollback()
	}
	c.conn.ExecContext(context.WithoutCancel(c.ctx), `PRAGMA temp_store = MEMORY`)
	c.conn.Close()
}
