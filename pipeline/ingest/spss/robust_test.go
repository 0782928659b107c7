package spss

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// allFixtures lists every .sav/.zsav the tests know, shared and local.
func allFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	var paths []string
	for _, pat := range []string{filepath.Join(sharedFixtures, "*.sav"), filepath.Join(sharedFixtures, "*.zsav"), "testdata/*.sav"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	if len(out) == 0 {
		t.Fatal("no fixtures found")
	}
	return out
}

func TestTruncatedFilesFailCleanly(t *testing.T) {
	for name, data := range allFixtures(t) {
		t.Run(name+" cut at every 97th byte is an error, never a panic", func(t *testing.T) {
			for n := 0; n < len(data); n += 97 {
				_, err := Read(bytes.NewReader(data[:n]), name)
				if err == nil {
					t.Fatalf("cut at %d of %d bytes: no error", n, len(data))
				}
				if !strings.HasPrefix(err.Error(), name+": offset ") {
					t.Fatalf("cut at %d: error %q does not start with %q", n, err, name+": offset ")
				}
			}
		})
	}
}

// synth builds a minimal little-endian uncompressed system file.
type synth struct {
	bytes.Buffer
	bo binary.ByteOrder
}

func (s *synth) i32(v ...int32) *synth {
	for _, x := range v {
		_ = binary.Write(&s.Buffer, s.bo, x)
	}
	return s
}

func (s *synth) f64(v ...float64) *synth {
	for _, x := range v {
		_ = binary.Write(&s.Buffer, s.bo, x)
	}
	return s
}

func (s *synth) str(v string, n int) *synth {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	copy(b, v)
	s.Write(b)
	return s
}

func newSynth(magic string, compression, ncases int32) *synth {
	return newSynthOrder(binary.LittleEndian, magic, compression, ncases)
}

func newSynthOrder(bo binary.ByteOrder, magic string, compression, ncases int32) *synth {
	s := &synth{bo: bo}
	s.str(magic, 4).str("@(#) SPSS DATA FILE test", 60)
	s.i32(2, 1, compression, 0, ncases).f64(100)
	s.str("01 Jan 25", 9).str("00:00:00", 8).str("", 64).str("", 3)
	return s
}

// numVar appends a numeric variable record with format F8.2.
func (s *synth) numVar(name string) *synth {
	return s.i32(2, 0, 0, 0, 5<<16|8<<8|2, 5<<16|8<<8|2).str(name, 8)
}

func (s *synth) end() *synth { return s.i32(999, 0) }

func TestHostileHeadersAreRefused(t *testing.T) {
	tests := []struct {
		name string
		data func() []byte
		want string
	}{
		{"a file without the $FL2 signature is not mistaken for SPSS", func() []byte {
			return []byte("id,naam\n1,Anna\n")
		}, "not an SPSS system file"},
		{"a huge announced case count is refused before allocating", func() []byte {
			return newSynth("$FL2", 0, math.MaxInt32).numVar("A").end().f64(1).Bytes()
		}, "exceed the limit"},
		{"an absurd extension record size is refused", func() []byte {
			return newSynth("$FL2", 0, 1).numVar("A").i32(7, 99, 1<<30, 1<<30).Bytes()
		}, "out of range"},
		{"a variable label longer than SPSS allows is refused", func() []byte {
			return newSynth("$FL2", 0, 1).i32(2, 0, 1, 0, 0, 0).str("A", 8).i32(1 << 30).Bytes()
		}, "label length"},
		{"more than 100k variables are refused", func() []byte {
			s := newSynth("$FL2", 0, 0)
			for range maxVariables + 1 {
				s.numVar("V")
			}
			return s.Bytes()
		}, "more than 100000 variable records"},
		{"a string missing-value range is refused", func() []byte {
			return newSynth("$FL2", 0, 1).i32(2, 8, 0, -2, 0, 0).str("S", 8).Bytes()
		}, "missing-value count -2"},
		{"value labels pointing past the variables are refused", func() []byte {
			return newSynth("$FL2", 0, 1).numVar("A").i32(3, 1).f64(1).str("\x03een", 8).i32(4, 1, 7).end().f64(1).Bytes()
		}, "variable index 7"},
		{"fewer cases than announced is reported as truncation", func() []byte {
			return newSynth("$FL2", 0, 3).numVar("A").end().f64(1, 2).Bytes()
		}, "ends after 2 of the 3 cases"},
		{"an unknown record type is refused", func() []byte {
			return newSynth("$FL2", 0, 1).numVar("A").i32(42).Bytes()
		}, "unknown record type 42"},
		{"a string without its continuation records is refused", func() []byte {
			return newSynth("$FL2", 0, 1).i32(2, 16, 0, 0, 1<<16|16<<8, 1<<16|16<<8).str("S", 8).numVar("A").end().Bytes()
		}, "lacks its continuation records"},
		{"a very long string width that is not a number is refused", func() []byte {
			return newSynth("$FL2", 0, 1).i32(2, 8, 0, 0, 1<<16|8<<8, 1<<16|8<<8).str("S", 8).i32(7, 14, 1, 5).str("S=abc", 5).end().Bytes()
		}, "is not a number"},
		{"a very long string with too few segments is refused", func() []byte {
			return newSynth("$FL2", 0, 1).i32(2, 8, 0, 0, 1<<16|8<<8, 1<<16|8<<8).str("S", 8).i32(7, 14, 1, 7).str("S=00600", 7).end().Bytes()
		}, "needs 3 segments"},
		{"long string value labels that overrun their record are refused", func() []byte {
			return newSynth("$FL2", 0, 1).numVar("A").i32(7, 21, 1, 4, 99).end().Bytes()
		}, "run past the end"},
		{"long string missing values that overrun their record are refused", func() []byte {
			return newSynth("$FL2", 0, 1).numVar("A").i32(7, 22, 1, 8, 1).str("A", 4).end().Bytes()
		}, "run past the end"},
		{"a $FL3 file must be zlib-compressed", func() []byte {
			return newSynth("$FL3", 1, 1).numVar("A").end().Bytes()
		}, "compression code 1 is not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.data()), "test.sav")
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "test.sav: ") || !strings.Contains(err.Error(), " — ") {
				t.Fatalf("error %q, want it to contain %q in the name: offset (record) — advice form", err, tc.want)
			}
		})
	}
}

func TestSynthUnknownCaseCountReadsToEnd(t *testing.T) {
	data := newSynth("$FL2", 0, -1).numVar("A").end().f64(1, -math.MaxFloat64, 3).Bytes()
	f, err := Read(bytes.NewReader(data), "x.sav")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) != 3 || !f.Cases[1][0].SysMissing || f.Variables[0].Display(f.Cases[2][0]) != "3.00" {
		t.Fatalf("cases = %+v", f.Cases)
	}
}

func TestZlibBombIsRefused(t *testing.T) {
	old := maxDecompressed
	maxDecompressed = 1 << 20
	defer func() { maxDecompressed = old }()

	// One numeric variable, then 4 MiB of bytecode 255 (system-missing)
	// squeezed into a few kilobytes of zlib.
	s := newSynth("$FL3", 2, -1).numVar("A").end()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(bytes.Repeat([]byte{255}, 4<<20))
	_ = zw.Close()
	hdr := int64(s.Len())
	trailer := hdr + 24 + int64(z.Len())
	_ = binary.Write(s, binary.LittleEndian, []int64{hdr, trailer, 48})
	s.Write(z.Bytes())
	_ = binary.Write(s, binary.LittleEndian, []int64{-100, 0})
	s.i32(0x3ff000, 1)
	_ = binary.Write(s, binary.LittleEndian, []int64{hdr, hdr + 24})
	s.i32(4<<20, int32(z.Len()))

	_, err := Read(bytes.NewReader(s.Bytes()), "bomb.zsav")
	if err == nil || !strings.Contains(err.Error(), "inflates to more than") {
		t.Fatalf("err = %v, want the inflate limit", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, data := range allFixtures(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			// A slow input is a denial-of-service bug too.
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("took %v on %d bytes", el, len(data))
			}
		}()
		file, err := Read(bytes.NewReader(data), "fuzz.sav")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.sav: offset ") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, row := range file.Cases {
			if len(row) != len(file.Variables) {
				t.Fatalf("row of %d values for %d variables", len(row), len(file.Variables))
			}
			for i, v := range file.Variables {
				_ = v.Display(row[i])
				_, _ = v.LabelOf(row[i])
				_ = v.IsMissing(row[i])
			}
		}
		for _, v := range file.Variables {
			for _, vl := range v.ValueLabels {
				_ = v.Display(vl.Value)
			}
		}
	})
}

func TestByteOrderAndCompression(t *testing.T) {
	tests := []struct {
		name string
		bo   binary.ByteOrder
		comp int32
		data func(s *synth)
	}{
		{"a big-endian uncompressed file is read", binary.BigEndian, 0, func(s *synth) { s.f64(1, 2.5, -math.MaxFloat64, 4) }},
		{"a little-endian uncompressed file is read", binary.LittleEndian, 0, func(s *synth) { s.f64(1, 2.5, -math.MaxFloat64, 4) }},
		{"a big-endian bytecode file is read", binary.BigEndian, 1, func(s *synth) {
			// 101 → 1, 253 → raw 2.5 after the block, 255 → sysmis, 104 → 4, 252 → end.
			s.Write([]byte{101, 253, 255, 104, 252, 0, 0, 0})
			s.f64(2.5)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynthOrder(tc.bo, "$FL2", tc.comp, 2).numVar("A").numVar("B")
			// Value labels on B: 4 → "vier".
			s.i32(3, 1).f64(4).str("\x04vier", 8).i32(4, 1, 2)
			s.end()
			tc.data(s)
			f, err := Read(bytes.NewReader(s.Bytes()), "order.sav")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Cases) != 2 {
				t.Fatalf("%d cases, want 2", len(f.Cases))
			}
			b := f.Variables[1]
			got := []string{f.Variables[0].Display(f.Cases[0][0]), b.Display(f.Cases[0][1]), f.Variables[0].Display(f.Cases[1][0]), b.Display(f.Cases[1][1]), label(b, f.Cases[1][1])}
			want := []string{"1.00", "2.50", "", "4.00", "vier"}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("cell %d = %q, want %q (all: %q)", i, got[i], want[i], got)
				}
			}
		})
	}
}

func TestEncodingChoice(t *testing.T) {
	const cp1252 = "ide\xebn" // "ideën" in windows-1252
	tests := []struct {
		name     string
		ext      func(s *synth)
		label    string
		want     string
		encoding string
	}{
		{"the 7.20 record names the encoding", func(s *synth) { s.i32(7, 20, 1, 12).str("windows-1252", 12) }, cp1252, "ideën", "windows-1252"},
		{"without 7.20, code page 1252 in 7.3 is used", func(s *synth) { s.i32(7, 3, 4, 8, 1, 0, 0, -1, 1, 1, 2, 1252) }, cp1252, "ideën", "windows-1252"},
		{"without 7.20, code page 65001 in 7.3 means UTF-8", func(s *synth) { s.i32(7, 3, 4, 8, 1, 0, 0, -1, 1, 1, 2, 65001) }, "ideën", "ideën", "UTF-8"},
		{"with no encoding at all, UTF-8 text is kept", func(s *synth) {}, "ideën", "ideën", "windows-1252"},
		{"with no encoding at all, other bytes are read as windows-1252", func(s *synth) {}, cp1252, "ideën", "windows-1252"},
		{"an unknown encoding name falls back instead of failing", func(s *synth) { s.i32(7, 20, 1, 8).str("x-klingo", 8) }, cp1252, "ideën", "windows-1252"},
		{"invalid UTF-8 in a UTF-8 file becomes U+FFFD", func(s *synth) { s.i32(7, 20, 1, 5).str("UTF-8", 5) }, cp1252, "ide\uFFFDn", "UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth("$FL2", 0, 1)
			s.i32(2, 0, 1, 0, 5<<16|8<<8, 5<<16|8<<8).str("A", 8).i32(int32(len(tc.label))).str(tc.label, (len(tc.label)+3)/4*4)
			tc.ext(s)
			s.end().f64(1)
			f, err := Read(bytes.NewReader(s.Bytes()), "enc.sav")
			if err != nil {
				t.Fatal(err)
			}
			if f.Variables[0].Label != tc.want || f.Encoding != tc.encoding {
				t.Errorf("label %q in %s, want %q in %s", f.Variables[0].Label, f.Encoding, tc.want, tc.encoding)
			}
		})
	}
}

func TestSystemMissingFromRecord74(t *testing.T) {
	tests := []struct {
		name    string
		sysmis  float64
		value   float64
		missing bool
	}{
		{"a zero system-missing in 7.4 is ignored, so zero stays an answer", 0, 0, false},
		{"the standard -DBL_MAX is system-missing", -math.MaxFloat64, -math.MaxFloat64, true},
		{"-DBL_MAX is system-missing even when 7.4 names another huge value", -1e308, -math.MaxFloat64, true},
		{"a huge 7.4 value is honoured", -1e308, -1e308, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSynth("$FL2", 0, 1).numVar("A")
			s.i32(7, 4, 8, 3).f64(tc.sysmis, math.MaxFloat64, -math.MaxFloat64)
			s.end().f64(tc.value)
			f, err := Read(bytes.NewReader(s.Bytes()), "sysmis.sav")
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Cases[0][0].SysMissing; got != tc.missing {
				t.Errorf("SysMissing = %v, want %v", got, tc.missing)
			}
		})
	}
}
