// Package corpus generates deterministic synthetic study data at any scale:
// Qualtrics-style survey exports with Dutch practitioner-style open answers,
// plus interview transcripts. Benchmarks and scale tests use it; the same
// seed always gives the same bytes.
package corpus
