// Package ingest turns one input file — a survey export or an interview
// transcript, as practitioners and survey tools really produce them — into
// respondents and their raw units. It is the only package that knows file
// formats.
//
// Survey exports: CSV (generic, Qualtrics, legacy Qualtrics, SurveyMonkey,
// LimeSurvey, Google Forms; delimiter, encoding and dialect detected), XLSX
// and SPSS .sav/.zsav. Transcripts: plain text or Markdown with speaker
// labels, Word .docx, WebVTT (Teams, Zoom), SRT and SBV.
//
// Decisions a user may notice:
//   - Read parses the whole file first and calls emit only when the file has
//     no problems, so a broken file is never half ingested; every problem
//     found is returned at once as Problems.
//   - NUL bytes in text files are stripped: they are artefacts of broken
//     exports and never carry meaning.
//   - Without id_column a survey's respondent ID is the export's own
//     response ID (Qualtrics ResponseId, SurveyMonkey Respondent ID,
//     LimeSurvey id) or else the data row number (1 for the first row).
//   - Without a participants sidecar a transcript file is one respondent
//     whose ID is the file's base name without extension; every turn of a
//     speaker not listed as interviewer is that respondent's.
//   - With a sidecar, interviewer turns belong to the respondent who speaks
//     next (the answer to that question), or else the one who spoke last.
//   - Subtitle cues without a speaker are not merged: with no speaker there
//     is no way to tell where one person's turn ends.
package ingest
