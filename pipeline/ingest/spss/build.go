package spss

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// column is one stored variable (a string segment counts as its own
// column); it spans nChunks 8-byte slots of the case.
type column struct {
	width      int32
	nChunks    int
	firstChunk int
}

// layout maps the stored columns of a case onto the public Variables.
type layout struct {
	cols        []column
	totalChunks int
	varCols     [][]int // per Variable, its column indices (several for very long strings)
	sysmis      float64
	dec         textDecoder
}

// Very long strings (record 7.14) are split into segments of 255 bytes
// each, as PSPP's sys-file-private.c lays them out. Space is counted as 252
// bytes per segment, so the segment count is ceil(width/252) and the last
// segments may carry padding only.
const (
	segmentWidth = 255
	segmentAlloc = 252
)

func buildFile(r *reader, d *dictionary) (*File, *layout, error) {
	r.rec = "dictionary"
	lay := &layout{sysmis: -math.MaxFloat64}
	var encName string
	codePage := int32(0)
	for _, e := range d.exts {
		switch {
		case e.subtype == 20:
			encName = string(e.data)
		case e.subtype == 3 && e.size == 4 && e.count == 8:
			codePage = int32(r.bo.Uint32(e.data[28:]))
		case e.subtype == 4 && e.size == 8 && e.count == 3:
			// Trust the file's own system-missing value only when it looks
			// like one; a writer storing 0 here would otherwise turn every
			// zero answer into a missing one.
			if s := math.Float64frombits(r.bo.Uint64(e.data)); math.Abs(s) >= 1e300 {
				lay.sysmis = s
			}
		}
	}
	// An unknown encoding name is no reason to lose the data; the decoder
	// then keeps valid UTF-8 and reads the rest as windows-1252.
	dec := newTextDecoder(encName, codePage)
	lay.dec = dec

	// Group continuation records with the string variable they extend.
	for i := 0; i < len(d.vars); {
		v := d.vars[i]
		r.rec = "2"
		if v.width == -1 {
			return nil, nil, r.fail(v.off, "a string continuation record does not follow a string variable", todoReexport)
		}
		n := 1
		if v.width > 0 {
			n = int(v.width+7) / 8
		}
		for k := 1; k < n; k++ {
			if i+k >= len(d.vars) || d.vars[i+k].width != -1 {
				return nil, nil, r.fail(v.off, fmt.Sprintf("string variable %q of width %d lacks its continuation records", bytes.TrimRight(v.name, " "), v.width), todoReexport)
			}
		}
		lay.cols = append(lay.cols, column{width: v.width, nChunks: n, firstChunk: v.chunk})
		lay.totalChunks += n
		i += n
	}
	colVar := make([]int, len(lay.cols)) // raw var index of each column
	for i, ci := 0, 0; i < len(d.vars); i++ {
		if d.vars[i].width != -1 {
			colVar[ci] = i
			ci++
		}
	}

	longNames := parsePairs(dec.decode(extData(d, 13)))
	veryLong := parsePairs(dec.decode(extData(d, 14)))

	f := &File{
		Name:        r.name,
		Label:       strings.TrimRight(dec.decode(d.hdr.label), " \x00"),
		Encoding:    dec.name,
		Compression: int(d.hdr.compression),
	}
	colToVar := make([]int, len(lay.cols))
	for ci := 0; ci < len(lay.cols); {
		rv := d.vars[colVar[ci]]
		short := strings.TrimRight(dec.decode(rv.name), " \x00")
		v := Variable{Name: short, Label: dec.decode(rv.label)}
		if ln, ok := lookupFold(longNames, short); ok && ln != "" {
			v.Name = ln
		}
		cols := []int{ci}
		if rv.width == 0 {
			v.Type = Numeric
			v.Width = 8
		} else {
			v.Type = String
			v.Width = int(rv.width)
			if ws, ok := lookupFold(veryLong, short); ok {
				w, err := strconv.Atoi(strings.TrimSpace(ws))
				r.rec = "7 subtype 14"
				if err != nil || w < 1 || w > 32767 {
					return nil, nil, r.fail(extOffset(d, 14), fmt.Sprintf("very long string width %q for %s is not a number in 1..32767", ws, short), todoResave)
				}
				if w > segmentWidth {
					nseg := (w + segmentAlloc - 1) / segmentAlloc
					if ci+nseg > len(lay.cols) {
						return nil, nil, r.fail(extOffset(d, 14), fmt.Sprintf("very long string %s of width %d needs %d segments but the file has too few variables", short, w, nseg), todoReexport)
					}
					for k := 1; k < nseg; k++ {
						if lay.cols[ci+k].width <= 0 {
							return nil, nil, r.fail(extOffset(d, 14), fmt.Sprintf("segment %d of very long string %s is not a string", k+1, short), todoReexport)
						}
						cols = append(cols, ci+k)
					}
				}
				v.Width = w
			}
		}
		setFormat(&v, rv.print)
		v.Missing = rawMissing(rv, lay, r.bo, dec)
		for _, c := range cols {
			colToVar[c] = -1
		}
		colToVar[ci] = len(f.Variables)
		lay.varCols = append(lay.varCols, cols)
		f.Variables = append(f.Variables, v)
		ci += len(cols)
	}

	applyMeasures(d, f, colToVar, len(lay.cols), r)
	if err := applyValueLabels(r, d, f, lay, colToVar); err != nil {
		return nil, nil, err
	}
	if err := applyLongStringLabels(r, d, f, dec); err != nil {
		return nil, nil, err
	}
	if err := applyLongStringMissing(r, d, f, dec); err != nil {
		return nil, nil, err
	}
	return f, lay, nil
}

func extData(d *dictionary, subtype int32) []byte {
	for _, e := range d.exts {
		if e.subtype == subtype {
			return e.data
		}
	}
	return nil
}

func extOffset(d *dictionary, subtype int32) int64 {
	for _, e := range d.exts {
		if e.subtype == subtype {
			return e.off
		}
	}
	return 0
}

// parsePairs reads the KEY=VALUE lists of records 7.13 and 7.14, which are
// separated by tabs (and, in 7.14, NULs). Keys are upper-cased because SPSS
// writes short names in upper case but other writers are not so careful.
func parsePairs(s string) map[string]string {
	m := map[string]string{}
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == '\t' || r == 0 }) {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		m[strings.ToUpper(k)] = v
	}
	return m
}

func lookupFold(m map[string]string, k string) (string, bool) {
	v, ok := m[strings.ToUpper(k)]
	return v, ok
}

func numFrom(b []byte, bo interface{ Uint64([]byte) uint64 }, sysmis float64) Value {
	f := math.Float64frombits(bo.Uint64(b))
	if f == sysmis || f == -math.MaxFloat64 || math.IsNaN(f) {
		return Value{SysMissing: true}
	}
	return Value{Num: f}
}

func strFrom(b []byte, dec textDecoder) Value {
	return Value{IsString: true, Str: dec.decode(bytes.TrimRight(b, " \x00"))}
}

func rawMissing(rv rawVar, lay *layout, bo interface{ Uint64([]byte) uint64 }, dec textDecoder) MissingSpec {
	var m MissingSpec
	vals := rv.missing
	if rv.width > 0 {
		for _, b := range vals {
			m.Values = append(m.Values, strFrom(b, dec))
		}
		return m
	}
	if rv.nMissing < 0 && len(vals) >= 2 {
		m.HasRange = true
		m.Low = math.Float64frombits(bo.Uint64(vals[0]))
		m.High = math.Float64frombits(bo.Uint64(vals[1]))
		vals = vals[2:]
	}
	for _, b := range vals {
		m.Values = append(m.Values, Value{Num: math.Float64frombits(bo.Uint64(b))})
	}
	return m
}

func applyMeasures(d *dictionary, f *File, colToVar []int, ncols int, r *reader) {
	for _, e := range d.exts {
		if e.subtype != 11 || e.size != 4 || ncols == 0 {
			continue
		}
		stride := 0
		switch int(e.count) {
		case 3 * ncols:
			stride = 3
		case 2 * ncols:
			stride = 2
		default:
			// A display record that does not match the variables is
			// useless but harmless; measures then stay unknown.
			continue
		}
		for c := 0; c < ncols; c++ {
			vi := colToVar[c]
			if vi < 0 {
				continue
			}
			switch r.bo.Uint32(e.data[c*stride*4:]) {
			case 1:
				f.Variables[vi].Measure = "nominal"
			case 2:
				f.Variables[vi].Measure = "ordinal"
			case 3:
				f.Variables[vi].Measure = "scale"
			}
		}
	}
}

func applyValueLabels(r *reader, d *dictionary, f *File, lay *layout, colToVar []int) error {
	chunkVar := make([]int, lay.totalChunks)
	for i := range chunkVar {
		chunkVar[i] = -1
	}
	for c, col := range lay.cols {
		chunkVar[col.firstChunk] = colToVar[c]
	}
	r.rec = "4"
	attached := 0
	for _, ls := range d.labelSets {
		seen := map[int32]bool{}
		for _, idx := range ls.vars {
			if idx < 1 || int(idx) > len(chunkVar) || chunkVar[idx-1] < 0 {
				return r.fail(ls.off, fmt.Sprintf("value labels point at variable index %d, which is not the start of a variable", idx), todoReexport)
			}
			// A set listing the same variable twice would otherwise let a
			// small file attach labels quadratically often.
			if seen[idx] {
				continue
			}
			seen[idx] = true
			attached += len(ls.values)
			if attached > maxValueLabels {
				return r.fail(ls.off, fmt.Sprintf("more than %d value labels in total", maxValueLabels), todoTooLarge)
			}
			v := &f.Variables[chunkVar[idx-1]]
			for i, raw := range ls.values {
				var val Value
				if v.Type == String {
					val = strFrom(raw, lay.dec)
				} else {
					val = Value{Num: math.Float64frombits(r.bo.Uint64(raw))}
				}
				v.ValueLabels = append(v.ValueLabels, ValueLabel{Value: val, Label: lay.dec.decode(ls.labels[i])})
			}
		}
	}
	return nil
}

// cursor walks the variable-length parts of records 7.21 and 7.22 with
// bounds checks, so a lying length ends the parse instead of the program.
type cursor struct {
	b   []byte
	bo  interface{ Uint32([]byte) uint32 }
	bad bool
}

func (c *cursor) u32() int {
	if len(c.b) < 4 {
		c.bad = true
		return 0
	}
	v := c.bo.Uint32(c.b)
	c.b = c.b[4:]
	if v > math.MaxInt32 {
		c.bad = true
		return 0
	}
	return int(v)
}

func (c *cursor) take(n int) []byte {
	if n < 0 || n > len(c.b) {
		c.bad = true
		return nil
	}
	out := c.b[:n]
	c.b = c.b[n:]
	return out
}

// varIndex maps upper-cased variable names to their index; records 7.21
// and 7.22 name variables instead of numbering them.
func varIndex(f *File) map[string]int {
	m := make(map[string]int, len(f.Variables))
	for i, v := range f.Variables {
		m[strings.ToUpper(v.Name)] = i
	}
	return m
}

func findVar(f *File, idx map[string]int, name string) *Variable {
	if i, ok := idx[strings.ToUpper(name)]; ok {
		return &f.Variables[i]
	}
	return nil
}

func applyLongStringLabels(r *reader, d *dictionary, f *File, dec textDecoder) error {
	idx := varIndex(f)
	attached := 0
	for _, e := range d.exts {
		if e.subtype != 21 {
			continue
		}
		r.rec = "7 subtype 21"
		c := &cursor{b: e.data, bo: r.bo}
		for len(c.b) > 0 && !c.bad {
			name := dec.decode(c.take(c.u32()))
			c.u32() // the variable width, which the variable record already gave
			n := c.u32()
			v := findVar(f, idx, name)
			for i := 0; i < n && !c.bad; i++ {
				val := Value{IsString: true, Str: dec.decodeLenient(bytes.TrimRight(c.take(c.u32()), " \x00"))}
				lab := dec.decodeLenient(c.take(c.u32()))
				if v != nil && !c.bad {
					if attached++; attached > maxValueLabels {
						return r.fail(e.off, fmt.Sprintf("more than %d long string value labels", maxValueLabels), todoTooLarge)
					}
					v.ValueLabels = append(v.ValueLabels, ValueLabel{Value: val, Label: lab})
				}
			}
		}
		if c.bad {
			return r.fail(e.off, "long string value labels run past the end of their record", todoResave)
		}
	}
	return nil
}

func applyLongStringMissing(r *reader, d *dictionary, f *File, dec textDecoder) error {
	idx := varIndex(f)
	for _, e := range d.exts {
		if e.subtype != 22 {
			continue
		}
		r.rec = "7 subtype 22"
		c := &cursor{b: e.data, bo: r.bo}
		for len(c.b) > 0 && !c.bad {
			name := dec.decode(c.take(c.u32()))
			nb := c.take(1)
			if c.bad {
				break
			}
			n := int(nb[0])
			vlen := c.u32()
			if n > 3 {
				c.bad = true
				break
			}
			v := findVar(f, idx, name)
			for i := 0; i < n && !c.bad; i++ {
				val := strFrom(c.take(vlen), dec)
				if v != nil && !c.bad {
					v.Missing.Values = append(v.Missing.Values, val)
				}
			}
		}
		if c.bad {
			return r.fail(e.off, "long string missing values run past the end of their record", todoResave)
		}
	}
	return nil
}
