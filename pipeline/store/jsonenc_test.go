package store

import (
	"encoding/json"
	"testing"
)

// appendStringMap and appendIntMap write what json.Marshal writes, plain
// or not.
func TestAppendMapsAsMarshal(t *testing.T) {
	strs := []string{"", "a", "sector", "Helemaal mee eens", "cliënt", "ê€😀", "a\"b", `a\b`, "a\nb", "\x00", "\x1f", "\x7f",
		"<b>", "a&b", "a>b", "\u2028", "x\u2029", "\xff", "a\xc3", "\xed\xa0\x80", "tab\there", "Zuid-Holland", "0"}
	var keys []string
	check := func(m any) {
		t.Helper()
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		switch m := m.(type) {
		case map[string]string:
			got, err = appendStringMap([]byte("x"), m, &keys)
		case map[string]int:
			got, err = appendIntMap([]byte("x"), m, &keys)
		}
		if err != nil || string(got) != "x"+string(want) {
			t.Fatalf("%#v: got %q, %v, want %q", m, got, err, want)
		}
	}
	check(map[string]string(nil))
	check(map[string]int(nil))
	check(map[string]string{})
	check(map[string]int{})
	for i, k := range strs {
		for j, v := range strs {
			check(map[string]string{k: v, "m": "n", strs[(i+j)%len(strs)]: k})
			check(map[string]int{k: i - j, "m": 1 << 40, v: -7})
		}
	}
}

func FuzzAppendStringMap(f *testing.F) {
	f.Add("sector", "Wijkteam", "regio", "Noord")
	f.Add("a<", "b\u2028", "\xff", "")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		got, err := appendStringMap(nil, m, &keys)
		if err != nil || string(got) != string(want) {
			t.Fatalf("%#v: got %q, %v, want %q", m, got, err, want)
		}
		im := map[string]int{k1: len(v1), k2: -len(v2)}
		want, _ = json.Marshal(im)
		if got, err = appendIntMap(nil, im, &keys); err != nil || string(got) != string(want) {
			t.Fatalf("%#v: got %q, %v, want %q", im, got, err, want)
		}
	})
}

// plainJSON holds for a string exactly when json.Marshal writes it as
// itself in quotes, for every byte alone and in a few contexts.
func TestPlainJSONEveryByte(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string(rune(c)), string([]byte{byte(c)}), "ab" + string([]byte{byte(c)}) + "é"} {
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if want := string(b) == `"`+s+`"`; plainJSON(s) != want {
				t.Errorf("plainJSON(%q) = %v, want %v", s, !want, want)
			}
		}
	}
}
