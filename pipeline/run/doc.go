// Package run is the orchestrator: the one place that knows the order of
// the stages. Run reads a study's changed input files, pseudonymizes them,
// stores them, codes what is new, analyses everything in the store and
// writes the reports. Reading Run tells a newcomer the whole program.
//
// For speed on national surveys (issue 10, BENCHMARKS.md) two stages are
// fused where the order allows it: a file the store has never seen is
// coded while it is stored (files.go, fusedCoder), its units and codings
// committed in one transaction, so the coding pass (code.go) only codes
// units of known files that changed, or everything after a codebook
// change; and the analysis reads the same scan of the store as the unit
// level reports (report.Write with Input.Analyse).
//
// Reruns keep what they can (cache.go, facts.go): the reports themselves
// when nothing they depend on changed; otherwise each unchanged input
// file's parts of the unit-level exports, and what the analysis and the
// workbook read of its units and respondents (state.db.facts,
// state.db.respondents), so only new and changed files are read back from
// the store. Every kept thing is keyed by the file's hash with everything
// else its bytes depend on, checked before use, and ignored when damaged
// or with --full: the caches can only save time, never change a report.
package run
