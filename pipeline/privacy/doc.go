// Package privacy pseudonymizes personal data in units before anything
// downstream of ingest sees them.
//
// It is the gate between raw input and the rest of veldstem: e-mail
// addresses, Dutch and Belgian phone numbers, BSNs, Belgian national
// register numbers, IBANs, postcodes, street addresses, dates of birth,
// personal social-media URLs and @handles, and person names are replaced by
// typed tokens such as [PERSOON-3fa9c2b1]. Respondent IDs become R-
// followed by twelve hex digits; speaker labels that are names become
// [PERSOON-…] while role labels (Interviewer, R, Moderator, …) stay.
//
// # Stable pseudonyms
//
// A token's hex part is the first 32 bits of HMAC-SHA256(key, kind, value),
// where value is normalised (names case- and whitespace-folded, phone
// numbers and IBANs reduced to digits and letters, dates of birth to
// yyyy-mm-dd), so "Kees de Vries" and "kees  de vries" agree, in every run
// and every source of a study. The key is the study secret in
// Options.KeyFile; another key gives unrelated pseudonyms, so the same
// person cannot be linked across studies.
//
// Thirty-two bits are enough because tokens only need to tell apart the
// values of one kind within one study: with k distinct values the chance
// that any two share a token is about k²/2³³, 0.1% for 3,000 names and 1.2%
// for 10,000, and a collision merges two people in a report without
// revealing either. Respondent IDs must be unique within a source of
// perhaps 100,000 rows, so they get 48 bits (chance about 2·10⁻⁵).
//
// # Key file
//
// New creates a missing key file with 32 random bytes in hex, mode 0600,
// creating missing folders with mode 0700. A key file readable by group or
// others is used but reported by Pseudonymizer.Warnings, so the run can
// say so without failing. A key file that cannot be read or does not hold
// 64 hex digits is an error that names the file and the way out.
//
// # What counts as personal
//
// Plain dates, years, percentages, counts and place names are not
// personal and are left alone; a date is a date of birth only after
// "geboren (op)", "geb.", "geboortedatum", "born (on)" or "date of birth".
// Nine-digit numbers must pass the BSN eleven-test, IBANs and Belgian
// register numbers their mod-97 checks. Names come from four sources: the
// known names passed with each call (participants, speakers), the names
// in Options, a title or role before a capitalised name ("mevrouw De
// Vries", "collega Sanne"), and a built-in list of common Dutch, Flemish
// and English first names, extended with tussenvoegsels and a surname. A
// value found once in a text is replaced everywhere in that text.
//
// # Speed
//
// Pseudonymizing runs in the single reading goroutine of a run, so it is
// on the critical path. On generated-corpus answers (~270 bytes) a unit
// cost 3.3-3.9 µs and two allocations on a shared 2-core machine at load
// 3.5-5, down from 32-40 µs and 55 (issue 10). Most of it is splitting
// words and testing each for a title or listed name; keyword tests search
// one lowered copy of the text.
//
// Since then (issue 10, counted with callgrind, GOMAXPROCS=1, so load does
// not blur it): splitWords classes bytes by table; a word is only lowered
// and hashed when its first two bytes and length fit a title or first
// name; measure finds digits eight bytes at a time; RespondentID remembers
// the last 4096 IDs (exact keys), since a run asks for one respondent's ID
// for the respondent, each of its units and each claim; Respondent caches
// Text of attribute and closed values (a few labels repeated in every row)
// and returns a value map that does not change as is. Instructions per
// op, before → after: BenchmarkUnitGenerated 47,600 → 24,400,
// BenchmarkStoreGenerated (a respondent and its units) 120,200 → 55,000,
// BenchmarkRespondentGenerated 27,500 → 10,000-15,000, BenchmarkTextClean
// 90,100 → 60,600; in CPU time, interleaved medians, a unit 4.7 → 2.4 µs
// and a respondent with its units 11.7 → 5.6 µs. A respondent now costs
// about one HMAC. README.md has
// the benchmark tables; equivalence_test.go and shortcuts_test.go hold
// every shortcut to the plain code it replaced.
//
// A Pseudonymizer is safe for concurrent use.
package privacy
