// Package spss reads SPSS system files (.sav and the zlib-compressed .zsav)
// into memory: variables with their labels, value labels, formats and
// missing-value definitions, and every case's values.
//
// It exists because Qualtrics and LimeSurvey hand statisticians .sav
// exports and no maintained pure-Go reader exists. The reader follows the
// system file format published by GNU PSPP. It treats every header field
// as untrusted: counts and sizes are checked before anything is allocated,
// and a damaged file yields an error naming the byte offset and record type,
// never a panic.
//
// Portable files (.por) are not supported.
package spss
