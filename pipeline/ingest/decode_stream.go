package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// decodeStream is decodeText for a file read as a stream: it returns a
// reader of the same UTF-8, "\n"-terminated text decodeText would return
// for the file's bytes, holding only buffers.
//
// Detection is decodeText's: a byte order mark, else the whole file being
// valid UTF-8, else Windows-1252. Telling UTF-8 from Windows-1252 needs every
// byte (an export is UTF-8 until its one "café" in Windows-1252 on the last
// line), so without a BOM the file is scanned once for UTF-8 validity
// (~0.1 s per 100 MB) and read again from the start; deciding on the first
// few KB would decode such a file differently from decodeText.
//
// known, when not empty, is the encoding a check of these same bytes
// found; it stands in for the validity scan, which would find it again.
func decodeStream(f io.ReadSeeker, want, known string) (text io.Reader, enc string, err error) {
	want = encodingName(want)
	head := make([]byte, 3)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, "", err
	}
	head = head[:n]
	skip := int64(0) // bytes of the file before the text (a UTF-8 BOM)
	var dec *encoding.Decoder
	switch {
	case want == "" || want == "auto":
		switch {
		case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
			enc, skip = encUTF8BOM, 3
		case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
			enc, dec = encUTF16LE, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
			enc, dec = encUTF16BE, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		default:
			ok, err := known == encUTF8, error(nil)
			if known != encUTF8 && known != encWindows12 {
				ok, err = validUTF8From(f, 0)
			}
			if err != nil {
				return nil, "", err
			}
			if ok {
				enc = encUTF8
			} else {
				enc, dec = encWindows12, charmap.Windows1252.NewDecoder()
			}
		}
	case want == encUTF8 || want == encUTF8BOM:
		enc = encUTF8
		if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
			enc, skip = encUTF8BOM, 3
		}
		ok, err := known == encUTF8 || known == encUTF8BOM, error(nil)
		if !ok {
			ok, err = validUTF8From(f, skip)
		}
		if err != nil {
			return nil, "", err
		}
		if !ok {
			return nil, "", fmt.Errorf("file is not valid UTF-8 although encoding %q is configured", want)
		}
	case want == encUTF16LE || want == encUTF16BE || want == encWindows12:
		enc, dec = want, configuredDecoder(want)
	default:
		return nil, "", fmt.Errorf("unknown encoding %q (use auto, utf-8, utf-16le, utf-16be or windows-1252)", want)
	}
	if _, err := f.Seek(skip, io.SeekStart); err != nil {
		return nil, "", err
	}
	var r io.Reader = bufio.NewReaderSize(f, 64<<10)
	if dec != nil {
		r = &decodeErrReader{r: transform.NewReader(r, dec), enc: enc}
	}
	// normalizeText: a stray BOM first, then NULs and line endings.
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	return transform.NewReader(br, &newlines{}), enc, nil
}

// validUTF8From reports whether the file from offset on is valid UTF-8,
// reading it in 64 KB chunks.
func validUTF8From(f io.ReadSeeker, offset int64) (bool, error) {
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return false, err
	}
	buf := make([]byte, 64<<10)
	carry := 0 // bytes of an incomplete rune kept at the start of buf
	for {
		n, err := f.Read(buf[carry:])
		data := buf[:carry+n]
		if err == io.EOF {
			return utf8.Valid(data), nil
		}
		if err != nil {
			return false, err
		}
		cut := len(data)
		for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
			if utf8.RuneStart(data[i]) {
				if !utf8.FullRune(data[i:]) {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(data[:cut]) {
			return false, nil
		}
		carry = copy(buf, data[cut:])
	}
}

// decodeError is a failure of the decoder, told apart from a file that
// cannot be read so that the problem says what decodeText says.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }

type decodeErrReader struct {
	r   io.Reader
	enc string
}

func (d *decodeErrReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = &decodeError{fmt.Errorf("decoding %s: %v", d.enc, err)}
	}
	return n, err
}

// newlines is normalizeText's NUL and line-ending rule as a transformer:
// NULs go, "\r\n" and a lone "\r" become "\n". Since NULs go first in
// normalizeText, "\r\x00\n" is one line break too: a "\r" is remembered
// across NULs and chunk boundaries until the next other byte.
type newlines struct{ afterCR bool }

func (t *newlines) Reset() { t.afterCR = false }

func (t *newlines) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	// Runs of ordinary bytes are copied at once: the next NUL and "\r" are
	// found with bytes.IndexByte (the NUL's position is kept, since most
	// files have none and CRLF files have a "\r" on every line).
	nul := -2 // the next NUL at or after nSrc; -1 none; -2 not looked for
	for nSrc < len(src) {
		if !t.afterCR {
			if nul != -1 && nul < nSrc {
				if nul = bytes.IndexByte(src[nSrc:], 0); nul >= 0 {
					nul += nSrc
				}
			}
			end := len(src)
			if nul >= 0 {
				end = nul
			}
			if i := bytes.IndexByte(src[nSrc:end], '\r'); i >= 0 {
				end = nSrc + i
			}
			n := copy(dst[nDst:], src[nSrc:end])
			nDst += n
			nSrc += n
			if nSrc < end {
				return nDst, nSrc, transform.ErrShortDst
			}
			if nSrc == len(src) {
				break
			}
		}
		c := src[nSrc]
		switch {
		case c == 0:
			nSrc++
			continue
		case c == '\n' && t.afterCR:
			t.afterCR = false
			nSrc++
			continue
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		t.afterCR = c == '\r'
		if c == '\r' {
			c = '\n'
		}
		dst[nDst] = c
		nDst++
		nSrc++
	}
	return nDst, nSrc, nil
}
