package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

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
	if e := z.sp.early; e.usable(z.m, z.paths) {
		return e.writeRaw(z.zw, z.cw, z.paths, heads, tails)
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
	// The flag cells differ from row to row in their row number and their
	// flags only: zeros is the last row's (number rn) with every flag 0,
	// rnAt where each cell's row number starts in it and digitAt where its
	// flag lies. A row copies it, after writing the digits of its number
	// that differ from the last (mostly one), and sets its ones. Cell by
	// cell, with a search of the unit's codes for each, was most of the
	// sheet's time besides deflate.
	flags         codeFlags
	zeros         []byte
	rn            []byte
	rnAt, digitAt []int
	on            []int
}

func newCellRows(m matrix) *cellRows {
	cr := &cellRows{codes: m.codes, flags: newCodeFlags(m.codes)}
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
	cr.buf = cr.appendRow(cr.buf[:0], r, u, codes)
	return cr.buf
}

// appendRow appends row r's XML to b.
func (cr *cellRows) appendRow(b []byte, r int, u study.Unit, codes []string) []byte {
	var num [20]byte
	rn := strconv.AppendInt(num[:0], int64(r), 10)
	b = append(b, `<row r="`...)
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
	cr.setRow(rn)
	at := len(b)
	b = append(b, cr.zeros...)
	cr.on = cr.flags.columns(cr.on[:0], codes)
	for _, j := range cr.on {
		b[at+cr.digitAt[j]] = '1'
	}
	return append(b, `</row>`...)
}

// setRow makes cr.zeros the flag cells of the row numbered rn.
func (cr *cellRows) setRow(rn []byte) {
	if len(rn) != len(cr.rn) || cr.zeros == nil {
		cr.zeros, cr.rnAt, cr.digitAt = cr.zeros[:0], cr.rnAt[:0], cr.digitAt[:0]
		for i := range cr.codes {
			cr.zeros = append(cr.zeros, `<c r="`...)
			cr.zeros = append(cr.zeros, cr.cols[4+i]...)
			cr.rnAt = append(cr.rnAt, len(cr.zeros))
			cr.zeros = append(cr.zeros, rn...)
			cr.zeros = append(cr.zeros, `"><v>`...)
			cr.digitAt = append(cr.digitAt, len(cr.zeros))
			cr.zeros = append(cr.zeros, `0</v></c>`...)
		}
		cr.rn = append(cr.rn[:0], rn...)
		return
	}
	for d := range rn {
		if rn[d] == cr.rn[d] {
			continue
		}
		cr.rn[d] = rn[d]
		for _, k := range cr.rnAt {
			cr.zeros[k+d] = rn[d]
		}
	}
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

// codingsEarly compresses the Codings sheets' rows while the units are
// scanned, so the workbook does not spend seconds deflating them after the
// analysis, when nothing else is left to run (they are most of the
// workbook: ~320 MB of XML for 200,000 responses). A national panel with
// more units than a sheet holds (maxSheetRows) has several Codings sheets;
// each gets a stream of its own. The rows of each input file are one part
// (segments.go), deflated on its own; a file's rows that the last workbook
// holds at the same row numbers (PartSegment.Key says which) are copied
// from it rather than rendered, when they lie on one sheet. A sheet's head
// (column widths, known only when the last unit has been seen, panes and
// header row) and tail are deflated when the workbook is zipped
// (codingsZip). If anything failed, codingsZip compresses the sheets from
// the spool instead, as one stream each.
type codingsEarly struct {
	m    matrix
	prev *reuse
	walk *partWalk

	started bool
	used    bool // written into the workbook
	err     error
	rows    int // rows so far (copied ones included), over all sheets
	rec     int // the rendered part open in record.Parts, or -1
	// copiedRows counts the rows of copied parts, skippedRows those of
	// their units the scan read anyway (in the spool all the same);
	// copiedWidths are the copied parts' widths.
	copiedRows, skippedRows int
	copiedWidths            [4]int
	cr                      *cellRows
	sheets                  []*earlySheet
	record                  *SegmentFile
	// recSheet is the sheet of each of record.Parts (of its Body; its
	// More pieces lie on the sheets after it); begun says which rendered
	// parts have their Body.
	recSheet []int
	begun    map[int]bool
}

// earlySheet is the compressed rows of one Codings sheet, in a temporary
// file.
type earlySheet struct {
	out *os.File
	obw *bufio.Writer
	sd  *segDeflater // the rows, into out
	aw  *asyncWriter
	x   *xmlWriter // the rows, appended straight to aw's chunks
}

func newCodingsEarly(m matrix, parts []Part, prev *reuse) *codingsEarly {
	e := &codingsEarly{m: m, prev: prev, rec: -1, record: &SegmentFile{Format: segmentFormat}, walk: newPartWalk(parts)}
	e.walk.lookup = func(i int) (PartSegment, bool) {
		p, ok := prev.part(rowKey(parts[i].Key, e.rows+2))
		return p, ok && len(p.More) == morePieces(p.Rows, sheetRoom(e.rows))
	}
	e.walk.copy = func(i int, p PartSegment) error {
		// A part without rows stays where a rendering leaves it: on the
		// sheet being written, full or not.
		if p.Rows > 0 {
			if err := e.nextSheetIfFull(); err != nil {
				return err
			}
		}
		rec := PartSegment{Key: p.Key, Rows: p.Rows, Widths: p.Widths}
		left := p.Rows
		for k, piece := range append([]Segment{p.Body}, p.More...) {
			if k > 0 {
				if err := e.nextSheetIfFull(); err != nil {
					return err
				}
			}
			sh := e.sheet()
			at := sh.sd.out.n
			if err := sh.sd.copyPart(prev, piece); err != nil {
				return err
			}
			piece.Off = at
			if k == 0 {
				rec.Body = piece
				e.addRecord(rec)
			} else {
				r := &e.record.Parts[len(e.record.Parts)-1]
				r.More = append(r.More, piece)
			}
			n := min(left, sheetRoom(e.rows))
			e.rows += n
			left -= n
		}
		e.record.Copied++
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
				e.addRecord(PartSegment{Key: k, Widths: &[4]int{}})
				e.rec = len(e.record.Parts) - 1
			}
		}
		return nil
	}
	e.walk.end = e.endRows
	return e
}

// rowKey is the key of a file's rows starting at row r (counted over all
// sheets) on sheets of maxSheetRows rows: the same rows at other row
// numbers, or split over sheets elsewhere, are other bytes.
func rowKey(key string, r int) string {
	if key == "" {
		return ""
	}
	return key + "@" + strconv.Itoa(r) + "/" + strconv.Itoa(maxSheetRows)
}

// sheet is the sheet being written.
func (e *codingsEarly) sheet() *earlySheet { return e.sheets[len(e.sheets)-1] }

// local is the number of rows on the sheet being written.
func (e *codingsEarly) local() int { return e.rows - (len(e.sheets)-1)*maxSheetRows }

func (e *codingsEarly) addRecord(p PartSegment) {
	e.record.Parts = append(e.record.Parts, p)
	e.recSheet = append(e.recSheet, len(e.sheets)-1)
}

func (e *codingsEarly) start(dir string) {
	e.started = true
	e.cr = newCellRows(e.m)
	e.err = e.newSheet(dir)
}

// newSheet starts the stream of the next sheet.
func (e *codingsEarly) newSheet(dir string) error {
	sh := &earlySheet{}
	var err error
	if sh.out, err = os.CreateTemp(dir, ".report.xlsx.codings.tmp-*"); err != nil {
		return err
	}
	e.sheets = append(e.sheets, sh)
	sh.obw = bufio.NewWriterSize(sh.out, 1<<20)
	if sh.sd, err = newSegDeflater(sh.obw, xlsxDeflateLevel); err != nil {
		return err
	}
	sh.sd.startPar(xlsxDeflateLevel)
	sh.aw = newAsyncWriter(sh.sd)
	sh.x = newXMLWriter(sh.aw)
	return nil
}

// nextSheetIfFull ends the sheet being written when it is full and starts
// the next. A rendered part that goes on past the sheet's end gets a piece
// on each sheet (PartSegment.More); one that has no rows on the full sheet
// starts on the next.
func (e *codingsEarly) nextSheetIfFull() error {
	if e.local() < maxSheetRows {
		return nil
	}
	sh := e.sheet()
	if err := sh.x.flush(); err != nil {
		return err
	}
	if err := sh.aw.Wait(); err != nil {
		return err
	}
	if sh.sd.seg.Raw > 0 {
		s, err := sh.sd.end(false)
		if err != nil {
			return err
		}
		if e.rec >= 0 {
			e.addPiece(e.rec, s)
		}
	}
	if err := sh.finish(); err != nil {
		return err
	}
	if err := e.newSheet(filepath.Dir(sh.out.Name())); err != nil {
		return err
	}
	if e.rec >= 0 && !e.begun[e.rec] {
		e.recSheet[e.rec] = len(e.sheets) - 1
	}
	return nil
}

// addPiece records s as the next piece of rendered part rec: its Body,
// then its More.
func (e *codingsEarly) addPiece(rec int, s Segment) {
	if e.begun == nil {
		e.begun = map[int]bool{}
	}
	if !e.begun[rec] {
		e.begun[rec] = true
		e.record.Parts[rec].Body = s
		return
	}
	e.record.Parts[rec].More = append(e.record.Parts[rec].More, s)
}

// finish ends a sheet's stream (after its last segment).
func (sh *earlySheet) finish() error {
	if err := sh.aw.Close(); err != nil {
		return err
	}
	// Every part has ended, so nothing is in flight; a national panel's
	// next sheet should not find these chunks still held.
	sh.sd.stopPar()
	return sh.obw.Flush()
}

// endRows ends the rows part that is open, recording it when it is one of
// the parts.
func (e *codingsEarly) endRows() error {
	rec := e.rec
	e.rec = -1
	sh := e.sheet()
	if err := sh.x.flush(); err != nil {
		return err
	}
	if err := sh.aw.Wait(); err != nil {
		return err
	}
	if rec < 0 && sh.sd.seg.Raw == 0 {
		return nil
	}
	s, err := sh.sd.end(false)
	if rec >= 0 {
		e.addPiece(rec, s)
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
	if e.err = e.nextSheetIfFull(); e.err != nil {
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
	sh := e.sheet()
	sh.x.b = e.cr.appendRow(sh.x.b, e.local()+1, u, codes)
	sh.x.spill()
	e.err = sh.x.err
}

// unread is the number of copied rows whose units the scan did not read
// (Write spared them: sheetSpares), which the spool therefore lacks.
func (e *codingsEarly) unread() int { return e.copiedRows - e.skippedRows }

// finish ends the sheets after the last unit, and completes the spool's
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
	e.err = e.sheet().finish()
	if e.err == nil && e.rows != sp.rows {
		e.err = fmt.Errorf("%d rows laid out for %d units", e.rows, sp.rows)
	}
}

// usable reports whether the early sheets are the ones the workbook
// writes, in paths.
func (e *codingsEarly) usable(m matrix, paths []string) bool {
	return e != nil && e.err == nil && e.started && len(paths) == len(e.sheets) && slices.Equal(e.m.codes, m.codes)
}

// writeRaw writes each sheet into zw, whose bytes cw counts, as one
// deflated entry: its head (deflated here), its compressed rows and its
// tail; the parts' offsets in the record become offsets in the workbook.
func (e *codingsEarly) writeRaw(zw *zip.Writer, cw *countingWriter, paths []string, heads, tails [][]byte) error {
	rowsAt := make([]int64, len(e.sheets))
	for i, sh := range e.sheets {
		var headZ, tailZ bytes.Buffer
		headS, err := deflatePart(&headZ, bytes.NewReader(heads[i]), xlsxDeflateLevel, false)
		if err != nil {
			return err
		}
		tailS, err := deflatePart(&tailZ, bytes.NewReader(tails[i]), xlsxDeflateLevel, true)
		if err != nil {
			return err
		}
		crc := crc32Combine(crc32Combine(headS.CRC, sh.sd.crc, sh.sd.raw), tailS.CRC, tailS.Raw)
		comp := int64(headZ.Len()) + sh.sd.out.n + int64(tailZ.Len())
		raw := headS.Raw + sh.sd.raw + tailS.Raw
		fh, w, err := createRaw(zw, paths[i], false)
		if err != nil {
			return err
		}
		if err := zw.Flush(); err != nil {
			return err
		}
		at := cw.n + int64(headZ.Len())
		if _, err := w.Write(headZ.Bytes()); err != nil {
			return err
		}
		if _, err := sh.out.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.Copy(w, sh.out); err != nil {
			return err
		}
		if _, err := w.Write(tailZ.Bytes()); err != nil {
			return err
		}
		finishRaw(fh, crc, comp, raw)
		rowsAt[i] = at
	}
	for r := range e.record.Parts {
		p, first := &e.record.Parts[r], e.recSheet[r]
		p.Body.Off += rowsAt[first]
		for k := range p.More {
			p.More[k].Off += rowsAt[first+1+k]
		}
	}
	e.used = true
	return nil
}

func (e *codingsEarly) close() {
	for _, sh := range e.sheets {
		if sh.aw != nil {
			_ = sh.aw.Close()
		}
		if sh.sd != nil {
			sh.sd.stopPar()
		}
		_ = sh.out.Close()
		_ = os.Remove(sh.out.Name())
	}
}
