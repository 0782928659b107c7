package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/veldstem/veldstem/pipeline/study"
	"github.com/xuri/excelize/v2"
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
	if e := z.sp.early; e.usable(z.m, z.paths, heads[0], tails[0]) {
		return e.writeRaw(z.zw, z.paths[0])
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

// codingsEarly compresses the Codings sheet's part while the units are
// scanned, so the workbook does not spend seconds deflating it after the
// analysis, when nothing else is left to run (the part is most of the
// workbook: ~320 MB of XML for a national survey). The part starts with the
// column widths, known only when the last unit has been seen, so the first
// earlyGuessRows units set them (or Input.UnitWidths, when given); the
// compressed part is used only when the widths, head and tail the workbook
// ends up with are the guessed ones, the rows fit on one sheet and nothing
// failed. Otherwise codingsZip compresses the part from the spool as
// before, so the bytes never depend on the guess.
type codingsEarly struct {
	m       matrix
	pending []study.Unit // the units before the guess, with their codes in Unit.Text's place
	codes   [][]string

	started, ok bool
	used        bool // written into the workbook
	err         error
	widths      [4]int
	head, tail  []byte
	rows        int
	cr          *cellRows
	bw          *bufio.Writer
	aw          *asyncWriter
	sum         *crcCounter
	fw          io.WriteCloser
	out         *os.File
	obw         *bufio.Writer
	comp        *countingWriter
}

// earlyGuessRows is how many units set the guessed column widths.
var earlyGuessRows = 4096

func newCodingsEarly(m matrix) *codingsEarly { return &codingsEarly{m: m} }

// add takes the next non-context unit; widths are the spool's so far.
func (e *codingsEarly) add(dir string, u study.Unit, codes []string, widths [4]int, given *[4]int) {
	if e.err != nil {
		return
	}
	if !e.started {
		e.pending = append(e.pending, study.Unit{ID: u.ID, Respondent: u.Respondent, Source: u.Source, Question: u.Question, Speaker: u.Speaker})
		e.codes = append(e.codes, slices.Clone(codes))
		if given == nil && len(e.pending) < earlyGuessRows {
			return
		}
		if given != nil {
			widths = *given
		}
		e.start(dir, widths)
		return
	}
	e.row(u, codes)
}

func (e *codingsEarly) start(dir string, widths [4]int) {
	e.started, e.widths = true, widths
	if e.head, e.tail, e.err = codingsSheetEnds(e.m, widths); e.err != nil {
		return
	}
	if e.out, e.err = os.CreateTemp(dir, ".report.xlsx.codings.tmp-*"); e.err != nil {
		return
	}
	e.obw = bufio.NewWriterSize(e.out, 1<<20)
	e.comp = &countingWriter{w: e.obw}
	// The workbook's zip deflates with newDeflater; the same compressor
	// gives the same bytes.
	if e.fw, e.err = newDeflater(e.comp, xlsxDeflateLevel); e.err != nil {
		return
	}
	e.sum = &crcCounter{w: e.fw}
	e.aw = newAsyncWriter(e.sum)
	e.bw = bufio.NewWriterSize(e.aw, asyncChunk)
	e.cr = newCellRows(e.m)
	_, e.err = e.bw.Write(e.head)
	for i, u := range e.pending {
		e.row(u, e.codes[i])
	}
	e.pending, e.codes = nil, nil
}

func (e *codingsEarly) row(u study.Unit, codes []string) {
	if e.err != nil {
		return
	}
	if e.rows == maxSheetRows {
		e.err = errors.New("more units than a sheet holds")
		return
	}
	e.rows++
	_, e.err = e.bw.Write(e.cr.row(e.rows+1, u, codes))
}

// finish ends the part after the last unit; widths are the measured ones.
func (e *codingsEarly) finish(dir string, widths [4]int) {
	if !e.started && e.err == nil {
		e.start(dir, widths)
	}
	if e.aw == nil {
		return
	}
	if e.err == nil {
		_, e.err = e.bw.Write(e.tail)
	}
	if e.err == nil {
		e.err = e.bw.Flush()
	}
	if err := e.aw.Close(); e.err == nil {
		e.err = err
	}
	if e.err == nil {
		e.err = e.fw.Close()
	}
	if e.err == nil {
		e.err = e.obw.Flush()
	}
	e.ok = e.err == nil && e.widths == widths
}

// usable reports whether the early part is the one the workbook writes.
func (e *codingsEarly) usable(m matrix, paths []string, head, tail []byte) bool {
	return e != nil && e.ok && len(paths) == 1 && slices.Equal(e.m.codes, m.codes) &&
		bytes.Equal(e.head, head) && bytes.Equal(e.tail, tail)
}

// writeRaw copies the compressed part into zw as the entry archive/zip's
// Create would have written for the same content.
func (e *codingsEarly) writeRaw(zw *zip.Writer, name string) error {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Flags: 0x8, CreatorVersion: 20, ReaderVersion: 20,
		CRC32: e.sum.crc, CompressedSize64: uint64(e.comp.n), UncompressedSize64: uint64(e.sum.n)}
	if fh.CompressedSize64 >= 1<<32-1 || fh.UncompressedSize64 >= 1<<32-1 {
		fh.ReaderVersion = 45 // zip64, as fileWriter.close sets it
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	if _, err := e.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = io.Copy(w, e.out)
	e.used = err == nil
	return err
}

func (e *codingsEarly) close() {
	if e.aw != nil {
		_ = e.aw.Close()
	}
	if e.out != nil {
		_ = e.out.Close()
		_ = os.Remove(e.out.Name())
	}
}

// crcCounter passes writes on, summing their CRC-32 and length as a zip
// entry's header records them.
type crcCounter struct {
	w   io.Writer
	crc uint32
	n   int64
}

func (c *crcCounter) Write(p []byte) (int, error) {
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p)
	c.n += int64(len(p))
	return c.w.Write(p)
}

// codingsSheetEnds is what excelize writes before and after the unit rows
// of a Codings sheet with these widths: a throwaway workbook with that
// sheet, whose part is captured.
func codingsSheetEnds(m matrix, widths [4]int) (head, tail []byte, err error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	st, err := newXLSXStyles(f)
	if err != nil {
		return nil, nil, err
	}
	const sheet = "Codings"
	if _, err := f.NewSheet(sheet); err != nil {
		return nil, nil, err
	}
	path, err := startCodingsSheet(f, sheet, m, widths, st)
	if err != nil {
		return nil, nil, err
	}
	c := &partCapture{name: path}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return c })
	if err := f.Write(io.Discard); err != nil {
		return nil, nil, err
	}
	at := bytes.LastIndex(c.buf.Bytes(), []byte("</sheetData>"))
	if at < 0 {
		return nil, nil, errors.New("no sheetData")
	}
	b := c.buf.Bytes()
	return b[:at], b[at:], nil
}

// partCapture is an excelize.ZipWriter that keeps one part and drops the
// others.
type partCapture struct {
	name string
	buf  bytes.Buffer
}

func (c *partCapture) Create(name string) (io.Writer, error) {
	if name == c.name {
		return &c.buf, nil
	}
	return io.Discard, nil
}
func (c *partCapture) AddFS(fs.FS) error { return nil }
func (c *partCapture) Close() error      { return nil }
