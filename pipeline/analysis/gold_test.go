package analysis

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadGold(t *testing.T) {
	cases := []struct {
		name    string
		csv     string
		want    map[string][]string
		wantErr string // substring; empty means success
	}{
		{"one 0/1 column per code, comma separated",
			"unit_id,werkdruk,regeldruk\nu1,1,0\nu2,0,0\nu3,x,1\n",
			map[string][]string{"u1": {"werkdruk"}, "u2": {}, "u3": {"regeldruk", "werkdruk"}}, ""},
		{"semicolon delimiter as Dutch Excel writes it, with a byte order mark",
			"\ufeffunit_id;werkdruk;regeldruk\r\nu1;1;1\r\n",
			map[string][]string{"u1": {"regeldruk", "werkdruk"}}, ""},
		{"a codes column separated by semicolons, other columns ignored",
			"unit_id,codes,text\nu1,werkdruk;regeldruk,hoge druk\nu2,,niets\n",
			map[string][]string{"u1": {"regeldruk", "werkdruk"}, "u2": {}}, ""},
		{"a quoted codes column in a semicolon file",
			"unit_id;codes\nu1;\"werkdruk;regeldruk\"\n",
			map[string][]string{"u1": {"regeldruk", "werkdruk"}}, ""},
		{"an unknown code in a codes column names file, line and code",
			"unit_id,codes\nu1,werkdruk\nu2,stress\n", nil, "gold.csv:3: unknown code \"stress\""},
		{"an unknown code column names the header line",
			"unit_id,werkdruk,stress\nu1,1,0\n", nil, "gold.csv:1: unknown code \"stress\""},
		{"a value other than 0/1 names the column",
			"unit_id,werkdruk\nu1,misschien\n", nil, "gold.csv:2: column \"werkdruk\" has \"misschien\""},
		{"a unit listed twice names both lines",
			"unit_id,codes\nu1,werkdruk\nu1,regeldruk\n", nil, "gold.csv:3: unit \"u1\" is listed again (first on line 2)"},
		{"a header without unit_id says what is expected",
			"id,codes\nu1,werkdruk\n", nil, "gold.csv:1: the header must be unit_id"},
		{"an empty file is an error", "", nil, "gold.csv:1: the file is empty"},
		{"broken quoting names the line", "unit_id,codes\nu1,\"werkdruk\nu2,x\n", nil, "gold.csv:"},
		{"an empty unit ID is an error", "unit_id,codes\n,werkdruk\n", nil, "gold.csv:2: the unit_id is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readGold(strings.NewReader(c.csv), "gold.csv", testCodes)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("ReadGold reads a file and names a missing one", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gold.csv")
		if err := os.WriteFile(path, []byte("unit_id,codes\nu1,werkdruk\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadGold(path, testCodes); err != nil || len(got["u1"]) != 1 {
			t.Errorf("got %v, %v", got, err)
		}
		if _, err := ReadGold(path+".nope", testCodes); err == nil || !strings.Contains(err.Error(), "gold.csv.nope") {
			t.Errorf("got %v", err)
		}
	})
}

func FuzzReadGold(f *testing.F) {
	f.Add("unit_id,werkdruk,regeldruk\nu1,1,0\n")
	f.Add("unit_id;codes\nu1;\"werkdruk;regeldruk\"\n")
	f.Add("\ufeffunit_id\tcodes\nu1\twerkdruk\n")
	f.Add("unit_id,codes\nu1,\"open")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := readGold(strings.NewReader(s), "fuzz.csv", testCodes)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.csv") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for id, codes := range got {
			if id == "" {
				t.Errorf("empty unit ID accepted")
			}
			for _, c := range codes {
				if c != "werkdruk" && c != "werkdruk.uren" && c != "regeldruk" && c != "niemand" {
					t.Errorf("unknown code %q accepted", c)
				}
			}
		}
	})
}
