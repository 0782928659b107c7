package store

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// A respondent's attributes, Likert answers and closed answers are stored
// as the JSON objects json.Marshal writes for a map: keys sorted, no
// spaces, strings escaped only where needed. Reading them back with
// json.Unmarshal was half the CPU of Respondents at 200,000 respondents
// (issue 10), most of it spent on reflection and on copying strings the
// column already holds. The decoders here read that exact shape and share
// the column's memory for keys and values; anything else (escapes,
// whitespace, invalid UTF-8, numbers that are not plain integers, damage)
// goes to json.Unmarshal, so every value and every error is what it gives.

// decodeStringMap is json.Unmarshal of s into a map[string]string.
func decodeStringMap(s string) (map[string]string, error) {
	if m, ok := scanObject(s, scanString); ok {
		return m, nil
	}
	var m map[string]string
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// decodeIntMap is json.Unmarshal of s into a map[string]int.
func decodeIntMap(s string) (map[string]int, error) {
	if m, ok := scanObject(s, scanInt); ok {
		return m, nil
	}
	var m map[string]int
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}

// scanObject reads s as "null" (a nil map, as json.Unmarshal leaves it) or
// an object of string keys and values that value reads. ok is false when s
// is anything else, valid JSON or not.
func scanObject[V any](s string, value func(s string, i int) (V, int, bool)) (m map[string]V, ok bool) {
	if s == "null" {
		return nil, true
	}
	if len(s) < 2 || s[0] != '{' {
		return nil, false
	}
	if s == "{}" {
		return map[string]V{}, true
	}
	// Commas inside strings make this an overestimate, which costs a
	// little space; never having to grow saves the map's rehash.
	m = make(map[string]V, strings.Count(s, ",")+1)
	for i := 1; ; {
		k, j, ok := scanString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		v, j, ok := value(s, j+1)
		if !ok || j >= len(s) {
			return nil, false
		}
		m[k] = v
		switch s[j] {
		case ',':
			i = j + 1
		case '}':
			return m, j+1 == len(s)
		default:
			return nil, false
		}
	}
}

// scanString reads the JSON string at s[i:] when it needs no unescaping
// and is valid UTF-8 (json.Unmarshal would replace invalid bytes), and
// returns it as a substring of s with the index after its closing quote.
func scanString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	ascii := true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v := s[i+1 : j]
			if !ascii && !utf8.ValidString(v) {
				return "", j, false
			}
			return v, j + 1, true
		case c == '\\' || c < 0x20:
			return "", j, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", len(s), false
}

// scanInt reads the JSON integer at s[i:] as json.Marshal writes an int.
// Up to 18 digits always fit an int; a longer number stops at a digit,
// which no object allows after a value, so it goes to json.Unmarshal.
func scanInt(s string, i int) (int, int, bool) {
	j := i
	neg := j < len(s) && s[j] == '-'
	if neg {
		j++
	}
	start, v := j, 0
	for ; j < len(s) && j-start < 18 && '0' <= s[j] && s[j] <= '9'; j++ {
		v = v*10 + int(s[j]-'0')
	}
	if j == start || (s[start] == '0' && j-start > 1) {
		return 0, j, false // no digits, or a leading zero JSON refuses
	}
	if neg {
		v = -v
	}
	return v, j, true
}
