// Package spill sorts and holds records that need not fit in memory: a
// Sorter orders records by key in a fixed buffer that it writes out to a
// temporary file as sorted runs, and merges the runs when read; a Spool
// keeps bytes written in order, in memory up to a limit and then on disk.
// The analysis uses both to sum over a national survey's respondents in a
// fixed order without holding them, and ingest to find repeated
// respondent IDs without holding every ID (issue 10: memory that stays
// flat as the corpus grows).
//
// Temporary files are unlinked as soon as they are made where the system
// allows it, so a killed run leaves nothing behind.
package spill
