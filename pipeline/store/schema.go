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
}
