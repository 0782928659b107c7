package run

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// The facts cache keeps, per input file, what the analysis and the
// workbook's Codings sheet read of the file's units (analysis.UnitFact,
// whether the unit has a coding, and its question or speaker), in a file
// next to the store. A rerun hands the analysis the kept facts of
// every file whose part key (partKeys: the file's bytes, fingerprint,
// codebook, config and version) is unchanged, and reads from the store
// only the units of the other files; with a few new responses in a
// national survey, reading every unit's text and matches back was the
// longest step of the rerun. Like the report cache it can only save time:
// a file with another key, a missing or damaged cache, or --full, and the
// units are read from the store as before.
//
// Layout: factsMagic, the parts' blobs one after another, the index (per
// part: key, offset, length, facts, CRC-32 of the blob), and a trailer of
// the index's offset, length and CRC-32 and factsMagic again.

const factsMagic = "veldstem/facts/v2\n"

// factsTrailer is the trailer's length: two uint64, a uint32, the magic.
const factsTrailer = 8 + 8 + 4 + len(factsMagic)

func factsPath(cfg *config.Config) string { return cfg.Store.Path + ".facts" }

// respondentFactsPath is the facts cache of the respondents: what the
// analysis reads of each file's respondents (all but their closed
// answers), kept in a file of its own because the analysis reads the
// respondents and the units at the same time.
func respondentFactsPath(cfg *config.Config) string { return cfg.Store.Path + ".respondents" }

// factsEntry is one part's blob in a facts file.
type factsEntry struct {
	key      string
	off, len int64
	n        int
	crc      uint32
}

// factsFile is the last run's facts cache, open for reading.
type factsFile struct {
	f     *os.File
	parts map[string]factsEntry
}

// openFacts opens the facts cache at path and checks every blob's CRC;
// nil when there is none or it is damaged in any way.
func openFacts(path string) *factsFile {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	ff, err := readFactsIndex(f)
	if err != nil {
		_ = f.Close()
		return nil
	}
	return ff
}

func readFactsIndex(f *os.File) (*factsFile, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < int64(len(factsMagic)+factsTrailer) {
		return nil, errors.New("too short")
	}
	head := make([]byte, len(factsMagic))
	tr := make([]byte, factsTrailer)
	if _, err := f.ReadAt(head, 0); err != nil {
		return nil, err
	}
	if _, err := f.ReadAt(tr, size-int64(factsTrailer)); err != nil {
		return nil, err
	}
	if string(head) != factsMagic || string(tr[20:]) != factsMagic {
		return nil, errors.New("not a facts file")
	}
	at, n, sum := binary.LittleEndian.Uint64(tr), binary.LittleEndian.Uint64(tr[8:]), binary.LittleEndian.Uint32(tr[16:])
	end := uint64(size) - uint64(factsTrailer)
	if at < uint64(len(factsMagic)) || at > end || n != end-at {
		return nil, errors.New("index out of range")
	}
	idx := make([]byte, n)
	if _, err := f.ReadAt(idx, int64(at)); err != nil {
		return nil, err
	}
	if crc32.ChecksumIEEE(idx) != sum {
		return nil, errors.New("index checksum")
	}
	ff := &factsFile{f: f, parts: map[string]factsEntry{}}
	r := &byteReader{b: idx}
	count := r.uvarint()
	for i := uint64(0); i < count && r.err == nil; i++ {
		e := factsEntry{key: r.str(), off: int64(r.uvarint()), len: int64(r.uvarint()), n: int(r.uvarint()), crc: uint32(r.uvarint())}
		if r.err == nil && (e.off < int64(len(factsMagic)) || e.len < 0 || e.off > int64(at)-e.len || e.n < 0) {
			r.err = errors.New("blob out of range")
		}
		ff.parts[e.key] = e
	}
	if r.err != nil || r.off != len(idx) {
		return nil, cmp.Or(r.err, errors.New("index has trailing bytes"))
	}
	for _, e := range ff.parts {
		h := crc32.NewIEEE()
		if _, err := io.Copy(h, io.NewSectionReader(f, e.off, e.len)); err != nil {
			return nil, err
		}
		if h.Sum32() != e.crc {
			return nil, fmt.Errorf("blob %s checksum", e.key)
		}
	}
	return ff, nil
}

// has reports whether the cache holds the facts of the part with key.
func (ff *factsFile) has(key string) bool {
	if ff == nil {
		return false
	}
	_, ok := ff.parts[key]
	return ok
}

func (ff *factsFile) close() {
	if ff != nil {
		_ = ff.f.Close()
	}
}

// each decodes the facts of part key, calling fn with each, whether its
// unit has a coding, and its label (question, else speaker); the fact's
// slices are reused after fn returns. It may run in several goroutines at
// once.
func (ff *factsFile) each(key string, fn func(f *analysis.UnitFact, coded bool, label string) error) error {
	e := ff.parts[key]
	dec := newFactDecoder(bufio.NewReaderSize(io.NewSectionReader(ff.f, e.off, e.len), 1<<16))
	for range e.n {
		f, coded, label, err := dec.next()
		if err != nil {
			return fmt.Errorf("the facts cache %s is damaged (%v); delete it and run again", ff.f.Name(), err)
		}
		if err := fn(f, coded, label); err != nil {
			return err
		}
	}
	return nil
}

// eachRespondent decodes the respondents of part key, stored from file.
func (ff *factsFile) eachRespondent(key, file string, fn func(study.Respondent) error) error {
	e := ff.parts[key]
	dec := newFactDecoder(bufio.NewReaderSize(io.NewSectionReader(ff.f, e.off, e.len), 1<<16))
	for range e.n {
		r, err := dec.respondent(file)
		if err != nil {
			return fmt.Errorf("the facts cache %s is damaged (%v); delete it and run again", ff.f.Name(), noEOF(err))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// blob returns part key's bytes, to be kept in the next cache as they are.
func (ff *factsFile) blob(key string) io.Reader {
	e := ff.parts[key]
	return io.NewSectionReader(ff.f, e.off, e.len)
}

// Fact encoding, per blob: for each fact a flags byte, the ID front-coded
// against the previous fact's, the source and respondent when they differ
// from the previous fact's, and the label, codes and shown codes as
// numbers into the blob's own table of strings (a number one past the
// table's end is followed by the new string).
const (
	factContext = 1 << iota
	factSurvey
	factGood
	factCoded
	factNewSource
	factNewRespondent
)

// factEncoder appends facts to one blob.
type factEncoder struct {
	buf   []byte
	prev  analysis.UnitFact // its ID, Source and Respondent
	first bool
	table map[string]uint64
	n     int
}

func newFactEncoder() *factEncoder {
	return &factEncoder{first: true, table: map[string]uint64{}}
}

func (e *factEncoder) add(f *analysis.UnitFact, coded bool, label string) {
	var flags byte
	for _, b := range []struct {
		on  bool
		bit byte
	}{{f.Context, factContext}, {f.Survey, factSurvey}, {f.Good, factGood}, {coded, factCoded},
		{e.first || f.Source != e.prev.Source, factNewSource}, {e.first || f.Respondent != e.prev.Respondent, factNewRespondent}} {
		if b.on {
			flags |= b.bit
		}
	}
	e.buf = append(e.buf, flags)
	e.id(f.ID)
	if flags&factNewSource != 0 {
		e.str(f.Source)
	}
	if flags&factNewRespondent != 0 {
		e.str(f.Respondent)
	}
	e.ref(label)
	for _, list := range [][]string{f.Codes, f.Shown} {
		e.buf = binary.AppendUvarint(e.buf, uint64(len(list)))
		for _, c := range list {
			e.ref(c)
		}
	}
	e.prev = analysis.UnitFact{ID: f.ID, Source: f.Source, Respondent: f.Respondent}
	e.first = false
	e.n++
}

// Respondent encoding, per blob: for each respondent a flags byte, the ID
// front-coded against the previous one's, the source when it differs, the
// wave as a number into the table, the weight's bits unless it is 0, and
// the attributes and Likert points in key order (names and values through
// the table, points as varints).
const (
	respWeighted = 1 << iota
	respNewSource
)

// addRespondent appends r (its closed answers left out, as the analysis
// reads it).
func (e *factEncoder) addRespondent(r *study.Respondent) {
	var flags byte
	if r.Weight != 0 {
		flags |= respWeighted
	}
	if e.first || r.Source != e.prev.Source {
		flags |= respNewSource
	}
	e.buf = append(e.buf, flags)
	e.id(r.ID)
	if flags&respNewSource != 0 {
		e.str(r.Source)
	}
	e.ref(r.Wave)
	if flags&respWeighted != 0 {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(r.Weight))
	}
	keys := slices.Sorted(maps.Keys(r.Attributes))
	e.buf = binary.AppendUvarint(e.buf, uint64(len(keys)))
	for _, k := range keys {
		e.ref(k)
		e.ref(r.Attributes[k])
	}
	keys = slices.Sorted(maps.Keys(r.Likert))
	e.buf = binary.AppendUvarint(e.buf, uint64(len(keys)))
	for _, k := range keys {
		e.ref(k)
		e.buf = binary.AppendVarint(e.buf, int64(r.Likert[k]))
	}
	e.prev = analysis.UnitFact{ID: r.ID, Source: r.Source}
	e.first = false
	e.n++
}

// id writes id front-coded against the previous one's: the length of the
// prefix they share, then the rest.
func (e *factEncoder) id(id string) {
	shared := 0
	for shared < len(id) && shared < len(e.prev.ID) && id[shared] == e.prev.ID[shared] {
		shared++
	}
	e.buf = binary.AppendUvarint(e.buf, uint64(shared))
	e.str(id[shared:])
}

// ref writes s as a number into the table, adding it when new.
func (e *factEncoder) ref(s string) {
	if i, ok := e.table[s]; ok {
		e.buf = binary.AppendUvarint(e.buf, i)
		return
	}
	i := uint64(len(e.table))
	e.table[s] = i
	e.buf = binary.AppendUvarint(e.buf, i)
	e.str(s)
}

func (e *factEncoder) str(s string) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

// maxFactString bounds a string's length in a blob, so a damaged length
// cannot make the decoder allocate gigabytes.
const maxFactString = 1 << 20

// factDecoder reads the facts of one blob.
type factDecoder struct {
	r     *bufio.Reader
	f     analysis.UnitFact
	table []string
	buf   []byte
}

func newFactDecoder(r *bufio.Reader) *factDecoder { return &factDecoder{r: r} }

func (d *factDecoder) next() (*analysis.UnitFact, bool, string, error) {
	f, coded, label, err := d.decode()
	if err != nil {
		return nil, false, "", noEOF(err)
	}
	return f, coded, label, nil
}

func (d *factDecoder) decode() (*analysis.UnitFact, bool, string, error) {
	flags, err := d.r.ReadByte()
	if err != nil {
		return nil, false, "", err
	}
	if flags&^(factContext|factSurvey|factGood|factCoded|factNewSource|factNewRespondent) != 0 {
		return nil, false, "", errors.New("unknown flags")
	}
	if err := d.id(); err != nil {
		return nil, false, "", err
	}
	if flags&factNewSource != 0 {
		if d.f.Source, err = d.str(); err != nil {
			return nil, false, "", err
		}
	}
	if flags&factNewRespondent != 0 {
		if d.f.Respondent, err = d.str(); err != nil {
			return nil, false, "", err
		}
	}
	d.f.Context, d.f.Survey, d.f.Good = flags&factContext != 0, flags&factSurvey != 0, flags&factGood != 0
	label, err := d.ref()
	if err != nil {
		return nil, false, "", err
	}
	if d.f.Codes, err = d.codes(d.f.Codes[:0]); err != nil {
		return nil, false, "", err
	}
	if d.f.Shown, err = d.codes(d.f.Shown[:0]); err != nil {
		return nil, false, "", err
	}
	coded := flags&factCoded != 0
	if !coded && len(d.f.Codes) > 0 {
		return nil, false, "", errors.New("codes without a coding")
	}
	f := d.f
	if !coded {
		f.Codes = nil
	}
	return &f, coded, label, nil
}

// respondent decodes the next respondent of a blob of file's.
func (d *factDecoder) respondent(file string) (study.Respondent, error) {
	var r study.Respondent
	flags, err := d.r.ReadByte()
	if err != nil {
		return r, err
	}
	if flags&^(respWeighted|respNewSource) != 0 {
		return r, errors.New("unknown flags")
	}
	if err := d.id(); err != nil {
		return r, err
	}
	if flags&respNewSource != 0 {
		if d.f.Source, err = d.str(); err != nil {
			return r, err
		}
	}
	r.ID, r.Source, r.File = d.f.ID, d.f.Source, file
	if r.Wave, err = d.ref(); err != nil {
		return r, err
	}
	if flags&respWeighted != 0 {
		var b [8]byte
		if _, err := io.ReadFull(d.r, b[:]); err != nil {
			return r, noEOF(err)
		}
		r.Weight = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
	}
	n, err := binary.ReadUvarint(d.r)
	if err != nil {
		return r, err
	}
	if n > maxFactString {
		return r, errors.New("too many attributes")
	}
	if n > 0 {
		r.Attributes = make(map[string]string, n)
	}
	for range n {
		k, err := d.ref()
		if err != nil {
			return r, err
		}
		if r.Attributes[k], err = d.ref(); err != nil {
			return r, err
		}
	}
	if n, err = binary.ReadUvarint(d.r); err != nil {
		return r, err
	}
	if n > maxFactString {
		return r, errors.New("too many Likert items")
	}
	if n > 0 {
		r.Likert = make(map[string]int, n)
	}
	for range n {
		k, err := d.ref()
		if err != nil {
			return r, err
		}
		v, err := binary.ReadVarint(d.r)
		if err != nil {
			return r, err
		}
		r.Likert[k] = int(v)
	}
	return r, nil
}

// id reads the next front-coded ID into d.f.ID.
func (d *factDecoder) id() error {
	shared, err := binary.ReadUvarint(d.r)
	if err != nil {
		return err
	}
	if shared > uint64(len(d.f.ID)) {
		return errors.New("ID prefix longer than the previous ID")
	}
	rest, err := d.bytes()
	if err != nil {
		return err
	}
	d.buf = append(append(d.buf[:0], d.f.ID[:shared]...), rest...)
	d.f.ID = string(d.buf)
	return nil
}

func (d *factDecoder) bytes() ([]byte, error) {
	n, err := binary.ReadUvarint(d.r)
	if err != nil {
		return nil, err
	}
	if n > maxFactString {
		return nil, errors.New("string too long")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, noEOF(err)
	}
	return b, nil
}

func (d *factDecoder) str() (string, error) {
	b, err := d.bytes()
	return string(b), err
}

func (d *factDecoder) codes(dst []string) ([]string, error) {
	n, err := binary.ReadUvarint(d.r)
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.table))+maxFactString {
		return nil, errors.New("too many codes")
	}
	for range n {
		s, err := d.ref()
		if err != nil {
			return nil, err
		}
		dst = append(dst, s)
	}
	return dst, nil
}

// ref reads a number into the table, and the string it adds when new.
func (d *factDecoder) ref() (string, error) {
	i, err := binary.ReadUvarint(d.r)
	if err != nil {
		return "", err
	}
	switch {
	case i < uint64(len(d.table)):
		return d.table[i], nil
	case i == uint64(len(d.table)):
		s, err := d.str()
		if err != nil {
			return "", err
		}
		d.table = append(d.table, s)
		return s, nil
	}
	return "", errors.New("string number out of range")
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// byteReader reads the index's uvarints and strings, remembering the
// first error.
type byteReader struct {
	b   []byte
	off int
	err error
}

func (r *byteReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.err = errors.New("bad number")
		return 0
	}
	r.off += n
	return v
}

func (r *byteReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)-r.off) {
		r.err = errors.New("string past the end")
		return ""
	}
	s := string(r.b[r.off : r.off+int(n)])
	r.off += int(n)
	return s
}

// factsWriter writes the next facts cache: blobs in part order, then the
// index. It is written to a temporary file and renamed into place only
// once the reports are written (commit). A blob is written as it is
// encoded, in pieces of factsChunk, so a file of a million units does not
// hold its blob in memory.
type factsWriter struct {
	f       *os.File
	bw      *bufio.Writer
	off     int64
	entries []factsEntry
	enc     *factEncoder
	cur     factsEntry // the part being encoded: key, off, crc so far
	err     error
}

const factsChunk = 64 << 10

func newFactsWriter(path string) (*factsWriter, error) {
	// A run killed before its commit left its temporary file; runs on one
	// store never overlap (store.Open's lock), so any such file is stale.
	if stale, err := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")); err == nil {
		for _, name := range stale {
			_ = os.Remove(name)
		}
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	w := &factsWriter{f: f, bw: bufio.NewWriterSize(f, 1<<20)}
	w.write([]byte(factsMagic))
	return w, w.err
}

func (w *factsWriter) write(b []byte) {
	if w.err != nil {
		return
	}
	var n int
	n, w.err = w.bw.Write(b)
	w.off += int64(n)
}

// begin starts encoding the facts of part key.
func (w *factsWriter) begin(key string) {
	w.end()
	w.enc, w.cur = newFactEncoder(), factsEntry{key: key, off: w.off}
}

func (w *factsWriter) add(f *analysis.UnitFact, coded bool, label string) {
	w.enc.add(f, coded, label)
	if len(w.enc.buf) >= factsChunk {
		w.flushBlob()
	}
}

func (w *factsWriter) addRespondent(r *study.Respondent) {
	w.enc.addRespondent(r)
	if len(w.enc.buf) >= factsChunk {
		w.flushBlob()
	}
}

// flushBlob writes what the encoder holds.
func (w *factsWriter) flushBlob() {
	w.cur.crc = crc32.Update(w.cur.crc, crc32.IEEETable, w.enc.buf)
	w.write(w.enc.buf)
	w.enc.buf = w.enc.buf[:0]
}

// end writes the rest of the part being encoded, if any, and indexes it.
func (w *factsWriter) end() {
	if w.enc == nil {
		return
	}
	w.flushBlob()
	w.cur.len, w.cur.n = w.off-w.cur.off, w.enc.n
	w.entries = append(w.entries, w.cur)
	w.enc = nil
}

// keep copies the last cache's blob of part key.
func (w *factsWriter) keep(ff *factsFile, key string) {
	w.end()
	if w.err != nil {
		return
	}
	e := ff.parts[key]
	e.off = w.off
	var n int64
	n, w.err = io.Copy(w.bw, ff.blob(key))
	w.off += n
	if w.err == nil && n != e.len {
		w.err = io.ErrUnexpectedEOF
	}
	w.entries = append(w.entries, e)
}

// commit writes the index and trailer and renames the file to path.
func (w *factsWriter) commit(path string) error {
	w.end()
	var idx []byte
	idx = binary.AppendUvarint(idx, uint64(len(w.entries)))
	for _, e := range w.entries {
		idx = binary.AppendUvarint(idx, uint64(len(e.key)))
		idx = append(idx, e.key...)
		for _, v := range []uint64{uint64(e.off), uint64(e.len), uint64(e.n), uint64(e.crc)} {
			idx = binary.AppendUvarint(idx, v)
		}
	}
	at := w.off
	w.write(idx)
	tr := binary.LittleEndian.AppendUint64(nil, uint64(at))
	tr = binary.LittleEndian.AppendUint64(tr, uint64(len(idx)))
	tr = binary.LittleEndian.AppendUint32(tr, crc32.ChecksumIEEE(idx))
	w.write(append(tr, factsMagic...))
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if err := w.f.Close(); w.err == nil {
		w.err = err
	}
	if w.err == nil {
		w.err = os.Rename(w.f.Name(), path)
	}
	if w.err != nil {
		_ = os.Remove(w.f.Name())
	}
	return w.err
}

// discard removes the unfinished file.
func (w *factsWriter) discard() {
	if w == nil {
		return
	}
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}
