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
// # Order
//
// Everything is returned in a stable order that does not depend on insertion
// history: units by (source, file, seq, id), respondents by (source, id),
// files by (source, path), runs newest first.
package store
