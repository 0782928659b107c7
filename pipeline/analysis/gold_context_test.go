package analysis

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestReadGoldReadsPastTextAndNoteColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gold.csv")
	body := "unit_id,text,workload,note,staff\nu1,\"De werkdruk, echt\",1,lastig,0\nu2,Verloop,0,,1\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadGold(path, []CodeInfo{{ID: "workload"}, {ID: "staff"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"u1": {"workload"}, "u2": {"staff"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
