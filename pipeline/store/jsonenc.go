package store

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The attributes, Likert and closed columns hold what json.Marshal writes
// for the maps (see jsonmap.go). Storing a national survey's respondents
// spent as much on json.Marshal's reflection and sorting as on inserting
// them, so appendStringMap and appendIntMap write that same text directly
// when every key and value is plain (no character json.Marshal escapes,
// valid UTF-8), and call json.Marshal otherwise; either way the bytes are
// the same.

// appendStringMap appends json.Marshal(m) to buf.
func appendStringMap(buf []byte, m map[string]string, keys *[]string) ([]byte, error) {
	return appendMap(buf, m, keys, plainJSON, func(b []byte, v string) []byte {
		b = append(b, '"')
		b = append(b, v...)
		return append(b, '"')
	})
}

// appendIntMap appends json.Marshal(m) to buf.
func appendIntMap(buf []byte, m map[string]int, keys *[]string) ([]byte, error) {
	return appendMap(buf, m, keys, func(int) bool { return true }, func(b []byte, v int) []byte {
		return strconv.AppendInt(b, int64(v), 10)
	})
}

// appendMap appends json.Marshal(m) to buf: the keys sorted, each value
// written by value when every key and value is plain (plain says which
// values are), else by json.Marshal.
func appendMap[V any](buf []byte, m map[string]V, keys *[]string, plain func(V) bool, value func([]byte, V) []byte) ([]byte, error) {
	if m == nil {
		return append(buf, "null"...), nil
	}
	ks := sortedKeys(m, keys)
	// Written as it is checked, and taken back for json.Marshal at the
	// first key or value that is not plain: one look-up a key.
	start := len(buf)
	buf = append(buf, '{')
	for i, k := range ks {
		v := m[k]
		if !plainJSON(k) || !plain(v) {
			return appendMarshal(buf[:start], m)
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = append(buf, k...)
		buf = append(buf, `":`...)
		buf = value(buf, v)
	}
	return append(buf, '}'), nil
}

func appendMarshal(buf []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// sortedKeys returns m's keys in the order json.Marshal writes them, in
// the space of *keys.
func sortedKeys[V any](m map[string]V, keys *[]string) []string {
	ks := (*keys)[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	*keys = ks
	return ks
}

// plainJSON reports whether json.Marshal writes s as itself in quotes: no
// quote, backslash or control character, none of the <, > and & it
// escapes for HTML, valid UTF-8 (it replaces invalid bytes) and no U+2028
// or U+2029 (which it escapes for JavaScript).
func plainJSON(s string) bool {
	// One table look-up a byte rather than the comparisons: this runs on
	// every key and value of every respondent stored.
	ascii := true
	for i := 0; i < len(s); i++ {
		switch jsonByte[s[i]] {
		case jsonPlain:
		case jsonEscaped:
			return false
		default:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s) && !strings.Contains(s, "\u2028") && !strings.Contains(s, "\u2029")
}

// jsonByte classes the bytes for plainJSON.
var jsonByte = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = jsonNonASCII
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			t[c] = jsonEscaped
		}
	}
	return t
}()

const (
	jsonPlain = iota
	jsonEscaped
	jsonNonASCII
)
