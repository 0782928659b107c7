package report

// A raw zip entry's MS-DOS date and 32-bit size fields are written as the
// caller sets them (CreateHeader derives them; CreateRaw does not).
//lint:file-ignore SA1019 createRaw and finishRaw must set archive/zip's deprecated fields.

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"

	kflate "github.com/klauspost/compress/flate"
	"github.com/veldstem/veldstem/pipeline/study"
)

// A rerun that adds 1% new responses to a national survey used to render
// codings.csv and project.qdpx again from every unit: seconds of reading
// and deflating bytes that were already on disk. These exports are now
// laid out in parts, one per input file in unit order, each rendered (and,
// in the project, deflated) on its own, so that a part depends only on that
// file's units. Write records where each part lies (Segments); the next run
// copies the bytes of every part whose key is unchanged out of the previous
// file instead of rendering it. The previous file is used only when its
// SHA-256 is still the recorded one, so an edited or replaced report never
// leaks into the new one, and a copied part is byte for byte the part a
// fresh rendering writes: reports stay a pure function of their input.
//
// A deflated part ends with a sync flush (an empty stored block), which
// byte-aligns it and leaves the stream open, and starts a fresh
// compressor, so parts concatenate into one valid deflate stream; the last
// part carries the final block. The zip entry's CRC-32 is combined from the
// parts' (crc32Combine).

// segmentFormat changes whenever the layout of a part changes, so a new
// veldstem never copies parts an older one laid out differently.
const segmentFormat = "veldstem/segments/v4" // v2, v3: the Codings sheet in chunks of 1 MiB, of 512 KiB (pardeflate.go); v4: CRC32C

// castagnoli is the CRC-32C table: the CPU computes it (SSE 4.2, ARMv8),
// ~20 times faster here than SHA-256.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Part names one input file's share of the unit-level exports, in unit
// order (source, file).
type Part struct {
	Source, File string
	// Key must change whenever anything the file's rows depend on changes:
	// the file's bytes, the codebook, the config, veldstem's version.
	Key string
	// Units is at least the number of the file's units, context units
	// included (the store's count). Write copies a part of the Codings
	// sheet without reading the file's units only when these counts say
	// every row fits on one sheet.
	Units int
	// Kept says the run kept what the analysis and the workbook's Codings
	// sheet read of this file's units: Analyse reads none of them from the
	// shared scan, and with Input.KeptUnits the sheet does not either, so
	// the scan reads them only for an export that renders the part.
	Kept bool
}

// Segments records where each part lies in the unit-level exports one run
// wrote, for the next run to copy the unchanged parts.
type Segments struct {
	CSV  *SegmentFile `json:"codings_csv,omitempty"`
	QDPX *SegmentFile `json:"project_qdpx,omitempty"`
	// XLSX has the rows of the workbook's Codings sheet; a part's key ends
	// in its first row number.
	XLSX *SegmentFile `json:"report_xlsx,omitempty"`
}

// SegmentFile is one export with its parts.
type SegmentFile struct {
	Format string `json:"format"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	// CRC32C is the file's CRC-32C, which the next run checks the file
	// against before it copies from it: a 200k study's three exports are
	// 232 MB, whose SHA-256 was ~0.15 s before any rerun's reports could
	// start. It is to notice a file edited or saved over (by Excel, say),
	// not forged; the manifest keeps the SHA-256.
	CRC32C uint32        `json:"crc32c"`
	Bytes  int64         `json:"bytes"`
	Parts  []PartSegment `json:"parts"`
	// Copied counts the parts this run copied rather than rendered.
	Copied int `json:"-"`
}

// PartSegment is where one part lies in an export.
type PartSegment struct {
	Key string `json:"key"`
	// Body is the part's rows in codings.csv, or its TextSource in the
	// project's project.qde (deflated).
	Body Segment `json:"body"`
	// Text is the part's source text entry in the project (deflated).
	Text *Segment `json:"text,omitempty"`
	// Rows counts the part's rows on the workbook's Codings sheet.
	Rows int `json:"rows,omitempty"`
	// Widths are the widest of the part's four text cells on the Codings
	// sheet, in code points: with them the sheet's column widths are known
	// without reading the part's units again.
	Widths *[4]int `json:"widths,omitempty"`
	// More are the rows that go on past the end of Body's sheet: one piece
	// per following sheet, in order (a national panel's file can fill
	// more than a sheet).
	More []Segment `json:"more,omitempty"`
}

// Segment is a byte range of a file: Off and Len in the file; for
// deflated bytes, CRC and Raw are the CRC-32 and length of what they
// inflate to.
type Segment struct {
	Off int64  `json:"off"`
	Len int64  `json:"len"`
	CRC uint32 `json:"crc,omitempty"`
	Raw int64  `json:"raw,omitempty"`
}

// reuse is a previous export whose parts may be copied.
type reuse struct {
	f     *os.File
	parts map[string]PartSegment
}

// openReuse opens the previous export prev describes, in dir, when it is
// there with the recorded checksum and the current layout; otherwise nil.
func openReuse(dir string, prev *SegmentFile) *reuse {
	if prev == nil || prev.Format != segmentFormat || len(prev.Parts) == 0 {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, prev.Path))
	if err != nil {
		return nil
	}
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	if err != nil || n != prev.Bytes || h.Sum32() != prev.CRC32C {
		_ = f.Close()
		return nil
	}
	r := &reuse{f: f, parts: map[string]PartSegment{}}
	// A record that does not fit the file (a damaged cache) only costs
	// the rendering of its parts.
	within := func(s Segment) bool { return s.Off >= 0 && s.Len >= 0 && s.Raw >= 0 && s.Off <= n-s.Len }
	for _, p := range prev.Parts {
		if p.Key != "" && within(p.Body) && (p.Text == nil || within(*p.Text)) && p.Rows >= 0 && !slices.ContainsFunc(p.More, func(s Segment) bool { return !within(s) }) {
			r.parts[p.Key] = p
		}
	}
	return r
}

// part returns the recorded part for key.
func (r *reuse) part(key string) (PartSegment, bool) {
	if r == nil || key == "" {
		return PartSegment{}, false
	}
	p, ok := r.parts[key]
	return p, ok
}

// copy writes segment s of the previous file to w.
func (r *reuse) copy(w io.Writer, s Segment) error {
	n, err := io.Copy(w, io.NewSectionReader(r.f, s.Off, s.Len))
	if err == nil && n != s.Len {
		err = fmt.Errorf("previous %s ended early", filepath.Base(r.f.Name()))
	}
	return err
}

func (r *reuse) close() {
	if r != nil {
		_ = r.f.Close()
	}
}

// partIndex maps each part's (source, file) to its index.
func partIndex(parts []Part) map[string]int {
	m := make(map[string]int, len(parts))
	for i, p := range parts {
		m[p.Source+"\x00"+p.File] = i
	}
	return m
}

// crc32Combine returns the CRC-32 (IEEE) of a||b from crcA = CRC(a),
// crcB = CRC(b) and len(b), by zlib's crc32_combine: appending len(b) zero
// bytes to a is a linear map on the CRC register, applied by repeated
// squaring of the one-zero-bit operator over GF(2).
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = crc32.IEEE // the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd)
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

// segDeflater deflates a zip entry in parts (see the top of this file).
type segDeflater struct {
	out *countingWriter // the entry's compressed bytes
	fw  *kflate.Writer
	par *parDeflate // when not nil, parts are deflated in chunks (pardeflate.go)
	crc uint32      // of the entry so far
	raw int64
	seg Segment // the open part; Off is relative to the entry's data
}

func newSegDeflater(w io.Writer, level int) (*segDeflater, error) {
	out := &countingWriter{w: w}
	fw, err := kflate.NewWriter(out, level)
	if err != nil {
		return nil, err
	}
	return &segDeflater{out: out, fw: fw}, nil
}

func (d *segDeflater) Write(p []byte) (int, error) {
	d.seg.CRC = crc32.Update(d.seg.CRC, crc32.IEEETable, p)
	d.seg.Raw += int64(len(p))
	if d.par != nil {
		d.par.write(p)
		return len(p), nil
	}
	return d.fw.Write(p)
}

// end closes the open part, with the final block when final, and opens
// the next.
func (d *segDeflater) end(final bool) (Segment, error) {
	var err error
	switch {
	case d.par != nil:
		err = d.par.end(final)
	case final:
		err = d.fw.Close()
	default:
		err = d.fw.Flush()
	}
	s := d.seg
	s.Len = d.out.n - s.Off
	d.crc = crc32Combine(d.crc, s.CRC, s.Raw)
	d.raw += s.Raw
	d.fw.Reset(d.out)
	d.seg = Segment{Off: d.out.n}
	return s, err
}

// deflatePart deflates all of r into w as one part at level: ending in
// the final block when final, else in a sync flush.
func deflatePart(w io.Writer, r io.Reader, level int, final bool) (Segment, error) {
	d, err := newSegDeflater(w, level)
	if err != nil {
		return Segment{}, err
	}
	if _, err := io.Copy(d, r); err != nil {
		return Segment{}, err
	}
	return d.end(final)
}

// copyPart appends a part deflated by an earlier run (s, from r); no part
// may be open with data in it.
func (d *segDeflater) copyPart(r *reuse, s Segment) error {
	if err := r.copy(d.out, s); err != nil {
		return err
	}
	d.crc = crc32Combine(d.crc, s.CRC, s.Raw)
	d.raw += s.Raw
	d.seg = Segment{Off: d.out.n}
	return nil
}

// zipTimeExtra is the extended-timestamp extra field archive/zip's
// CreateHeader adds for zipTime; raw entries get the same.
var zipTimeExtra = func() []byte {
	b := []byte{0x55, 0x54, 5, 0, 1, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[5:], uint32(zipTime.Unix()))
	return b
}()

// createRaw adds an entry whose deflated bytes the caller writes, with the
// header fields CreateHeader would set for a deflated entry, dated zipTime
// when dated (as project.qdpx's entries are) or undated (as Create leaves
// the workbook's); finishRaw fills in its checksum and sizes before the
// next entry.
func createRaw(zw *zip.Writer, name string, dated bool) (*zip.FileHeader, io.Writer, error) {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Flags: 0x8, CreatorVersion: 20, ReaderVersion: 20}
	if dated {
		// CreateRaw writes the MS-DOS date fields as given (only
		// CreateHeader derives them from Modified), so they are set here.
		t := zipTime
		fh.ModifiedDate = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
		fh.ModifiedTime = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
		fh.Extra = append([]byte(nil), zipTimeExtra...)
	}
	w, err := zw.CreateRaw(fh)
	return fh, w, err
}

// finishRaw records a raw entry's CRC-32 and sizes, as archive/zip does
// when it has compressed an entry itself; the data descriptor and the
// central directory are written from them.
func finishRaw(fh *zip.FileHeader, crc uint32, comp, raw int64) {
	fh.CRC32 = crc
	fh.CompressedSize64, fh.UncompressedSize64 = uint64(comp), uint64(raw)
	const max32 = 1<<32 - 1
	if comp >= max32 || raw >= max32 {
		fh.CompressedSize, fh.UncompressedSize = max32, max32
		fh.ReaderVersion = 45 // zip64
	} else {
		fh.CompressedSize, fh.UncompressedSize = uint32(comp), uint32(raw)
	}
}

// errUnitOrder is returned when units do not come in (source, file) order,
// which the parts' layout relies on.
var errUnitOrder = errors.New("units are not in (source, file) order")

// partWalk follows a renderer's units through the parts: when the units
// move on to another file it ends the part being rendered, copies the
// parts before the new file's that the last export holds, and copies the
// new file's own part too when it can (its units are then skipped). Each
// renderer says how to do those things with its own bytes.
type partWalk struct {
	parts []Part
	index map[string]int
	next  int // the first part neither rendered nor copied
	key   string
	moved bool // key is set
	skip  bool // the current file's part was copied

	// lookup returns what can be copied for part i now, if anything.
	lookup func(i int) (PartSegment, bool)
	// copy copies part i.
	copy func(i int, p PartSegment) error
	// open starts rendering part i (-1: a file not among the parts);
	// end ends the part being rendered, if any.
	open func(i int) error
	end  func() error
}

func newPartWalk(parts []Part) *partWalk {
	return &partWalk{parts: parts, index: partIndex(parts)}
}

// unit moves the walk to a unit of source and file; it reports whether
// the unit's file differs from the last unit's, and whether the unit's
// part was copied (so the unit must not be rendered).
func (w *partWalk) unit(source, file string) (changed, skip bool, err error) {
	if w.moved && isSourceKey(w.key, source, file) {
		return false, w.skip, nil
	}
	if err := w.end(); err != nil {
		return true, false, err
	}
	w.moved, w.key, w.skip = true, source+"\x00"+file, false
	j, ok := w.index[w.key]
	if !ok {
		return true, false, w.open(-1)
	}
	if j < w.next {
		return true, false, errUnitOrder
	}
	if err := w.copyUpTo(j); err != nil {
		return true, false, err
	}
	if _, ok := w.lookup(j); ok {
		w.skip = true
		return true, true, w.copyUpTo(j + 1)
	}
	w.next = j + 1
	return true, false, w.open(j)
}

func (w *partWalk) copyUpTo(j int) error {
	for ; w.next < j; w.next++ {
		if p, ok := w.lookup(w.next); ok {
			if err := w.copy(w.next, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish ends the last rendered part and copies the parts after it.
func (w *partWalk) finish() error {
	if err := w.end(); err != nil {
		return err
	}
	return w.copyUpTo(len(w.parts))
}

// copiedParts says which of parts prev holds, so that codings.csv (or,
// with text, project.qdpx, which also copies the part's source text)
// copies them without their units.
func copiedParts(parts []Part, prev *reuse, text bool) []bool {
	spare := make([]bool, len(parts))
	for i, p := range parts {
		ps, ok := prev.part(p.Key)
		spare[i] = ok && (!text || ps.Text != nil)
	}
	return spare
}

// sheetSpares says which parts the workbook's Codings sheets copy without
// their units: the leading parts prev holds at the same first rows, with
// their widths, each on one sheet (codingsEarly's rule). A part after one
// that is rendered may start on another row than last time, so its units
// are read.
//
// With kept (Input.KeptUnits), the kept parts are spared too: their units
// come from KeptUnits instead of the scan (keptMerge).
func sheetSpares(parts []Part, prev *reuse, kept bool) []bool {
	spare := make([]bool, len(parts))
	rows := 0
	for i, p := range parts {
		ps, ok := prev.part(rowKey(p.Key, rows+2))
		if !ok || ps.Widths == nil {
			break
		}
		if len(ps.More) != morePieces(ps.Rows, sheetRoom(rows)) {
			break
		}
		spare[i] = true
		rows += ps.Rows
	}
	for i, p := range parts {
		spare[i] = spare[i] || kept && p.Kept
	}
	return spare
}

// sheetRoom is how many rows the next part can have on one sheet after
// rows rows: what is left of the sheet being written, or a whole new one
// when it is full (codingsEarly starts a sheet only for a row).
func sheetRoom(rows int) int {
	if l := (rows-1)%maxSheetRows + 1; rows > 0 && l < maxSheetRows {
		return maxSheetRows - l
	}
	return maxSheetRows
}

// morePieces is how many pieces past its first sheet a part of rows rows
// takes when room rows are left on the sheet it starts on.
func morePieces(rows, room int) int {
	rest := rows - min(rows, room)
	return (rest + maxSheetRows - 1) / maxSheetRows
}

// scanFor is the shared scan Write runs: every unit, or with
// in.EachUnitIn the units of the parts some reader needs — the analysis
// (when deferred) those not kept, each export (spared[j]) those it does
// without. scanned says which parts the scan reads; nil means all.
func scanFor(in Input, deferred bool, spared [][]bool) (scan func(fn func(study.Unit, *study.Coding) error) error, scanned []bool) {
	if in.EachUnitIn == nil || len(in.Parts) == 0 {
		return in.eachUnit, nil
	}
	var need []Part
	scanned = make([]bool, len(in.Parts))
	for i, p := range in.Parts {
		needed := deferred && !p.Kept
		for _, s := range spared {
			needed = needed || !s[i]
		}
		if needed {
			need = append(need, p)
			scanned[i] = true
		}
	}
	if len(need) == len(in.Parts) {
		return in.eachUnit, nil
	}
	return func(fn func(study.Unit, *study.Coding) error) error { return in.EachUnitIn(need, fn) }, scanned
}

// keptMerge is the Codings sheet's stream of units with their codes: the
// shared scan's (scan), with the units of the kept parts it left out
// (KeptUnits) where they belong in unit order.
func keptMerge(parts []Part, scanned []bool, scan func(fn func(study.Unit, *study.Coding) error) error,
	kept func(Part, func(study.Unit, []string) error) error) func(fn func(study.Unit, []string) error) error {
	return func(fn func(study.Unit, []string) error) error {
		index := partIndex(parts)
		next := 0
		upTo := func(j int) error {
			for ; next < j; next++ {
				if !scanned[next] && parts[next].Kept {
					if err := kept(parts[next], fn); err != nil {
						return err
					}
				}
			}
			return nil
		}
		last, moved := "", false
		err := scan(func(u study.Unit, c *study.Coding) error {
			if !moved || !isSourceKey(last, u.Source, u.File) {
				moved, last = true, u.Source+"\x00"+u.File
				// A unit out of order is left to the sheet's partWalk,
				// which refuses it.
				if i, ok := index[last]; ok && i >= next {
					if err := upTo(i); err != nil {
						return err
					}
					next = i + 1
				}
			}
			if c == nil {
				return fn(u, nil)
			}
			return fn(u, c.Codes)
		})
		if err != nil {
			return err
		}
		return upTo(len(parts))
	}
}
