package store

// migrations are the forward steps of the schema. Step i (0-based) takes a
// store from version i to version i+1. Steps are append-only: a released step
// is never edited, because stores in the field have already run it; change
// the schema by appending a step.
var migrations = []string{
	// 1: initial schema.
	`
CREATE TABLE files (
	source         TEXT    NOT NULL,
	path           TEXT    NOT NULL,
	sha256         TEXT    NOT NULL,
	size           INTEGER NOT NULL,
	respondents    INTEGER NOT NULL,
	units          INTEGER NOT NULL,
	-- Run ids, not timestamps: reports must not change with the clock.
	first_seen_run INTEGER NOT NULL,
	last_seen_run  INTEGER NOT NULL,
	PRIMARY KEY (source, path)
) WITHOUT ROWID;

CREATE TABLE respondents (
	source     TEXT NOT NULL,
	id         TEXT NOT NULL,
	file       TEXT NOT NULL,
	wave       TEXT NOT NULL,
	weight     REAL NOT NULL,
	attributes TEXT NOT NULL,
	likert     TEXT NOT NULL,
	closed     TEXT NOT NULL,
	PRIMARY KEY (source, id)
);
CREATE INDEX respondents_by_file ON respondents (source, file);

-- Clustered in the order units are read (every scan is ordered), and
-- WITHOUT ROWID so that order is the table itself rather than a third
-- b-tree next to the table and the id index.
CREATE TABLE units (
	id             TEXT    NOT NULL,
	source         TEXT    NOT NULL,
	file           TEXT    NOT NULL,
	respondent     TEXT    NOT NULL,
	question       TEXT    NOT NULL,
	question_label TEXT    NOT NULL,
	speaker        TEXT    NOT NULL,
	position       TEXT    NOT NULL,
	seq            INTEGER NOT NULL,
	text           TEXT    NOT NULL,
	lang           TEXT    NOT NULL,
	context        INTEGER NOT NULL,
	hash           TEXT    NOT NULL
);
CREATE UNIQUE INDEX units_by_id ON units (id);
CREATE UNIQUE INDEX units_in_order ON units (source, file, seq, id);

CREATE TABLE codings (
	unit_id       TEXT NOT NULL,
	codebook_hash TEXT NOT NULL,
	-- The unit's content hash the coding was computed from; a coding whose
	-- unit_hash differs from units.hash is stale.
	unit_hash     TEXT NOT NULL,
	codes         TEXT NOT NULL,
	matches       TEXT NOT NULL,
	PRIMARY KEY (unit_id, codebook_hash)
) WITHOUT ROWID;
CREATE INDEX codings_by_codebook ON codings (codebook_hash);

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	started       TEXT NOT NULL,
	finished      TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
	config_hash   TEXT NOT NULL,
	codebook_hash TEXT NOT NULL,
	summary       TEXT
);
`,
	// 2: compact codings (issue 10). The version 1 table repeated the
	// codebook hash, the unit's ID and hash and, per match, the code and
	// term text in JSON: 421 MB plus a 43 MB index for 384k units, written
	// in the random order of the pseudonymous unit IDs. Codings are
	// recomputable, so the old table is dropped rather than converted: the
	// first run after the upgrade codes every unit again. An upgraded file
	// keeps its size (SQLite reuses the freed pages for what it writes
	// next); only a new store is small from the start.
	`
DROP TABLE codings;

-- AUTOINCREMENT so that an id is never given to another codebook after a
-- prune: a reader holding an id then finds that codebook's codings or none.
CREATE TABLE codebooks (
	id   INTEGER PRIMARY KEY AUTOINCREMENT,
	hash TEXT NOT NULL UNIQUE
);

-- The strings codings refer to by number, per codebook and append-only
-- (ids 0, 1, 2, ... in the order first saved): a (code, term) pair for
-- each distinct match reason, and a (code, NULL) entry for each code a
-- coding lists.
CREATE TABLE coding_terms (
	codebook INTEGER NOT NULL,
	id       INTEGER NOT NULL,
	code     TEXT    NOT NULL,
	term     TEXT,
	PRIMARY KEY (codebook, id)
) WITHOUT ROWID;

-- Keyed by the unit's rowid rather than its ID: rowids follow the order
-- units were stored in, which is the order they are coded in, so saving
-- appends to the b-tree instead of landing on random pages of it. (units
-- has a rowid: step 1's comment speaks of WITHOUT ROWID, but the table
-- was created without it, and with no primary key it could not be.) With
-- the codebook first, a codebook's codings are one contiguous range, read
-- in one sweep and pruned in one range delete.
CREATE TABLE codings (
	codebook  INTEGER NOT NULL,
	unit      INTEGER NOT NULL,
	-- The first 8 bytes of the unit's content hash (units.hash) the
	-- coding was computed from; a coding whose unit_hash differs is stale.
	unit_hash BLOB    NOT NULL,
	-- Codes and matches in the binary format of codings.go.
	coding    BLOB    NOT NULL,
	PRIMARY KEY (codebook, unit)
) WITHOUT ROWID;

-- A unit's codings go with it, whatever deletes it, so that a rowid SQLite
-- gives to a later unit never comes with a coding of the deleted one.
CREATE TRIGGER units_delete_codings AFTER DELETE ON units BEGIN
	DELETE FROM codings WHERE codebook IN (SELECT id FROM codebooks) AND unit = old.rowid;
END;
`,
}
