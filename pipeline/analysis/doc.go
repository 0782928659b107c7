// Package analysis turns codings and respondent attributes into the Tables
// a methodologist signs off: every figure with its denominator, a 95%
// interval, a test where a difference is claimed, and small cells
// suppressed so that no respondent can be singled out.
//
// Compute is pure: no I/O, no clock, and the same Input always yields
// deeply equal Tables (maps are only ever iterated in sorted order).
// ReadGold is the one exception, reading a human gold-standard coding from
// CSV so that Agree can compare it with the automatic coding.
//
// # Disclosure control
//
// Counts from 1 to MinCell-1 are suppressed, as Statistics Netherlands
// (CBS) does for tables on persons; zeros are shown, since "nobody" does
// not single anybody out. A count is also suppressed when its complement
// (Total-N) is small, because Total is printed beside it. Suppressed counts,
// their percentages and interval bounds are set to 0 in the Tables, so a
// renderer that forgets the Suppressed flag still cannot leak them.
// Breakdowns get complementary suppression: no suppressed cell may be the
// only hidden cell of its row or column (see suppress.go). Attribute groups
// smaller than MinCell are pooled into one "overig"/"other" group, or left
// out when even the pool is too small.
//
// # Weights
//
// When any respondent has Weight > 0 the respondent-level percentages are
// weighted (a weight of 0 counts as 1, as the contract says), intervals use
// Kish's effective sample size, and breakdown tests use the chi-square test
// on weighted counts rescaled to each group's effective size (a first-order
// design-effect correction). Counts (N, Total) stay unweighted: they are
// the people a reader may try to find. Unit-level prevalence is unweighted.
//
// # Memory
//
// A Corpus streams the units; Compute keeps nothing per unit. Unit-level
// counts are counted as units pass, a respondent's code set is built from
// its units as they pass, and each code's quote picker keeps its best
// candidates so far: QuotesPerCode plus, per attribute, MinCell-1 more,
// since only that many respondents can turn out unquotable once the
// groups are known (quotes.go). Per respondent it keeps a 20-byte row
// without pointers, its ID's bytes, an index per attribute and Likert
// item, a weight when weighted and a code bitset. BenchmarkModelHeap: 148
// bytes held a respondent (about two units each) before this layout, 71
// after, at 500,000 respondents. An ID of the form privacy gives
// respondents ("R-" and twelve hex digits) is packed into the row's two
// range numbers instead of being stored (idArena): with such IDs 66.5 →
// 49.6 bytes a respondent (BenchmarkModelHeap/ids=pseudonyms).
package analysis
