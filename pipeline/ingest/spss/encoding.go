package spss

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// codePages maps the Windows code page numbers found in record 7.3 to
// encoding names, for files (often from jamovi/ReadStat or old SPSS) that
// lack the 7.20 encoding record.
var codePages = map[int32]string{
	437: "IBM437", 850: "IBM850", 852: "IBM852", 866: "IBM866", 874: "windows-874",
	932: "Shift_JIS", 936: "GBK", 949: "EUC-KR", 950: "Big5",
	1250: "windows-1250", 1251: "windows-1251", 1252: "windows-1252", 1253: "windows-1253",
	1254: "windows-1254", 1255: "windows-1255", 1256: "windows-1256", 1257: "windows-1257",
	1258:  "windows-1258",
	20127: "UTF-8", // US-ASCII is a subset of UTF-8
	28591: "ISO-8859-1", 28592: "ISO-8859-2", 28593: "ISO-8859-3", 28594: "ISO-8859-4",
	28595: "ISO-8859-5", 28596: "ISO-8859-6", 28597: "ISO-8859-7", 28598: "ISO-8859-8",
	28599: "ISO-8859-9", 28605: "ISO-8859-15",
	65001: "UTF-8",
}

// textDecoder turns bytes in the file's encoding into valid UTF-8.
type textDecoder struct {
	name string
	enc  encoding.Encoding // nil means UTF-8
	// guess is set when the file names no encoding: then valid UTF-8 is
	// taken as is and anything else is read as windows-1252, the usual
	// encoding of Dutch SPSS installations.
	guess bool
}

// newTextDecoder picks the decoder from the 7.20 name or, failing that, the
// 7.3 character code. An unknown name gives the guessing decoder.
func newTextDecoder(name string, codePage int32) textDecoder {
	name = strings.TrimSpace(strings.TrimRight(name, "\x00"))
	if name == "" {
		if cp, found := codePages[codePage]; found {
			name = cp
		}
	}
	if name == "" {
		return textDecoder{name: "windows-1252", guess: true}
	}
	if isUTF8Name(name) {
		return textDecoder{name: "UTF-8"}
	}
	enc, err := htmlindex.Get(name)
	if err != nil || enc == nil {
		enc, err = ianaindex.IANA.Encoding(name)
	}
	if err != nil || enc == nil {
		return textDecoder{name: "windows-1252", guess: true}
	}
	return textDecoder{name: name, enc: enc}
}

func isUTF8Name(name string) bool {
	n := strings.ToUpper(strings.ReplaceAll(name, "-", ""))
	return n == "UTF8" || n == "CP65001" || n == "ASCII" || n == "USASCII"
}

func (d textDecoder) decode(b []byte) string {
	if d.enc == nil && !d.guess {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if d.guess && utf8.Valid(b) {
		return string(b)
	}
	enc := d.enc
	if enc == nil {
		enc = charmap.Windows1252
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// decodeLenient is decode for record 7.21, where PSPP (2.0) writes the
// label values of windows-1252 files in UTF-8. Text that is valid UTF-8
// and not plain ASCII is taken as UTF-8: genuine windows-1252 text almost
// never forms valid multi-byte UTF-8 sequences ("Ã¯" is what it would take).
func (d textDecoder) decodeLenient(b []byte) string {
	if d.enc != nil && utf8.Valid(b) {
		for _, c := range b {
			if c >= 0x80 {
				return string(b)
			}
		}
	}
	return d.decode(b)
}
