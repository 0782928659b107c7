package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultPath is where the state store lives, relative to the config folder.
const DefaultPath = ".veldstem/state.db"

// ErrNewerSchema is returned by Open for a store written by a newer veldstem.
var ErrNewerSchema = errors.New("state store was written by a newer veldstem")

// Store is an open state store. Its methods are safe for concurrent use; a
// read callback may call write methods (the read keeps its own snapshot).
type Store struct {
	db      *sql.DB
	path    string
	version int

	mu sync.Mutex
	// run is the id of the run begun on this handle, recorded as the run in
	// which files were first and last seen.
	run int64
}

// busyTimeoutMS bounds how long a writer waits for another writer's
// transaction. A ReplaceFile of a national survey takes seconds, so the bound
// is generous; it exists so a wedged process fails a run instead of hanging it.
const busyTimeoutMS = 60000

// Open opens the store at path, creating it and its folder (mode 0700, as it
// holds pseudonymized answers) when missing, and migrates it to the schema
// this build knows. A store from a newer veldstem is refused with
// ErrNewerSchema rather than written with an older understanding of it.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		// The driver splits its DSN at '?', so such a path would be cut.
		return nil, fmt.Errorf("store: path %q contains '?' or '#'; choose a state path without them", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create folder for %s: %w", path, err)
	}
	// busy_timeout comes first so the journal_mode switch of a fresh file
	// waits for a concurrent opener instead of failing. _txlock=immediate
	// takes the write lock at BEGIN: a deferred transaction that later tries
	// to write fails at once with SQLITE_BUSY when another writer committed in
	// between, which busy_timeout cannot help.
	dsn := path + "?_pragma=busy_timeout(" + fmt.Sprint(busyTimeoutMS) + ")" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate" +
		// 64 MB instead of 2 MB of page cache: a national survey's
		// ReplaceFile touches ~150 MB of pages in one transaction, and every
		// page that does not fit is spilled to the WAL and written again.
		"&_pragma=cache_size(-65536)" +
		// Multi-row upserts keep a statement journal to undo a failed
		// statement; in memory it costs no file writes.
		"&_pragma=temp_store(MEMORY)"
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := create(path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// pageSize is 16 KB rather than SQLite's 4 KB: units are a few hundred
// bytes of text each, and every page is one write system call into the WAL,
// which made a quarter of the import time at 4 KB.
const pageSize = 16384

// create makes a new, empty store file with pageSize pages. The page size
// can only be chosen before the first page is written and WAL mode then
// fixes it, so this runs once, before Open's connections (which switch to
// WAL at connect) touch the file.
func create(path string) error {
	// 0600 like the folder: the file holds pseudonymized answers, and SQLite
	// gives its -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil // a concurrent Open created it
	}
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	f.Close()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout("+fmt.Sprint(busyTimeoutMS)+")")
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	defer db.Close()
	// A concurrent Open may have created the file meanwhile; then these
	// are no-ops on its database, which is as good.
	for _, q := range []string{
		fmt.Sprintf(`PRAGMA page_size = %d`, pageSize),
		`PRAGMA journal_mode = WAL`,
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("store: create %s: %w", path, err)
		}
	}
	return db.Close()
}

// Close closes the store. The last connection to close checkpoints the WAL
// into the main file.
func (s *Store) Close() error {
	return s.db.Close()
}

// ReleaseMemory closes the pool's idle connections. Each keeps a page cache
// of up to 64 MB (see Open) once it has written a national survey, which
// would otherwise stay allocated while the run renders reports (issue 10:
// peak memory); later calls open fresh connections as needed.
func (s *Store) ReleaseMemory() {
	s.db.SetMaxIdleConns(0)
	s.db.SetMaxIdleConns(defaultIdleConns)
}

// defaultIdleConns is database/sql's default number of idle connections.
const defaultIdleConns = 2

// SchemaVersion reports the schema version the store is at.
func (s *Store) SchemaVersion() int {
	return s.version
}

// migrate brings the schema to len(migrations) in one transaction, so a
// crash mid-migration leaves the store at its old version, and concurrent
// openers serialise on the write lock instead of both migrating.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("store: open %s: %w", s.path, err)
		}
	case err != nil:
		return fmt.Errorf("store: read schema version of %s: %w", s.path, err)
	}
	if version > len(migrations) {
		return fmt.Errorf("store: %s has schema version %d, this veldstem knows up to %d: %w; upgrade veldstem, or point store.path at a new file to start over",
			s.path, version, len(migrations), ErrNewerSchema)
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("store: migrate %s to schema version %d: %w", s.path, i+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
			return fmt.Errorf("store: migrate %s: %w", s.path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate %s: %w", s.path, err)
	}
	s.version = len(migrations)
	return nil
}

// currentRun is the run begun on this handle, or 0 when none was.
func (s *Store) currentRun() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.run
}
