package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// jsonMapCases are column values the decoders must read exactly as
// json.Unmarshal does: what json.Marshal writes, and what it never does.
var jsonMapCases = []string{
	`null`, `{}`, `{"a":"b"}`, `{"sector":"Jongerenwerk","region":"Noord","mode":"open house"}`,
	`{"":""}`, `{"a":"1","a":"2"}`, `{"a":"b","c":"d","e":"f","g":"h","i":"j","k":"l","m":"n","o":"p","q":"r"}`,
	`{"cliënt":"één, twee"}`, `{"a":"x\u003cy\u0026z"}`, `{"a":"\"quoted\""}`, `{"a":"tab\there"}`,
	`{"a":"line` + "\u2028" + `sep"}`, "{\"a\":\"bad \xff byte\"}", "{\"a\":\"\xed\xa0\x80\"}",
	"{\"a\":\"raw\ttab\"}", `{"a":"b",}`, `{"a":"b"`, `{"a":"b"}x`, `{"a" : "b"}`, ` {"a":"b"}`, `{"a":"b"} `,
	`{"a":1}`, `{"a":-1}`, `{"a":0}`, `{"a":-0}`, `{"a":01}`, `{"a":1.5}`, `{"a":1e3}`, `{"a":1.0}`,
	`{"a":-}`, `{"a":123456789012345678}`, `{"a":1234567890123456789}`, `{"a":9223372036854775807}`,
	`{"a":9223372036854775808}`, `{"a":-9223372036854775808}`, `{"a":null}`, `{"a":true}`, `{"a":[]}`,
	`{"a":{}}`, `{"a":"5"}`, `{"werkdruk":4,"tevreden":2}`, `{1:2}`, `{"a"}`, `{"a":}`, `{,}`, `{`, `}`,
	``, `nul`, `null `, `[]`, `"a"`, `0`, `{"a":"b",,"c":"d"}`, `{"a":1,"b":"2"}`,
}

// sameAsJSON fails t unless decode gives what json.Unmarshal gives for s,
// down to nil against empty maps and the error text.
func sameAsJSON[V any](t *testing.T, s string, decode func(string) (map[string]V, error)) {
	t.Helper()
	got, gotErr := decode(s)
	var want map[string]V
	wantErr := json.Unmarshal([]byte(s), &want)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Errorf("%q: err = %v, want %v", s, gotErr, wantErr)
		return
	}
	if wantErr == nil && (!reflect.DeepEqual(got, want) || (got == nil) != (want == nil)) {
		t.Errorf("%q: got %#v, want %#v", s, got, want)
	}
}

func TestJSONMapsDecodeAsEncodingJSON(t *testing.T) {
	for _, s := range jsonMapCases {
		sameAsJSON(t, s, decodeStringMap)
		sameAsJSON(t, s, decodeIntMap)
	}
	// Whatever json.Marshal writes for a map takes the fast path.
	for _, m := range []map[string]string{nil, {}, {"sector": "zorg", "Q_mode": "open house", "naam": "Zoë"}} {
		b, _ := json.Marshal(m)
		if _, ok := scanObject(string(b), scanString); !ok {
			t.Errorf("%s: not read by scanObject", b)
		}
	}
	for _, m := range []map[string]int{nil, {}, {"werkdruk": 5, "min": -3, "big": 1 << 40}} {
		b, _ := json.Marshal(m)
		if _, ok := scanObject(string(b), scanInt); !ok {
			t.Errorf("%s: not read by scanObject", b)
		}
	}
}

func FuzzJSONMaps(f *testing.F) {
	for _, s := range jsonMapCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameAsJSON(t, s, decodeStringMap)
		sameAsJSON(t, s, decodeIntMap)
	})
}

// TestRespondentsReadJSONTheStoreDidNotWrite checks Respondents on columns
// written by something else than FileTx (an older veldstem, or a hand
// edit): spaced and escaped JSON reads as before, and damage fails naming
// the respondent.
func TestRespondentsReadJSONTheStoreDidNotWrite(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	newSurvey("e", "a.csv", 3).store(t, s)
	set := func(id, attrs, likert, closed string) {
		t.Helper()
		if _, err := s.db.Exec(`UPDATE respondents SET attributes = ?, likert = ?, closed = ? WHERE id = ?`,
			attrs, likert, closed, id); err != nil {
			t.Fatal(err)
		}
	}
	set("r001", `{ "sector": "zorg \u0026 welzijn" }`, `{"Q5": 3, "Q6":1}`, `{"Q\u005fx":"a\/b"}`)
	set("r002", `null`, `{}`, "{\"Q\":\"\xff\"}")
	var got []study.Respondent
	if err := s.Respondents(ctx, func(r study.Respondent) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		attrs  map[string]string
		likert map[string]int
		closed map[string]string
	}{
		{map[string]string{"sector": "zorg & welzijn"}, map[string]int{"Q5": 3, "Q6": 1}, map[string]string{"Q_x": "a/b"}},
		{nil, map[string]int{}, map[string]string{"Q": "\ufffd"}},
		{map[string]string{"sector": "zorg"}, map[string]int{"Q_tevreden": 4}, map[string]string{"Q_werkdruk": "4"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d respondents, want %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if !reflect.DeepEqual(r.Attributes, w.attrs) || !reflect.DeepEqual(r.Likert, w.likert) || !reflect.DeepEqual(r.Closed, w.closed) {
			t.Errorf("%s: got %#v %#v %#v, want %#v %#v %#v", r.ID, r.Attributes, r.Likert, r.Closed, w.attrs, w.likert, w.closed)
		}
	}

	set("r002", `{"sector":"zorg"}`, `{"Q5":4.5}`, `{"Q":"x"}`)
	err := s.Respondents(ctx, func(study.Respondent) error { return nil })
	var ute *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &ute) || !strings.Contains(err.Error(), "e/r002") {
		t.Errorf("err = %v, want a json.UnmarshalTypeError naming e/r002", err)
	}
}
