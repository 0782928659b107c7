// Package run is the orchestrator: the one place that knows the order of
// the stages. Run reads a study's changed input files, pseudonymizes them,
// stores them, codes what is new, analyses everything in the store and
// writes the reports. Reading Run tells a newcomer the whole program.
package run
