package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Encoding names reported in FileInfo.Encoding and accepted in config.
const (
	encUTF8      = "utf-8"
	encUTF8BOM   = "utf-8-bom"
	encUTF16LE   = "utf-16le"
	encUTF16BE   = "utf-16be"
	encWindows12 = "windows-1252"
)

// decodeText turns the bytes of a text file into a UTF-8 string with "\n"
// line endings. want is Source.Encoding ("" or "auto" detects). Detection
// trusts a byte order mark, then valid UTF-8, and falls back to
// Windows-1252 because that is what Dutch Excel and SPSS write when they
// are not writing UTF-8; Latin-1 files decode the same way.
func decodeText(data []byte, want string) (text, enc string, err error) {
	want = encodingName(want)
	var dec *encoding.Decoder
	switch {
	case want == "" || want == "auto":
		switch {
		case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
			enc, data = encUTF8BOM, data[3:]
		case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
			enc, dec = encUTF16LE, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
			enc, dec = encUTF16BE, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		case utf8.Valid(data):
			enc = encUTF8
		default:
			enc, dec = encWindows12, charmap.Windows1252.NewDecoder()
		}
	case want == encUTF8 || want == encUTF8BOM:
		enc = encUTF8
		if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
			enc, data = encUTF8BOM, data[3:]
		}
		if !utf8.Valid(data) {
			return "", "", fmt.Errorf("file is not valid UTF-8 although encoding %q is configured", want)
		}
	case want == encUTF16LE || want == encUTF16BE || want == encWindows12:
		enc, dec = want, configuredDecoder(want)
	default:
		return "", "", fmt.Errorf("unknown encoding %q (use auto, utf-8, utf-16le, utf-16be or windows-1252)", want)
	}
	if dec != nil {
		out, err := dec.Bytes(data)
		if err != nil {
			return "", "", fmt.Errorf("decoding %s: %v", enc, err)
		}
		data = out
	}
	return normalizeText(string(data)), enc, nil
}

// encodingName canonicalises a Source.Encoding spelling.
func encodingName(want string) string {
	want = strings.ToLower(strings.TrimSpace(want))
	want = strings.ReplaceAll(want, "_", "-")
	switch want {
	case "utf8":
		want = encUTF8
	case "utf16le", "utf-16-le":
		want = encUTF16LE
	case "utf16be", "utf-16-be":
		want = encUTF16BE
	case "cp1252", "latin1", "latin-1", "iso-8859-1", "windows1252":
		want = encWindows12
	}
	return want
}

// normalizeText strips NUL bytes and a stray BOM and turns CRLF and CR-only
// (classic Mac) line endings into "\n", so line numbers count the way an
// editor counts them whatever wrote the file.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, "\uFEFF")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// configuredDecoder is the decoder for an encoding named in config that needs
// one (UTF-16 either way round, Windows-1252); nil for any other name. The
// whole-file and the streaming readers share it.
func configuredDecoder(want string) *encoding.Decoder {
	switch want {
	case encUTF16LE:
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
	case encUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()
	case encWindows12:
		return charmap.Windows1252.NewDecoder()
	}
	return nil
}
