package coding

import (
	"reflect"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// CodeAllDetecting must give what detecting each unit's language first
// and then coding it gives: the same Lang on each unit and the same
// codings, with context units and units that already have a language left
// as they are.
func TestCodeAllDetectingEqualsDetectingFirst(t *testing.T) {
	c := realCoder(t)
	var units []study.Unit
	for _, u := range generatedUnits(t, 600) {
		u.Lang = "" // generatedUnits detects; this test wants them undetected
		units = append(units, u)
	}
	for i, s := range languageSamples {
		units = append(units, study.Unit{ID: "sample/" + s.want + "/" + string(rune('a'+i%26)), Source: "sample", Text: s.text})
	}
	units = append(units,
		study.Unit{ID: "ctx", Source: "i", Text: "Hoe ervaart u de werkdruk?", Context: true},
		study.Unit{ID: "preset", Source: "i", Text: "The workload is too high since the tender.", Lang: "nl"},
		study.Unit{ID: "empty", Source: "i", Text: ""},
		study.Unit{ID: "short", Source: "i", Text: "caseload"})

	want := make([]study.Unit, len(units))
	copy(want, units)
	for i := range want {
		if !want[i].Context && want[i].Lang == "" {
			want[i].Lang = DetectLanguage(want[i].Text)
		}
	}
	wantCodings := c.CodeAll(want, nil)

	got := make([]study.Unit, len(units))
	copy(got, units)
	gotCodings := c.CodeAllDetecting(got, nil)
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			if got[i].Lang != want[i].Lang {
				t.Errorf("unit %s: Lang %q, want %q", got[i].ID, got[i].Lang, want[i].Lang)
			}
		}
		t.Fatal("units differ")
	}
	if !reflect.DeepEqual(gotCodings, wantCodings) {
		t.Fatal("codings differ from detecting the language first")
	}
	langs := map[string]int{}
	for _, u := range got {
		langs[u.Lang]++
	}
	if langs["nl"] == 0 || langs["en"] == 0 || langs[""] == 0 {
		t.Errorf("languages told %v; the test needs Dutch, English and undecided units", langs)
	}
}
