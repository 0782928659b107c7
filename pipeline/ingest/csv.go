package ingest

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// record is one row of a table with the line (or spreadsheet row, or SPSS
// case) where it starts, so that problems point at something a user can find.
type record struct {
	line  int
	cells []string
	// raw holds SPSS values before value labels were applied; open answers
	// are taken from it, since a label on a free-text value would replace
	// what the respondent wrote. Nil for other formats.
	raw []string
}

// delimiterName maps Source.Delimiter spellings to the rune.
func parseDelimiter(s string) (rune, bool) {
	switch s {
	case ",":
		return ',', true
	case ";":
		return ';', true
	case "\t", "tab", "TAB", `\t`:
		return '\t', true
	case "|":
		return '|', true
	}
	return 0, false
}

func delimiterString(d rune) string {
	if d == '\t' {
		return "tab"
	}
	return string(d)
}

// skipBlankLines drops leading lines that hold only whitespace (some tools
// write a title or empty lines above the header) and returns how many lines
// were dropped, so later line numbers still match the file.
func skipBlankLines(text string) (string, int) {
	n := 0
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 || strings.TrimSpace(text[:i]) != "" {
			return text, n
		}
		text = text[i+1:]
		n++
	}
}

// sniffDelimiter picks the candidate delimiter that splits the header into
// the most columns and keeps the following rows at that width. Dutch Excel
// writes ';' because ',' is the decimal separator, so a text full of commas
// is no evidence for ','.
func sniffDelimiter(text string) rune {
	best, bestScore, bestWidth := ',', 0, 0
	for _, d := range []rune{',', ';', '\t'} {
		r := csv.NewReader(strings.NewReader(text))
		r.Comma = d
		r.LazyQuotes = true
		r.FieldsPerRecord = -1
		width, score := 0, 0
		for i := 0; i < 10; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if i == 0 {
				width = len(rec)
				if width < 2 {
					break
				}
			}
			if len(rec) == width {
				score++
			}
		}
		if width < 2 {
			continue
		}
		if score > bestScore || (score == bestScore && width > bestWidth) {
			best, bestScore, bestWidth = d, score, width
		}
	}
	return best
}

// readRecords splits decoded CSV text into records. Quotes are read lazily
// because hand-edited exports contain bare quotes in unquoted answers; a
// record's width is checked later, against the header, with its line.
func readRecords(text string, delim rune, lineOffset int, probs *problemList) []record {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var out []record
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				probs.add(pe.StartLine+lineOffset, pe.Column, "check the quotes around this cell", "cannot read CSV: %v", pe.Err)
			} else {
				probs.add(0, 0, "", "cannot read CSV: %v", err)
			}
			break
		}
		line, _ := r.FieldPos(0)
		out = append(out, record{line: line + lineOffset, cells: rec})
	}
	return out
}
