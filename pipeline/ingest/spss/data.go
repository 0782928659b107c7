package spss

import (
	"bufio"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
)

// caseSource yields one case's raw 8-byte slots at a time. done is true
// when the data ended cleanly before the case started.
type caseSource interface {
	readCase(buf []byte) (done bool, err error)
}

// rawSource reads uncompressed case data.
type rawSource struct {
	r *reader
}

func (s *rawSource) readCase(buf []byte) (bool, error) {
	start := s.r.off
	n, err := io.ReadFull(s.r.br, buf)
	s.r.off += int64(n)
	if err == io.EOF {
		return true, nil
	}
	if err != nil {
		return false, s.r.truncated(start, err)
	}
	return false, nil
}

// bytecodeSource expands compression=1 data: each 8-byte command block
// holds eight codes, 1..251 being the number code-bias.
type bytecodeSource struct {
	r      *reader   // for errors and offsets of uncompressed input
	in     io.Reader // the bytecode stream (the file, or zlib output)
	off    *int64    // advances with in
	bias   float64
	sysmis [8]byte
	spaces [8]byte
	cmd    [8]byte
	pos    int
	ended  bool
}

func newBytecodeSource(r *reader, in io.Reader, off *int64, bias, sysmis float64) *bytecodeSource {
	s := &bytecodeSource{r: r, in: in, off: off, bias: bias, pos: 8}
	r.bo.PutUint64(s.sysmis[:], math.Float64bits(sysmis))
	for i := range s.spaces {
		s.spaces[i] = ' '
	}
	return s
}

func (s *bytecodeSource) fill(dst []byte) error {
	start := *s.off
	n, err := io.ReadFull(s.in, dst)
	*s.off += int64(n)
	if err != nil {
		return s.r.truncated(start, err)
	}
	return nil
}

func (s *bytecodeSource) readCase(buf []byte) (bool, error) {
	if s.ended {
		return true, nil
	}
	for j := 0; j < len(buf); j += 8 {
		for {
			if s.pos == 8 {
				start := *s.off
				n, err := io.ReadFull(s.in, s.cmd[:])
				*s.off += int64(n)
				if err == io.EOF && j == 0 {
					return true, nil
				}
				if err != nil {
					return false, s.r.truncated(start, err)
				}
				s.pos = 0
			}
			code := s.cmd[s.pos]
			s.pos++
			if code == 0 {
				continue // padding
			}
			slot := buf[j : j+8]
			switch code {
			case 252:
				if j != 0 {
					return false, s.r.fail(*s.off, "the end-of-data code appears in the middle of a case", todoReexport)
				}
				s.ended = true
				return true, nil
			case 253:
				if err := s.fill(slot); err != nil {
					return false, err
				}
			case 254:
				copy(slot, s.spaces[:])
			case 255:
				copy(slot, s.sysmis[:])
			default:
				s.r.bo.PutUint64(slot, math.Float64bits(float64(code)-s.bias))
			}
			break
		}
	}
	return false, nil
}

// zlibStreams concatenates the zlib streams of a .zsav data section and
// refuses to inflate beyond maxDecompressed bytes.
type zlibStreams struct {
	r     *reader
	br    *bufio.Reader
	zr    io.ReadCloser
	total int64
}

func (z *zlibStreams) Read(p []byte) (int, error) {
	for {
		if z.zr == nil {
			if _, err := z.br.Peek(1); err != nil {
				return 0, io.EOF
			}
			zr, err := zlib.NewReader(z.br)
			if err != nil {
				return 0, z.r.fail(z.r.off, "a compressed block of the .zsav data is not valid zlib: "+err.Error(), todoReexport)
			}
			z.zr = zr
		}
		n, err := z.zr.Read(p)
		z.total += int64(n)
		if z.total > maxDecompressed {
			return 0, z.r.fail(z.r.off, fmt.Sprintf("the .zsav data inflates to more than %d bytes", maxDecompressed), todoTooLarge)
		}
		if err == io.EOF {
			z.zr = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			var fe *formatError
			if errors.As(err, &fe) {
				return n, err
			}
			return n, z.r.fail(z.r.off, "a compressed block of the .zsav data is damaged: "+err.Error(), todoReexport)
		}
		return n, nil
	}
}

func readCases(r *reader, d *dictionary, f *File, lay *layout) error {
	r.rec = "case data"
	if lay.totalChunks == 0 {
		return nil
	}
	var src caseSource
	var zsav *zsavInfo
	switch d.hdr.compression {
	case 0:
		src = &rawSource{r: r}
	case 1:
		src = newBytecodeSource(r, r.br, &r.off, d.hdr.bias, lay.sysmis)
	case 2:
		zi, err := readZHeader(r)
		if err != nil {
			return err
		}
		zsav = zi
		r.rec = "zlib case data"
		zs := &zlibStreams{r: r, br: bufio.NewReader(zi.data)}
		var inflated int64
		src = newBytecodeSource(r, zs, &inflated, d.hdr.bias, lay.sysmis)
	}
	caseBytes := lay.totalChunks * 8
	buf := make([]byte, caseBytes)
	want := int64(d.hdr.ncases)
	if want >= 0 && want*int64(len(f.Variables)) > maxCells {
		return r.fail(80, fmt.Sprintf("%d cases × %d variables exceed the limit of %d values", want, len(f.Variables), maxCells), todoTooLarge)
	}
	f.Cases = make([][]Value, 0, min(max(want, 0), 4096))
	cells := int64(0)
	for want < 0 || int64(len(f.Cases)) < want {
		done, err := src.readCase(buf)
		if err != nil {
			return err
		}
		if done {
			if want >= 0 {
				return r.fail(r.off, fmt.Sprintf("the data ends after %d of the %d cases the header announces", len(f.Cases), want), todoTruncated)
			}
			break
		}
		cells += int64(len(f.Variables))
		if cells > maxCells {
			return r.fail(r.off, fmt.Sprintf("the data holds more than %d values", maxCells), todoTooLarge)
		}
		f.Cases = append(f.Cases, decodeCase(buf, f, lay, r))
	}
	if zsav != nil {
		return zsav.finish(r)
	}
	return nil
}

func decodeCase(buf []byte, f *File, lay *layout, r *reader) []Value {
	row := make([]Value, len(f.Variables))
	for vi, cols := range lay.varCols {
		if f.Variables[vi].Type == Numeric {
			c := lay.cols[cols[0]]
			row[vi] = numFrom(buf[c.firstChunk*8:], r.bo, lay.sysmis)
			continue
		}
		var raw []byte
		for _, ci := range cols {
			c := lay.cols[ci]
			seg := buf[c.firstChunk*8 : c.firstChunk*8+int(c.width)]
			if len(cols) == 1 {
				raw = seg
			} else {
				raw = append(raw, seg...)
			}
		}
		if w := f.Variables[vi].Width; len(raw) > w {
			raw = raw[:w]
		}
		row[vi] = strFrom(raw, lay.dec)
	}
	return row
}

// zsavInfo is the .zsav zlib header; its trailer is checked after the data
// so a truncated .zsav is reported even when all cases decoded.
type zsavInfo struct {
	trailerOff int64
	trailerLen int64
	data       *io.LimitedReader
}

func readZHeader(r *reader) (*zsavInfo, error) {
	r.rec = "zlib header"
	start := r.off
	hdrOff, err := r.i64()
	if err != nil {
		return nil, err
	}
	trailerOff, err := r.i64()
	if err != nil {
		return nil, err
	}
	trailerLen, err := r.i64()
	if err != nil {
		return nil, err
	}
	if hdrOff != start {
		return nil, r.fail(start, fmt.Sprintf("the zlib header says it is at offset %d", hdrOff), todoReexport)
	}
	if trailerOff < r.off || trailerLen < 24 || trailerLen > maxRecordBytes || (trailerLen-24)%24 != 0 {
		return nil, r.fail(start+8, fmt.Sprintf("the zlib trailer position %d / length %d is impossible", trailerOff, trailerLen), todoReexport)
	}
	zi := &zsavInfo{trailerOff: trailerOff, trailerLen: trailerLen}
	zi.data = &io.LimitedReader{R: r.br, N: trailerOff - r.off}
	return zi, nil
}

func (zi *zsavInfo) finish(r *reader) error {
	r.rec = "zlib trailer"
	// Skip any compressed data not needed for the announced cases.
	dataStart := r.off
	if _, err := io.Copy(io.Discard, zi.data); err != nil {
		return r.truncated(dataStart, err)
	}
	if zi.data.N != 0 {
		return r.fail(zi.trailerOff-zi.data.N, "the file ends before the zlib trailer", todoTruncated)
	}
	r.off = zi.trailerOff
	b, err := r.bytes(zi.trailerLen)
	if err != nil {
		return err
	}
	n := int64(int32(r.bo.Uint32(b[20:])))
	if 24+24*n != zi.trailerLen {
		return r.fail(zi.trailerOff+20, fmt.Sprintf("the zlib trailer lists %d blocks but is %d bytes long", n, zi.trailerLen), todoReexport)
	}
	return nil
}
