package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/veldstem/veldstem/pipeline/study"
)

// The Codings sheet has a row per unit (400,000 for a national survey) and
// was most of the workbook's time outside deflate: excelize's StreamWriter
// builds every cell as an xlsxC with its reference formatted and its value
// boxed, escaped and checked for "_xHHHH_" sequences, then buffers the XML
// in a temporary file that is read back when the workbook is zipped. Here
// the sheet's stream holds only its head (columns, panes, header row) and
// tail; codingsZip, the workbook's zip writer, writes the unit rows between
// them as the part is compressed, appending each cell's XML directly. The
// bytes are the ones SetRow wrote (xlsx_ref_test.go keeps that renderer and
// compares).

// codingsZip is the excelize.ZipWriter of a workbook with Codings sheets.
// excelize writes its streamed sheets first; codingsZip holds their parts
// (head and tail, a few KB) until the first other part, then writes every
// Codings part with its rows, in sheet order.
type codingsZip struct {
	zw    *zip.Writer
	m     matrix
	sp    *codingSpool
	paths []string // the Codings parts, in sheet order

	held    map[string]*bytes.Buffer
	written bool
}

func (z *codingsZip) Create(name string) (io.Writer, error) {
	for _, p := range z.paths {
		if p == name && !z.written {
			if z.held == nil {
				z.held = map[string]*bytes.Buffer{}
			}
			b := &bytes.Buffer{}
			z.held[name] = b
			return b, nil
		}
	}
	if err := z.writeCodings(); err != nil {
		return nil, err
	}
	return z.zw.Create(name)
}

func (z *codingsZip) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }

func (z *codingsZip) Close() error {
	if err := z.writeCodings(); err != nil {
		return err
	}
	return z.zw.Close()
}

// writeCodings writes the held Codings parts with the spooled rows, once.
func (z *codingsZip) writeCodings() error {
	if z.written {
		return nil
	}
	z.written = true
	heads := make([][]byte, len(z.paths))
	tails := make([][]byte, len(z.paths))
	for i, p := range z.paths {
		b := z.held[p]
		if b == nil {
			return fmt.Errorf("the Codings sheet part %s was not written", p)
		}
		at := bytes.LastIndex(b.Bytes(), []byte("</sheetData>"))
		if at < 0 {
			return fmt.Errorf("the Codings sheet part %s has no sheetData", p)
		}
		heads[i], tails[i] = b.Bytes()[:at], b.Bytes()[at:]
	}
	var (
		bw   = bufio.NewWriterSize(nil, 1<<16)
		cr   = newCellRows(z.m)
		part = -1
		r    = maxSheetRows // rows on the current part
	)
	endPart := func() error {
		if _, err := bw.Write(tails[part]); err != nil {
			return err
		}
		return bw.Flush()
	}
	next := func() error {
		if part >= 0 {
			if err := endPart(); err != nil {
				return err
			}
		}
		part++
		fw, err := z.zw.Create(z.paths[part])
		if err != nil {
			return err
		}
		bw.Reset(fw)
		_, err = bw.Write(heads[part])
		r = 0
		return err
	}
	err := z.sp.each(func(u study.Unit, codes []string) error {
		if r == maxSheetRows {
			if err := next(); err != nil {
				return err
			}
		}
		r++
		_, err := bw.Write(cr.row(r+1, u, codes))
		return err
	})
	if err != nil {
		return err
	}
	for part < len(z.paths)-1 {
		if err := next(); err != nil {
			return err
		}
	}
	return endPart()
}

// cellRows renders Codings rows as excelize's StreamWriter.SetRow did for
// the unit's four text cells (inline strings; empty ones left out) and its
// 0/1 flags per code.
type cellRows struct {
	codes []string
	cols  [][]byte // column letters
	buf   []byte
	esc   strings.Builder
}

func newCellRows(m matrix) *cellRows {
	cr := &cellRows{codes: m.codes}
	for i := range 4 + len(m.codes) {
		cr.cols = append(cr.cols, []byte(columnName(i+1)))
	}
	return cr
}

// columnName is a column's letters: 1 is A, 27 is AA.
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// row returns row r's XML; it is valid until the next call.
func (cr *cellRows) row(r int, u study.Unit, codes []string) []byte {
	var num [20]byte
	rn := strconv.AppendInt(num[:0], int64(r), 10)
	b := append(cr.buf[:0], `<row r="`...)
	b = append(b, rn...)
	b = append(b, `">`...)
	for i, t := range [4]string{u.ID, u.Respondent, u.Source, firstNonEmpty(u.Question, u.Speaker)} {
		if t == "" {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, cr.cols[i]...)
		b = append(b, rn...)
		b = append(b, `" t="inlineStr"><is><t`...)
		v, preserve := cr.inlineText(t)
		if preserve {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = append(b, v...)
		b = append(b, `</t></is></c>`...)
	}
	for i, code := range cr.codes {
		b = append(b, `<c r="`...)
		b = append(b, cr.cols[4+i]...)
		b = append(b, rn...)
		if containsString(codes, code) {
			b = append(b, `"><v>1</v></c>`...)
		} else {
			b = append(b, `"><v>0</v></c>`...)
		}
	}
	b = append(b, `</row>`...)
	cr.buf = b
	return b
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// inlineText is an inline string's text as excelize writes it, and whether
// it needs xml:space="preserve". IDs and names are nearly always printable
// ASCII without markup, spaces at either end or "_x", which need nothing.
func (cr *cellRows) inlineText(s string) (string, bool) {
	plain := len(s) <= excelCellChars && s[0] != ' ' && s[len(s)-1] != ' '
	for i := 0; plain && i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\'', c == '&', c == '<', c == '>':
			plain = false
		case c == '_' && i+1 < len(s) && s[i+1] == 'x':
			plain = false
		}
	}
	if plain {
		return s, false
	}
	return excelInlineText(s, &cr.esc)
}

// excelCellChars is the most UTF-16 code units a cell holds; excelize cuts
// longer text.
const excelCellChars = 32767

// excelInlineText mirrors excelize (v2.11.1) trimCellValue(s, true): the
// text cut to excelCellChars UTF-16 units, xml:space="preserve" when it
// starts or ends with a tab, newline, CR or space, escaped by encoding/xml
// (newlines kept literal), then bstrMarshal's escaping of "_xHHHH_".
func excelInlineText(s string, esc *strings.Builder) (string, bool) {
	if utf16Len(s) > excelCellChars {
		n := 0
		for i, r := range s {
			if n += utf16.RuneLen(r); n > excelCellChars {
				s = s[:i]
				break
			}
		}
	}
	preserve := false
	if s != "" {
		for _, c := range []byte{9, 10, 13, 32} {
			if s[0] == c || s[len(s)-1] == c {
				preserve = true
				break
			}
		}
		esc.Reset()
		_ = xml.EscapeText(esc, []byte(s))
		s = strings.ReplaceAll(esc.String(), "&#xA;", "\n")
	}
	return bstrMarshal(s), preserve
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's (v2.11.1): it escapes a literal "_xHHHH_" as
// "_x005F_xHHHH_" so Excel does not read it as an escaped character.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}
