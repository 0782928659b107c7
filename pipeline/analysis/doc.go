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
// A Corpus streams the units; Compute keeps nothing per unit or
// respondent. Unit-level counts are counted as units pass, and each code's
// quote picker keeps its best candidates so far: QuotesPerCode plus, per
// attribute, MinCell-1 more, since only that many respondents can turn
// out unquotable once the groups are known (quotes.go). A respondent's
// record (wave, weight, attribute values, Likert answers) and the code
// sets of its units' runs are each sorted by respondent key in a 4 MB
// buffer that spills to a temporary file as sorted runs (package spill); the
// two sorted streams are merged and joined, one respondent at a time, and
// every figure over respondents is summed in that key order, so weighted
// sums are the same whatever order the corpus came in (respondents.go).
// Groups can only be formed once every respondent is counted (small ones
// are pooled), so the join writes what the group sums need to a second
// temporary file, read once more. What grows with the corpus is then the
// distinct attribute values and, in a weighted study, the Likert answers
// behind weighted medians (16 bytes an answer). BenchmarkModelHeap: the
// model held 148 bytes a respondent in memory in its first layout, 50
// with packed IDs and bitsets, and now holds under one byte once built;
// its peak while reading is the sorters' buffers, about 20 MB.
package analysis
