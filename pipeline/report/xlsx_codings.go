package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

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
	cw    *countingWriter // under zw, for the offsets of copied parts
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
		return e.writeRaw(z.zw, z.cw, z.paths[0])
	}
	if z.sp.unread > 0 || z.sp.unspooled {
		// Write spares units, and the spool its rows, only when the early
		// part will be used.
		return fmt.Errorf("the Codings sheet's compressed rows could not be used (%v), and its rows were not all kept", z.sp.early.err)
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
// workbook: ~320 MB of XML for a national survey). The part is laid out in
// parts (segments.go): its head (column widths, known only when the last
// unit has been seen, panes and header row), one part of rows per input
// file, and its tail, each deflated on its own. The rows are compressed on
// the way; head and tail when the scan ends. A file's rows that the last
// workbook holds at the same row numbers (PartSegment.Key says which) are
// copied from it rather than rendered. The part is used when the rows fit
// on one sheet and nothing failed; otherwise codingsZip compresses the part
// from the spool, as one stream.
type codingsEarly struct {
	m    matrix
	prev *reuse
	walk *partWalk

	started bool
	used    bool // written into the workbook
	err     error
	rows    int // rows so far (copied ones included)
	rec     int // the rendered part open in record.Parts, or -1
	// copiedRows counts the rows of copied parts, skippedRows those of
	// their units the scan read anyway (in the spool all the same);
	// copiedWidths are the copied parts' widths.
	copiedRows, skippedRows int
	copiedWidths            [4]int
	cr                      *cellRows
	bw                      *bufio.Writer
	aw                      *asyncWriter
	sd                      *segDeflater // the rows, into out
	out                     *os.File
	obw                     *bufio.Writer
	head, tail              []byte
	headZ                   *bytes.Buffer // head, deflated (a part that ends in a sync flush)
	tailZ                   *bytes.Buffer // tail, deflated, with the final block
	headS                   Segment
	tailS                   Segment
	record                  *SegmentFile
}

func newCodingsEarly(m matrix, parts []Part, prev *reuse) *codingsEarly {
	e := &codingsEarly{m: m, prev: prev, rec: -1, record: &SegmentFile{Format: segmentFormat}, walk: newPartWalk(parts)}
	e.walk.lookup = func(i int) (PartSegment, bool) {
		p, ok := prev.part(rowKey(parts[i].Key, e.rows+2))
		return p, ok && e.rows+p.Rows <= maxSheetRows
	}
	e.walk.copy = func(i int, p PartSegment) error {
		at := e.sd.out.n
		if err := e.sd.copyPart(prev, p.Body); err != nil {
			return err
		}
		e.record.Parts = append(e.record.Parts, PartSegment{Key: p.Key, Rows: p.Rows, Widths: p.Widths,
			Body: Segment{Off: at, Len: p.Body.Len, CRC: p.Body.CRC, Raw: p.Body.Raw}})
		e.record.Copied++
		e.rows += p.Rows
		e.copiedRows += p.Rows
		if p.Widths != nil {
			for k, w := range p.Widths {
				e.copiedWidths[k] = max(e.copiedWidths[k], w)
			}
		}
		return nil
	}
	e.walk.open = func(i int) error {
		if i >= 0 {
			if k := rowKey(parts[i].Key, e.rows+2); k != "" {
				e.record.Parts = append(e.record.Parts, PartSegment{Key: k, Widths: &[4]int{}})
				e.rec = len(e.record.Parts) - 1
			}
		}
		return nil
	}
	e.walk.end = e.endRows
	return e
}

// rowKey is the key of a file's rows starting at row r: the same rows at
// other row numbers are other bytes.
func rowKey(key string, r int) string {
	if key == "" {
		return ""
	}
	return key + "@" + strconv.Itoa(r)
}

func (e *codingsEarly) start(dir string) {
	e.started = true
	if e.out, e.err = os.CreateTemp(dir, ".report.xlsx.codings.tmp-*"); e.err != nil {
		return
	}
	e.obw = bufio.NewWriterSize(e.out, 1<<20)
	if e.sd, e.err = newSegDeflater(e.obw, xlsxDeflateLevel); e.err != nil {
		return
	}
	e.aw = newAsyncWriter(e.sd)
	e.bw = bufio.NewWriterSize(e.aw, asyncChunk)
	e.cr = newCellRows(e.m)
}

// endRows ends the rows part that is open, recording it when it is one of
// the parts.
func (e *codingsEarly) endRows() error {
	rec := e.rec
	e.rec = -1
	if err := e.bw.Flush(); err != nil {
		return err
	}
	if err := e.aw.Wait(); err != nil {
		return err
	}
	if rec < 0 && e.sd.seg.Raw == 0 {
		return nil
	}
	s, err := e.sd.end(false)
	if rec >= 0 {
		e.record.Parts[rec].Body = s
	}
	return err
}

// add takes the next unit, context units included.
func (e *codingsEarly) add(dir string, u study.Unit, codes []string) {
	if e.err != nil {
		return
	}
	if !e.started {
		if e.start(dir); e.err != nil {
			return
		}
	}
	_, skip, err := e.walk.unit(u.Source, u.File)
	if skip && !u.Context {
		e.skippedRows++
	}
	if e.err = err; err != nil || skip || u.Context {
		return
	}
	if e.rows == maxSheetRows {
		e.err = errors.New("more units than a sheet holds")
		return
	}
	e.rows++
	if e.rec >= 0 {
		p := &e.record.Parts[e.rec]
		p.Rows++
		for k, t := range [4]string{u.ID, u.Respondent, u.Source, firstNonEmpty(u.Question, u.Speaker)} {
			p.Widths[k] = max(p.Widths[k], utf8.RuneCountInString(t))
		}
	}
	_, e.err = e.bw.Write(e.cr.row(e.rows+1, u, codes))
}

// unread is the number of copied rows whose units the scan did not read
// (Write spared them: sheetSpares), which the spool therefore lacks.
func (e *codingsEarly) unread() int { return e.copiedRows - e.skippedRows }

// finish ends the part after the last unit, and completes the spool's
// count of rows and its widths with the copied rows it lacks (unread); the
// rows laid out must agree with the spool's.
func (e *codingsEarly) finish(dir string, sp *codingSpool) {
	if !e.started && e.err == nil {
		e.start(dir)
	}
	if e.err == nil {
		e.err = e.walk.finish()
	}
	// Counted whatever failed: codingsZip refuses a spool that lacks rows.
	sp.unread = e.unread()
	sp.rows += sp.unread
	for i, w := range e.copiedWidths {
		sp.widths[i] = max(sp.widths[i], w)
	}
	if e.err != nil {
		return
	}
	e.err = e.aw.Close()
	if e.err == nil {
		e.err = e.obw.Flush()
	}
	if e.err == nil && e.rows != sp.rows {
		e.err = fmt.Errorf("%d rows laid out for %d units", e.rows, sp.rows)
	}
	if e.err != nil {
		return
	}
	if e.head, e.tail, e.err = codingsSheetEnds(e.m, sp.widths); e.err != nil {
		return
	}
	e.headZ, e.tailZ = &bytes.Buffer{}, &bytes.Buffer{}
	if e.headS, e.err = deflatePart(e.headZ, bytes.NewReader(e.head), xlsxDeflateLevel, false); e.err != nil {
		return
	}
	e.tailS, e.err = deflatePart(e.tailZ, bytes.NewReader(e.tail), xlsxDeflateLevel, true)
}

// usable reports whether the early part is the one the workbook writes.
func (e *codingsEarly) usable(m matrix, paths []string, head, tail []byte) bool {
	return e != nil && e.err == nil && e.headZ != nil && len(paths) == 1 && slices.Equal(e.m.codes, m.codes) &&
		bytes.Equal(e.head, head) && bytes.Equal(e.tail, tail)
}

// writeRaw copies the compressed part into zw, whose bytes cw counts, as
// one deflated entry of its head, rows and tail; the parts' offsets in the
// record become offsets in the workbook.
func (e *codingsEarly) writeRaw(zw *zip.Writer, cw *countingWriter, name string) error {
	crc := crc32Combine(crc32Combine(e.headS.CRC, e.sd.crc, e.sd.raw), e.tailS.CRC, e.tailS.Raw)
	comp := int64(e.headZ.Len()) + e.sd.out.n + int64(e.tailZ.Len())
	raw := e.headS.Raw + e.sd.raw + e.tailS.Raw
	fh, w, err := createRaw(zw, name, false)
	if err != nil {
		return err
	}
	if err := zw.Flush(); err != nil {
		return err
	}
	rowsAt := cw.n + int64(e.headZ.Len())
	if _, err := w.Write(e.headZ.Bytes()); err != nil {
		return err
	}
	if _, err := e.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(w, e.out); err != nil {
		return err
	}
	if _, err := w.Write(e.tailZ.Bytes()); err != nil {
		return err
	}
	finishRaw(fh, crc, comp, raw)
	for i := range e.record.Parts {
		e.record.Parts[i].Body.Off += rowsAt
	}
	e.used = true
	return nil
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
