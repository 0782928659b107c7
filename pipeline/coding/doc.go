// Package coding applies a codebook to units: it decides which codes apply
// to each answer or speaker turn, where (byte spans into the unit's text)
// and by which term, and whether the mention was negated.
//
// A codebook is a YAML file (see Parse) whose terms are written the way
// practitioners write Dutch and English: exact words that ignore case and
// diacritics (client == cliënt), Snowball stems (~aanbesteden), prefix globs
// (productienorm*), compound tails (*druk matches tijdsdruk, not druk),
// phrases with gaps (te veel … dossiers), proximity (declarabel NEAR/5
// norm) and RE2 regexes (/\d+ ?%/). Hyphenated words match whole, without
// their hyphens, and by their parts.
//
// Compile builds, once, an index per language from a term's first word to
// the term, so coding a unit is one tokenising pass plus map look-ups.
//
// Decisions worth knowing:
//   - Sentences end at . ! ? … and at every line break (answers are often
//     lists); a stop after an abbreviation (bijv., o.a., d.w.z., i.p.v.), an
//     initial or before a lower-case word does not end a sentence.
//   - Clauses end at , ; : ( ) – — / and at maar, omdat, want, terwijl,
//     doordat, hoewel, echter, behalve, dus, but, because, although, while,
//     whereas, however, except.
//   - A match is negated when a cue (geen, niet, nooit, nauwelijks, zonder,
//     noch, geenszins, allerminst, niets, no, not, never, without, hardly,
//     ...n't, ...) stands up to 6 words before it in its clause, or when a
//     post-verbal cue (niet, nooit, geen, nauwelijks, not, never, hardly)
//     stands up to 3 words after it in its clause: "de werkdruk is niet
//     hoog" says the workload is not a problem, so it is negated. "niet
//     alleen" / "not only" is no negation. Known limit: "de werkdruk neemt
//     niet af" is read as negated too.
//   - Phrases and NEAR stay within one sentence. NEAR/n means the two sides
//     are at most n words apart (adjacent words are 1 apart).
//   - A code with no terms in a unit's language uses the terms of the
//     codebook's language.
//   - applies_to.questions limits survey answers only, applies_to.speakers
//     transcript turns only.
//   - Under negation: exclude, negated matches stay in Coding.Matches with
//     Negated=true (so a reader can see why a code is absent), but the code
//     is listed only if some match is not negated.
//
// Speed, measured with go test -bench . -benchtime 20000x -benchmem on the
// shared 2-core build machine at load average 4.3 (other engineers'
// benchmarks; absolute numbers are pessimistic, the ratios hold):
//
//	BenchmarkTokenize        11256 ns/op  32.9 MB/s  21 allocs/op (ours, with offsets, sentences, clauses)
//	BenchmarkProseTokenize   53683 ns/op   6.9 MB/s 195 allocs/op (prose, segmentation/tagging off)
//	BenchmarkCode             5825 ns/op  10.3 MB/s   8 allocs/op 171689 units/s (one 60-byte answer, 17 codes)
//	BenchmarkCodeGenerated   32910 ns/op   8.2 MB/s  10 allocs/op  30386 units/s (one ~270-byte generated answer, real codebook)
//
// Hence prose is used only to check that our tokenizer finds the same words
// (TestTokenizerAgreesWithProseOnWords), not on the hot path.
//
// BenchmarkCodeGenerated is the figure that predicts a national run: the
// real codebook has 3,049 Dutch terms, 20 of them regexes, and
// BenchmarkCode's short answers make coding look ten times cheaper. Before
// issue 10 it took 128-133 µs and 101 allocations a unit (same machine,
// same minutes); CPU profiles of coding the 383,993 answers of the
// 200,000-response generated corpus in one goroutine count 54.2 s in Code
// before and 11.7 s after (141 → 30 µs a unit), with identical codings.
// The time went to regexes run over every text (half), phrases tried at
// every common first word (niet, geen, op start dozens), a map look-up per
// possible prefix and tail split, and per-unit allocations; see
// prefilter.go and Coder.scratch.
//
// A second round (matcher.words, matcher.required, cue flags, nearSets)
// took BenchmarkCodeGenerated from a median of 35.2 to 21.9 µs and
// BenchmarkCode from 6.5 to 4.6 µs (8 interleaved runs on the loaded
// machine), and the instructions per generated answer from 267k to 152k
// (valgrind, GOGC=off, one proc: the only measure here that does not
// move with the load). A matcher caches per word what its indexes say,
// and tries a phrase only in units holding all its exact words; a regex
// start is tried only where the literals its match must hold soon after
// are there. What is left is a third regexes (mostly the backtracking of
// \w*tig, (\S+ ){0,2} and .{0,25} patterns at their candidate starts), a
// tenth tokenising and a fifth finding and trying the word terms.
//
// A third round (regex set-up and windows) took the instructions per
// generated answer from 151.0k to 126.5k (valgrind as above, counted in
// Code only) and the medians of 6 interleaved runs at -benchtime 20000x
// on the loaded machine from 21.0 to 19.0 µs (BenchmarkCodeGenerated),
// 5.5 to 4.4 µs (BenchmarkCode) and 17.5 to 13.7 µs (BenchmarkTokenize;
// these wall-clock figures moved by a factor of two between runs, the
// instruction counts do not). regexText.reset lowers into a reused
// buffer and hashes a packed trigram with one multiplication (15.5k →
// 9.4k a unit). A regex without start literals is now tried in windows
// that end where an element of its sequence starts with one of its
// literals, and only where the bytes before that start can end the
// elements before it ("\b(\d{2,3}|\w*tig|honderd) (dossiers|cliënten)"
// wants a space and a digit, g or d before "cli"): that pattern went from
// 6,668 anchored tries on 3,833 answers, none matching, to none.
// Alternations count as whole words when required literals are read off
// them ("uren|uur", which the parser factors to u(?:ren|ur), requires
// "uur" or "uren", no longer nothing), and fold lowers capitalised ASCII
// words without a strings.Builder. Anchored tries cost 12.4k a unit
// (25.0k before). What is left: regexes 37% (the (\S+ ){0,2} patterns
// tried at every "maar", and .{0,25} after "per dag"), finding and trying
// the word terms 26%, tokenising 14% and reading forms through the word
// cache 10%.
//
// A fourth round took the instructions per generated answer from 126.5k to
// 99.2k (valgrind as above) and the medians of 6 interleaved runs at
// -benchtime 20000x, load average 4.6 to 5.9, from 15.2 to 11.9 µs
// (BenchmarkCodeGenerated, 8 to 3 allocations) and 3.9 to 2.9 µs
// (BenchmarkCode); BenchmarkTokenize's instructions fell from 35.5k to
// 33.7k, but its wall-clock medians (7.8 and 9.9 µs, then 10.7 and 11.1 µs
// in 10 more runs) are within the machine's noise. A regex start is tried
// only when each later element that starts with literals (found at word
// starts where it must start at one) follows within the spaces and the
// runes other than digits the elements between allow (tailChecks):
// "(maar|slechts) (\S+ ){0,2}(gesprekken|uur)" went from 1,017 tries on
// 3,833 answers to its 26 matches, the ".{0,25}" pattern from 719 to 75,
// and a unit holding no such element is not searched at all. Windows reach
// back no further than those bounds ("uur per" from 2,421 tries to none);
// the 20 regexes now make 889 tries on those answers, 768 of them matches
// (6,218 before). The required literal sets are looked for most selective
// first, and a literal of three bytes or more counts as present once its
// trigrams are in the set, search deciding the rare collisions. Anchored
// tries now cost 2.0k instructions a unit (12.4k before). Outside the
// regexes, matchForms returns a span instead of copying a form, forms read
// their stems from their word's info, and the tokenizer reads ASCII
// through a table and lowers capitalised words into a buffer reused from
// unit to unit. Grouping a unit's word starts by first byte, so each regex
// would look only at its own, cost 1.5k a unit in reset and lost 0.8k net,
// and was dropped; so were skipping a window's element among the tail
// checks (its early "no occurrence" exit saves the windows) and a trigram
// set of 8,192 bits (99.1k). Bounding the text an anchored try sees was
// not tried: the backtracker's set-up is a tenth of a try, the rest is the
// search itself. What is left, in Code: finding and trying the word terms
// 28%, regexes 29% (reset 10%: lowering, trigrams and word starts, 17
// instructions a byte), tokenising 18%, forms and the word cache 13%,
// negation, de-duplication and sorting the matches 12%.
//
// A fifth round took the instructions per generated answer from 99.2k to
// 78.8k (valgrind as above, counted in Coder.code), BenchmarkCode's from
// 29.5k to 24.1k and tokenizeInto's in BenchmarkTokenize from 33.6k to
// 28.8k; the CPU time per generated answer (user time of 70,000 units
// less that of 10,000, one proc, medians of 5 interleaved runs) fell from
// 13.3 to 10.3 µs, and allocations from 3 to 2. Wall-clock medians at
// load average 8 moved by a factor of two between runs and say nothing.
// By step: Code fills active only for scoped codes and tries rules only
// of codes with rules (96.0k); matches are de-duplicated and sorted by
// the ranks of their codes and terms instead of by strings (94.7k); forms
// reads tokens in one pass and sets the vocab bits find reads, and the
// word cache hashes with an inline multiply-fold instead of hash/maphash
// (92.4k); find stamps its tries instead of clearing them, skips the
// scope test when every code is active and looks a second word up only
// when a bit says it may be filed, and matchForms compares exact words by
// vocab number in a loop per kind (86.6k); the tokenizer reads a word's
// ASCII bytes in a loop of their own, packs only tokens whose first byte
// and length a clause word has and tests the bytes after a stop through
// tables (83.5k); required regex literals carry their trigram hashes
// (82.1k) and reset's loop needs no trigram test (81.1k); find tests a
// term's first required word from a dense array (80.4k); both languages'
// hits share one slice (79.7k); the matches are sorted by an inlined
// insertion sort (78.9k); the tokenizer fills tokens in place and folds
// non-ASCII words into its buffer (78.8k, one allocation fewer). Tried and
// dropped: ruling out NEAR's right side by the vocab number of its first
// word before matchPhrase (+0.4k), and comparing cached words by two
// loads instead of memequal (+0.3k). What is left, in Code: regexes 32% (reset 11%), finding and
// trying the word terms 24%, tokenising 17%, forms and the word cache 15%
// (the cache 8%), negation, de-duplication, sorting and the Coding 12%.
//
// Language detection: on 18 short answers in lang_test.go, stop-word
// counting and whatlanggo (restricted to nl/en) each get 16 right;
// DetectLanguage counts stop words and asks whatlanggo only on a tie.
package coding
