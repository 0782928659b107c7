package spss

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits on untrusted header fields. They are far above what a survey
// export needs and low enough that a hostile or corrupt file cannot make
// the pipeline allocate gigabytes.
const (
	maxVariables   = 100_000    // variable records, continuation records included
	maxRecordBytes = 256 << 20  // any single dictionary record
	maxCells       = 50_000_000 // cases × variables held in memory (about 1.6 GB)
	maxValueLabels = 10_000_000 // value labels attached to variables, all sets together
)

// maxDecompressed caps the zlib output of a .zsav so a zip bomb fails
// fast. It is a variable only so tests can lower it.
var maxDecompressed int64 = 1_000_000_000

// reader tracks the byte offset so every error can point at it.
type reader struct {
	name string
	br   *bufio.Reader
	off  int64
	bo   binary.ByteOrder
	rec  string
}

func (r *reader) fail(off int64, what, todo string) error {
	return &formatError{name: r.name, offset: off, record: r.rec, what: what, todo: todo}
}

func (r *reader) truncated(off int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &formatError{name: r.name, offset: off, record: r.rec, what: "the file ends in the middle of this record", todo: todoTruncated, err: err}
	}
	return &formatError{name: r.name, offset: off, record: r.rec, what: "read failed: " + err.Error(), todo: "check that the file is readable", err: err}
}

// bytes reads n bytes. Large reads grow with the data actually present, so
// a lying length field on a short file costs no memory.
func (r *reader) bytes(n int64) ([]byte, error) {
	start := r.off
	if n < 0 || n > maxRecordBytes {
		return nil, r.fail(start, fmt.Sprintf("record length %d is out of range", n), todoReexport)
	}
	if n <= 64<<10 {
		buf := make([]byte, n)
		k, err := io.ReadFull(r.br, buf)
		r.off += int64(k)
		if err != nil {
			return nil, r.truncated(start, err)
		}
		return buf, nil
	}
	var b bytes.Buffer
	k, err := io.CopyN(&b, r.br, n)
	r.off += k
	if err != nil {
		return nil, r.truncated(start, err)
	}
	return b.Bytes(), nil
}

func (r *reader) i32() (int32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return int32(r.bo.Uint32(b)), nil
}

func (r *reader) i64() (int64, error) {
	b, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return int64(r.bo.Uint64(b)), nil
}

// header is the fixed 176-byte file header.
type header struct {
	magic       string
	compression int32
	ncases      int32
	bias        float64
	label       []byte
}

// rawVar is one type-2 record as stored, before long names, very long
// strings and encodings are applied.
type rawVar struct {
	off      int64
	width    int32 // 0 numeric, 1..255 string, -1 continuation
	name     []byte
	label    []byte
	nMissing int32
	missing  [][]byte
	print    uint32
	chunk    int // index of this record's 8-byte slot in a case
}

type labelSet struct {
	off    int64
	values [][]byte
	labels [][]byte
	vars   []int32
}

type extension struct {
	off     int64
	subtype int32
	size    int32
	count   int32
	data    []byte
}

// dictionary is everything before the case data.
type dictionary struct {
	hdr       header
	vars      []rawVar
	labelSets []labelSet
	exts      []extension
	docs      [][]byte
}

// Read parses a whole SPSS system file from r. name is used only in error
// messages.
func Read(in io.Reader, name string) (*File, error) {
	r := &reader{name: name, br: bufio.NewReaderSize(in, 64<<10), bo: binary.LittleEndian}
	d, err := readDictionary(r)
	if err != nil {
		return nil, err
	}
	f, layout, err := buildFile(r, d)
	if err != nil {
		return nil, err
	}
	if err := readCases(r, d, f, layout); err != nil {
		return nil, err
	}
	return f, nil
}

func readHeader(r *reader) (header, error) {
	r.rec = "file header"
	var h header
	peek, _ := r.br.Peek(1024)
	if bytes.Contains(peek, []byte("SPSSPORT")) {
		return h, &formatError{name: r.name, offset: 0, record: r.rec, what: "this is an SPSS portable (.por) file", todo: "save it as .sav in SPSS/PSPP", err: ErrPortable}
	}
	if bytes.Contains(peek[:min(len(peek), 64)], []byte("ENCRYPTEDSAV")) {
		return h, r.fail(0, "the file is password-encrypted", "decrypt it in SPSS (File › Save As without a password) and try again")
	}
	b, err := r.bytes(176)
	if err != nil {
		if len(peek) < 4 || (string(peek[:4]) != "$FL2" && string(peek[:4]) != "$FL3") {
			return h, r.fail(0, "this is not an SPSS system file (no $FL2/$FL3 signature)", "export the data from SPSS, Qualtrics or LimeSurvey as .sav")
		}
		return h, err
	}
	h.magic = string(b[:4])
	if h.magic != "$FL2" && h.magic != "$FL3" {
		return h, r.fail(0, fmt.Sprintf("this is not an SPSS system file (signature %q, want $FL2 or $FL3)", b[:4]), "export the data from SPSS, Qualtrics or LimeSurvey as .sav")
	}
	// layout_code is 2 or 3 in the writer's byte order; it is how we learn
	// the byte order at all.
	switch {
	case isLayout(binary.LittleEndian.Uint32(b[64:])):
		r.bo = binary.LittleEndian
	case isLayout(binary.BigEndian.Uint32(b[64:])):
		r.bo = binary.BigEndian
	default:
		return h, r.fail(64, "the layout code is neither 2 nor 3, so the byte order is unknown", todoReexport)
	}
	h.compression = int32(r.bo.Uint32(b[72:]))
	h.ncases = int32(r.bo.Uint32(b[80:]))
	h.bias = math.Float64frombits(r.bo.Uint64(b[84:]))
	h.label = b[109:173]
	switch {
	case h.magic == "$FL2" && (h.compression == 0 || h.compression == 1):
	case h.magic == "$FL3" && h.compression == 2:
	default:
		return h, r.fail(72, fmt.Sprintf("compression code %d is not valid for a %s file", h.compression, h.magic), todoResave)
	}
	if h.ncases < -1 {
		return h, r.fail(80, fmt.Sprintf("the case count %d is negative", h.ncases), todoReexport)
	}
	if h.compression == 1 && (math.IsNaN(h.bias) || math.IsInf(h.bias, 0)) {
		return h, r.fail(84, "the compression bias is not a number", todoReexport)
	}
	return h, nil
}

func isLayout(v uint32) bool { return v == 2 || v == 3 }

func readDictionary(r *reader) (*dictionary, error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	d := &dictionary{hdr: h}
	chunks := 0
	for {
		r.rec = "?"
		start := r.off
		t, err := r.i32()
		if err != nil {
			r.rec = "dictionary"
			return nil, r.truncated(start, err)
		}
		r.rec = fmt.Sprint(t)
		switch t {
		case 2:
			if len(d.vars) >= maxVariables {
				return nil, r.fail(start, fmt.Sprintf("more than %d variable records", maxVariables), todoTooLarge)
			}
			v, err := readVariable(r, start)
			if err != nil {
				return nil, err
			}
			v.chunk = chunks
			chunks++
			d.vars = append(d.vars, v)
		case 3:
			ls, err := readValueLabels(r, start)
			if err != nil {
				return nil, err
			}
			d.labelSets = append(d.labelSets, ls)
		case 4:
			return nil, r.fail(start, "a variable index record (type 4) without value labels (type 3) before it", todoReexport)
		case 6:
			n, err := r.i32()
			if err != nil {
				return nil, err
			}
			if n < 0 || int64(n)*80 > maxRecordBytes {
				return nil, r.fail(start, fmt.Sprintf("document line count %d is out of range", n), todoReexport)
			}
			b, err := r.bytes(int64(n) * 80)
			if err != nil {
				return nil, err
			}
			for i := 0; i < int(n); i++ {
				d.docs = append(d.docs, b[i*80:(i+1)*80])
			}
		case 7:
			e, err := readExtension(r, start)
			if err != nil {
				return nil, err
			}
			d.exts = append(d.exts, e)
		case 999:
			if _, err := r.i32(); err != nil {
				return nil, err
			}
			return d, nil
		default:
			return nil, r.fail(start, fmt.Sprintf("unknown record type %d in the dictionary", t), todoReexport)
		}
	}
}

func readVariable(r *reader, start int64) (rawVar, error) {
	v := rawVar{off: start}
	b, err := r.bytes(28)
	if err != nil {
		return v, err
	}
	v.width = int32(r.bo.Uint32(b[0:]))
	hasLabel := int32(r.bo.Uint32(b[4:]))
	v.nMissing = int32(r.bo.Uint32(b[8:]))
	v.print = r.bo.Uint32(b[12:])
	v.name = b[20:28]
	if v.width < -1 || v.width > 255 {
		return v, r.fail(start+4, fmt.Sprintf("variable width %d is out of range (-1..255)", v.width), todoReexport)
	}
	if hasLabel != 0 && hasLabel != 1 {
		return v, r.fail(start+8, fmt.Sprintf("label flag %d is neither 0 nor 1", hasLabel), todoReexport)
	}
	if hasLabel == 1 {
		n, err := r.i32()
		if err != nil {
			return v, err
		}
		if n < 0 || n > 65535 {
			return v, r.fail(start+28, fmt.Sprintf("variable label length %d is out of range", n), todoReexport)
		}
		lb, err := r.bytes(int64(n+3) / 4 * 4)
		if err != nil {
			return v, err
		}
		v.label = lb[:n]
	}
	n := v.nMissing
	switch {
	case n >= 0 && n <= 3:
	case (n == -2 || n == -3) && v.width == 0:
		n = -n
	default:
		return v, r.fail(start+12, fmt.Sprintf("missing-value count %d is not valid for this variable", v.nMissing), todoReexport)
	}
	for i := int32(0); i < n; i++ {
		mb, err := r.bytes(8)
		if err != nil {
			return v, err
		}
		v.missing = append(v.missing, mb)
	}
	return v, nil
}

func readValueLabels(r *reader, start int64) (labelSet, error) {
	ls := labelSet{off: start}
	n, err := r.i32()
	if err != nil {
		return ls, err
	}
	if n < 0 || n > maxRecordBytes/16 {
		return ls, r.fail(start+4, fmt.Sprintf("value label count %d is out of range", n), todoReexport)
	}
	for i := int32(0); i < n; i++ {
		b, err := r.bytes(9)
		if err != nil {
			return ls, err
		}
		l := int64(b[8])
		// The label length byte plus the label are padded to a multiple of 8.
		lb, err := r.bytes((l+1+7)/8*8 - 1)
		if err != nil {
			return ls, err
		}
		ls.values = append(ls.values, b[:8])
		ls.labels = append(ls.labels, lb[:l])
	}
	r.rec = "4"
	at := r.off
	t, err := r.i32()
	if err != nil {
		return ls, err
	}
	if t != 4 {
		return ls, r.fail(at, fmt.Sprintf("value labels (type 3) are followed by record type %d instead of 4", t), todoReexport)
	}
	nv, err := r.i32()
	if err != nil {
		return ls, err
	}
	if nv < 0 || nv > maxVariables {
		return ls, r.fail(at+4, fmt.Sprintf("variable count %d is out of range", nv), todoReexport)
	}
	b, err := r.bytes(int64(nv) * 4)
	if err != nil {
		return ls, err
	}
	for i := 0; i < int(nv); i++ {
		ls.vars = append(ls.vars, int32(r.bo.Uint32(b[i*4:])))
	}
	return ls, nil
}

func readExtension(r *reader, start int64) (extension, error) {
	e := extension{off: start}
	b, err := r.bytes(12)
	if err != nil {
		return e, err
	}
	e.subtype = int32(r.bo.Uint32(b[0:]))
	e.size = int32(r.bo.Uint32(b[4:]))
	e.count = int32(r.bo.Uint32(b[8:]))
	r.rec = fmt.Sprintf("7 subtype %d", e.subtype)
	total := int64(e.size) * int64(e.count)
	if e.size < 0 || e.count < 0 || total > maxRecordBytes {
		return e, r.fail(start+8, fmt.Sprintf("extension size %d × count %d is out of range", e.size, e.count), todoReexport)
	}
	e.data, err = r.bytes(total)
	return e, err
}
