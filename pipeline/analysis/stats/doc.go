// Package stats holds the statistics the analysis stage reports: interval
// estimates for proportions and their differences, tests of independence,
// multiplicity adjustment and inter-coder agreement.
//
// Every function is pure and total: degenerate input (zero denominators,
// tables without variation) yields a documented finite value and, where a
// caller must know, ok=false, never NaN, Inf or a panic. Proportions are
// fractions (0..1) here; the analysis package converts them to percent.
package stats
