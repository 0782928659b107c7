// Package store keeps the pipeline's state between runs in one SQLite file,
// so that a nightly rerun only ingests, codes and reports what changed.
//
// The file (by default .veldstem/state.db next to the config) holds the
// source files seen with their content hashes, the pseudonymized respondents
// and units they contributed, the codings computed for each unit under a
// codebook hash, and the history of runs. Nothing in it is raw personal data:
// the privacy stage runs before anything reaches the store.
//
// # Consistency
//
// Every write method runs in a single transaction, so a run killed at any
// moment (SIGKILL, power cut, full disk) leaves the store as it was after the
// last completed call. The database runs in WAL mode with synchronous=NORMAL:
// a commit appends to the write-ahead log without waiting for fsync, and the
// log is synced at each checkpoint. A process crash loses nothing (the
// operating system still holds the writes); a power loss can roll back the
// last few commits but never corrupts the file, because WAL frames are
// checksummed and an incomplete tail is ignored on recovery. For a pipeline
// that recomputes whatever the store does not record, losing the last commits
// only means redoing them on the next run, which is worth the several-fold
// write speed over synchronous=FULL.
//
// # Sharing
//
// SQLite serialises writers itself (busy_timeout plus BEGIN IMMEDIATE), so
// concurrent handles never corrupt the file. What it cannot do is stop two
// runs from interleaving whole pipelines; [Lock] takes an advisory file lock
// next to the store that records which process holds it, for that purpose.
//
// # Codings
//
// Since schema version 2 a coding is a row of (codebook, unit, unit_hash,
// coding): the codebook as a small integer (table codebooks), the unit as
// its units rowid, the first 8 bytes of the content hash the coding was
// computed from, and the codes and matches as varints that number the
// codebook's (code, term) strings in table coding_terms (format in
// codings.go). Version 1 stored the codebook hash, the unit ID and hash in
// hex and the matches as JSON that repeated every code and term; on the
// generated 200,000-response corpus of issue 10 (384,189 units, 2.2 million
// codes, 6 million matches) that was 464 MB of a 768 MB file, and keyed by
// the random-looking pseudonymous unit IDs every save landed on random
// pages of it, far more than the page cache holds. Now:
//
//	                                     version 1       version 2
//	codings table and index              464 MB          31 MB
//	store file                           768 MB          335 MB
//	coding phase of a run, wall (CPU)    143 s (56 s)    14-21 s (19-26 s)
//	SaveCodings, wall (CPU) per unit     108 µs (65 µs)  6 µs (4.5 µs)
//	UnitsToCode after a codebook change  8.2 µs CPU      3.3 µs CPU
//	UnitsWithCodings                     14.2 µs CPU     4.6 µs CPU
//
// (2 cores shared with other work, so wall times vary; per-unit figures
// from BenchmarkSaveCodingsNational and BenchmarkScanCodings with
// STORE_BENCH_UNITS=384000.) The reports are byte-identical. A store
// upgraded from version 1 recodes everything on its next run and keeps its
// file size, as SQLite reuses the freed pages rather than returning them.
//
// Units are stored in file order, which is the order UnitsToCode hands
// them out, so keying codings by rowid makes the saves appends. The store
// never moves a rowid (FileTx rewrites units by UPDATE), and a trigger
// deletes a unit's codings with the unit, so a rowid SQLite hands to a
// later unit never comes with a coding of the deleted one. The hash check
// would catch such a coding anyway unless the two units have the same
// content, and then the coding is right for both.
//
// # Files
//
// FileTx replaces one file's content in one transaction, batch by batch.
// Two things make a first import cheap (issue 10): a file the store holds
// nothing of is inserted without looking up each batch's IDs and without
// the seen-ID tables that find removed rows (the unique indexes still
// refuse an ID given twice or held by another file, with the same
// messages); and FileTx.SaveCodings writes the codings of units the
// transaction added, so the run codes a new file while storing it and the
// units and their codings commit together. At 200,000 responses that took
// the store and coding phase from ~34 s to ~18 s.
//
// Three more things trim the CPU of storing a new file (BenchmarkFileTxNational,
// 100,000 units: ~20 -> ~15-17 µs a unit): new rows are inserted OR FAIL,
// which spares SQLite the statement journal a multi-row insert otherwise
// keeps (a copy of every page it changes, in a temporary file); the codings
// of units the transaction just inserted are written with the rowid and
// hash prefix recorded at the insert instead of a look-up by ID; and the
// respondents' JSON columns are written without json.Marshal when their
// text is plain.
//
// A further round (issue 10) trimmed what is not SQLite's own work. Full
// batches go to the driver's prepared statement directly rather than
// through database/sql, which converted every value and allocated a slice
// of all of them per statement (6% of the CPU alone); a new row's source
// and path are bound once a statement, not once a row; a respondent's
// closed answers are encoded for the content hash once, not once a unit;
// SaveCodings keeps its codebook's entries and statements for the whole
// transaction and finds an entry's number by the address of its strings
// before hashing them; plainJSON classes bytes by table, and a
// respondent's maps are looked up once a key. Measured with
// BenchmarkFileTxNational (100,000 units; CPU as medians of six to eight
// runs interleaved with the previous build, in three sessions on 2 cores
// shared with other work, so they spread by ±10%; the last with every
// change of the round):
//
//	                                     before            after
//	CPU a unit, by session               15.9  15.1  13.2  12.7  13.6  11.3 µs
//	instructions a unit (callgrind)      ~97,000           ~87,000
//	Go heap allocated a unit             2.5 KB in 24      1.3 KB in 18
//
// Peak RSS is unchanged: no cache grew. What did not pay: a larger page
// cache for a fresh file's transaction (128 or 256 MB rather than 64, at
// 384,000 units: no less CPU, 85 or 340 MB more RSS; the hot pages, those
// of the ID indexes, fit in 64 MB, and what spills is table pages that are
// written once anyway), and 128 or 256 rows a statement (0.1% and 1.4% more
// instructions; CPU medians of ten runs equal for 128). Of what is left,
// about two thirds is SQLite inserting into the b-trees (the ID indexes
// take random keys, hence page splits), an eighth the driver binding values
// (it copies every text into C memory), and the commit of a national file
// is mostly the WAL checkpoint that follows it (0.4-0.6 s at 384,000
// units), which only moves if deferred.
//
// What each index costs a new file was measured by dropping it before
// the import (BenchmarkFileTxNational; instructions by callgrind at 40,000
// units, CPU medians of five interleaved runs at 100,000 units, of ~12 µs
// a unit): units_by_id 5,400 instructions a unit (6%; 2-3 µs CPU, as its
// random keys miss the processor's caches at that size), units_in_order
// 2,600 (3%; ~1 µs), respondents_by_file 3,900 (4.5%, one entry a
// respondent; ~0.5-1 µs). None can go: units_by_id enforces that an ID is
// stored once and serves every look-up by ID (the claims' check, Lookup,
// a known file's batches, SaveCodings outside a FileTx), units_in_order is
// the order of every unit scan, and respondents_by_file serves the reads
// and deletes by file. Building the unit indexes once at Commit instead
// (dropped at BeginFile on an empty store) saved ~1 µs a unit for
// units_by_id and lost for units_in_order (the build reads every row
// back): not worth a transaction that changes the schema and refuses
// duplicates only at Commit.
//
// Claims (the check pass's unit IDs, see claims.go) are appended to an
// unindexed table, and shared IDs are ruled out by a 64-bit hash of each
// (16 bytes a claim) instead of an index on the IDs, which took random
// inserts: 2.7-3.3 -> 0.8 µs CPU a claim (BenchmarkClaims, 384,000
// claims, medians of six interleaved runs in each of two sessions), 1.1 ->
// 0.3 s for the corpus.
// The hashes were then held in memory, 16 bytes a claim (33 MB at
// 1,000,000 responses, 1.9 million units); now they are sorted in runs of
// 65,536 and spilled to a temporary file, and read back one slice of the
// hash range at a time (claimhash.go), so they take 2.5 MB whatever the
// corpus. The sorts are radix sorts by the top bits of the hash, where
// sorting them all at once with slices.SortFunc had cost 220 ns a claim,
// so claiming got cheaper too: 0.85 -> 0.65 µs CPU a claim
// (BenchmarkClaims, 400,000 claims, medians of six interleaved runs).
//
// # Reads
//
// A rerun with little new reads the whole store anyway, so three reads are
// tuned for it (issue 10; figures at 200,000 responses, 384,000 units, on 2
// shared cores):
//
//   - UnitsToCode first lists the due units with a query SQLite runs as a
//     merge of the units table and the codebook's range of codings, both in
//     rowid order, instead of scanning the units in order and looking up
//     each one's coding. It finds every unit the scan would, so when it
//     finds none the run has nothing to code (0.58 -> 0.27 s; the check
//     pass of a 1%-new run 0.62 -> 0.21 s), and up to a page of them are
//     read by rowid; only more fall back to the scan.
//   - Respondents decodes the attributes, Likert and closed columns, which
//     hold what json.Marshal writes for a map, with a decoder for exactly
//     that shape that shares the column's memory; anything else goes to
//     encoding/json, so values and errors are what it gives (2.2 -> 1.1 s
//     for 200,000 respondents, 59 -> 24 allocations each). RespondentFacts,
//     which the analysis reads, skips the closed answers and the (source,
//     id) index and hands respondents out in storage order (0.93 -> 0.36 s).
//   - UnitsWithCodings takes the decoded codes and matches from shared
//     slabs rather than two allocations a unit (about 10% of the scan).
//     UnitsForReports, the reports' and the analysis' scan, leaves out the
//     three columns they never read (4.3 -> 3.7 µs CPU a unit).
//
// # Order
//
// Everything is returned in a stable order that does not depend on insertion
// history: units by (source, file, seq, id), respondents by (source, id),
// files by (source, path), runs newest first. RespondentFacts alone is in
// storage order, for a caller that keys respondents itself.
package store
