package report

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// codeFlags finds the matrix columns of the codes a unit carries. The
// Codings rows (codings.csv, the workbook's sheet) have a 0/1 cell per
// codebook code, and asking of each whether the unit's codes contain it
// compared some hundred strings a row; a unit has a handful of codes, each
// looked up once here.
type codeFlags struct {
	first map[string]int // a code's first column
	next  []int          // the next column of the same code, or -1
}

func newCodeFlags(codes []string) codeFlags {
	f := codeFlags{first: make(map[string]int, len(codes)), next: make([]int, len(codes))}
	last := map[string]int{}
	for i, c := range codes {
		f.next[i] = -1
		if j, ok := last[c]; ok {
			f.next[j] = i
		} else {
			f.first[c] = i
		}
		last[c] = i
	}
	return f
}

// columns appends to dst the columns whose code is one of codes (a column
// may come more than once).
func (f *codeFlags) columns(dst []int, codes []string) []int {
	for _, c := range codes {
		j, ok := f.first[c]
		for ok && j >= 0 {
			dst = append(dst, j)
			j = f.next[j]
		}
	}
	return dst
}

// csvRows writes codings.csv's unit rows byte for byte as encoding/csv's
// Writer (UseCRLF off) wrote them from the matrix's cells: that Writer
// checked and wrote every field of a row on its own, the 0/1 flags too,
// and was most of the file's time. The flags and the line end are copied
// from a row of zeros and the unit's ones set.
type csvRows struct {
	comma   rune
	flags   codeFlags
	zeros   []byte // the flag fields, all "0", each after a comma, and "\n"
	digitAt []int  // where each flag lies in zeros
	on      []int
}

// newCSVRows writes rows for the codes with comma, which must be a valid
// csv.Writer delimiter.
func newCSVRows(codes []string, comma rune) *csvRows {
	cr := &csvRows{comma: comma, flags: newCodeFlags(codes)}
	for range codes {
		cr.zeros = utf8.AppendRune(cr.zeros, comma)
		cr.digitAt = append(cr.digitAt, len(cr.zeros))
		cr.zeros = append(cr.zeros, '0')
	}
	cr.zeros = append(cr.zeros, '\n')
	return cr
}

// appendRow appends the row of u (its four text cells through safeText)
// with codes.
func (cr *csvRows) appendRow(b []byte, u study.Unit, codes []string) []byte {
	b = cr.appendField(b, safeText(u.ID))
	b = utf8.AppendRune(b, cr.comma)
	b = cr.appendField(b, safeText(u.Respondent))
	b = utf8.AppendRune(b, cr.comma)
	b = cr.appendField(b, safeText(u.Source))
	b = utf8.AppendRune(b, cr.comma)
	b = cr.appendField(b, safeText(firstNonEmpty(u.Question, u.Speaker)))
	at := len(b)
	b = append(b, cr.zeros...)
	cr.on = cr.flags.columns(cr.on[:0], codes)
	for _, j := range cr.on {
		b[at+cr.digitAt[j]] = '1'
	}
	return b
}

// appendField appends field as csv.Writer writes it: quoted, with its
// quotes doubled, when fieldNeedsQuotes says so.
func (cr *csvRows) appendField(b []byte, field string) []byte {
	if !cr.needsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(field, '"')
		if i < 0 {
			break
		}
		b = append(b, field[:i+1]...)
		b = append(b, '"')
		field = field[i+1:]
	}
	b = append(b, field...)
	return append(b, '"')
}

// needsQuotes is csv.Writer's fieldNeedsQuotes.
func (cr *csvRows) needsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	if cr.comma < utf8.RuneSelf {
		for i := 0; i < len(field); i++ {
			c := field[i]
			if c == '\n' || c == '\r' || c == '"' || c == byte(cr.comma) {
				return true
			}
		}
	} else if strings.ContainsRune(field, cr.comma) || strings.ContainsAny(field, "\"\r\n") {
		return true
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}
