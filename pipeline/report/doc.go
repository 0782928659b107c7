// Package report renders one run's analysis tables into the files
// researchers hand to a ministry: a self-contained HTML report, the same
// content as Markdown, an Excel workbook, CSV files for R and SPSS scripts,
// a REFI-QDA project for QDA software, and a manifest with checksums.
//
// Report computes nothing: every number comes from analysis.Tables. Its
// duties are faithful rendering and safety. Counts the analysis suppressed
// print as "<MinCell" with no percentage; respondent text is escaped in HTML
// and Markdown and neutralised against formula injection in CSV and XLSX;
// every file is written to a temporary name and renamed, so a crash never
// leaves half a report.
//
// Identical input gives byte-identical files: no wall-clock time appears in
// any body (Manifest.RunAt is copied into manifest.json only), zip entries
// in project.qdpx carry a fixed timestamp, and excelize writes its parts in
// sorted order with zero timestamps, so report.xlsx is byte-stable as well
// (its Codings sheets' rows are written by hand, in sheet order, as
// excelize's StreamWriter wrote them; see xlsx_codings.go).
//
// project.qdpx (REFI-QDA) has one coded selection per unit, the answer or
// speaker turn the analysis counts and a gold coder judges, not one per term
// hit: it spans the unit's text in its source document, carries one Coding
// per code the unit has (ancestors included, negated-only codes not), in
// codebook order, and its Description lists per code the matched words with
// their offsets in the unit and the terms that matched them, negated matches
// marked. A unit whose only matches were negated away gets the selection and
// description without a Coding, so a reviewer can check the negation while
// the QDA tool's code counts stay the analysis's (qdpx_select.go).
//
// Reruns: codings.csv, project.qdpx and the workbook's Codings sheet are
// laid out in parts, one per input file, each rendered (and deflated) on
// its own. Write records where the parts lie (Input.Record), and given that
// record (Input.Previous) it copies each part whose key is unchanged from
// the last file, when that file still has its recorded size and CRC-32C;
// a copied part is byte for byte the part a fresh rendering writes
// (segments.go).
// The units are read in one shared scan (share.go), which with
// Input.EachUnitIn leaves out the files no reader needs: parts every export
// copies, that the analysis has kept (Part.Kept), and whose Codings rows
// come from Input.KeptUnits when they moved.
//
// Speed (issue 10): BenchmarkQDPX renders project.qdpx from 20,000
// generated answers as Write does, deflate included. A selection is
// appended to one buffer and written once instead of a bufio write per
// attribute and escaped run; the description's words are taken by pointer
// (copying the words struct per line was a tenth of the selection's time);
// each byte of a unit's text is counted once, eight ASCII bytes at a time;
// hits are sorted by a small insertion sort; a GUID's hex digits go to
// constant places. Same bytes: the golden files and the schema tests are
// untouched. Old and new test binaries interleaved on the shared two-core
// machine, medians of 8, in two sessions (the other load varied; the first
// before the GUID change):
//
//	CPU ns a unit:  16,157 -> 14,129 (-12.6%);  12,599 -> 11,831 (-6.1%)
//	wall ns a unit:  9,354 ->  8,613;            7,414 ->  7,397
//
// Wall time barely moves: deflate runs beside the rendering on the second
// core and is the longer of the two. Callgrind, per unit of an iteration,
// leaving out SHA-1's blocks (valgrind has no SHA extensions: 48k) and the
// runtime's scheduling and map code, which varied from run to run:
// 88.9k -> 80.9k instructions (-9%). What remains is mostly deflate (~45k,
// a fixed level), SHA-1 for the GUIDs (one per selection and one per
// coding, two blocks each) and escaping the descriptions; checking eight
// bytes at a time for escapes did not pay (the check was not inlined and
// the plain runs between curly quotes and digits are short).
//
// A second round (BenchmarkQDPX and BenchmarkCodings, the latter added
// for codings.csv and the Codings sheet): the selections and the sheet's
// rows are appended straight to the chunk the compressor takes next
// (xmlWriter), not copied through a bufio buffer into it; a description is
// escaped piece by piece as it is written, its labels and words escaped
// once, instead of built and escaped in a second pass; hits hold no
// pointers; codings.csv's rows are appended as encoding/csv wrote them and
// the sheet's flag cells copied from the last row's, each unit's codes
// looked up once instead of searched for every column. Callgrind, per unit
// of an iteration ((3x - 1x)/2), and CPU medians of 6 interleaved runs:
//
//	project.qdpx besides SHA-1 blocks and deflate: 30.9k -> 24.4k instructions; CPU 11,882 -> 11,094 ns
//	codings.csv and the sheet besides deflate (40 codes): 42.3k -> 12.1k instructions
//	CPU ns: codings.csv 2,318 -> 404; the sheet, deflate included, 7,481 -> 5,621
//
// A whole 200,000-response run (this package's change alone, six
// interleaved pairs on the loaded machine) wrote the same reports (cmp;
// manifest.json differs in run_at) in user+system CPU of 24.4 s -> 24.2 s
// (medians), within the runs' spread of ±1.5 s: the profile's share of
// what changed (rendering besides SHA-1 and deflate, the rows' flags and
// copies) was ~2 s of its 23.5.
//
// Tried and left: a table indexed by a seeded hash of a code ID's first
// and last eight bytes instead of the codes map (7.5 vs 10 ns a lookup,
// ~1% of a selection, not worth its code); reusing SHA-1 state for a
// GUID's constant prefix (namespace, "veldstem:", kind and a unit ID of
// ~29 bytes make 62–64 bytes, short of the 64-byte block whose state
// could be kept). Deflate is fed in writes whose boundaries it does not
// see (klauspost's fast levels fill a 64 KiB window whatever the writes),
// so its cost is the level's; project.qde's 834 MB at level 1 is what
// remains of the export's time.
//
// CSV numbers: with the default ',' delimiter numbers use '.' decimals
// (R read.csv, SPSS, Python). With ';' (the Dutch Excel dialect) numbers use
// ',' decimals, because that is what Dutch Excel and R's read.csv2 expect;
// a ';' file with '.' decimals would be read as text or dates there.
package report
