package coding

import (
	"strings"
	"testing"
)

func TestCheckReportsEachProblemAtItsPosition(t *testing.T) {
	cases := []struct {
		name string
		file string
		want []string // "line:col: substring"
	}{
		{"a duplicate id is reported at the second id", "bad_duplicate.yaml", []string{"5:9: duplicate code id \"a\" (first defined on line 3)"}},
		{"an unknown parent is reported at the parent", "bad_parent.yaml", []string{"4:13: code a has unknown parent \"nothere\""}},
		{"a parent cycle is reported for each code in it", "bad_cycle.yaml", []string{"4:13: code a is its own ancestor (a → b → a)", "7:13: code b is its own ancestor"}},
		{"an invalid regex is reported at the term", "bad_regex.yaml", []string{"5:12: code a: invalid regex"}},
		{"bad term syntax is reported per term", "bad_term.yaml", []string{"7:11: code a: term \"pro*ductie\"", "8:11: code a: term \"… dossiers\": a gap", "9:11: code a: term \"a NEAR/x b\": NEAR needs a distance"}},
		{"a leaf without terms is reported but its parent is not", "bad_empty.yaml", []string{"6:12: code child has no terms and no rules"}},
		{"a shadowed term is a warning", "shadow.yaml", []string{"4:18: warning: term \"werkdruk\" of code workload is also matched by term \"*druk\" of code pressure"}},
		{"a YAML syntax error carries its line", "bad_yaml.yaml", []string{"5: mapping values are not allowed in this context"}},
		{"bad rules are reported per rule", "bad_rule.yaml", []string{"4:13: code a: rule \"Q_werkdruk => 4\"", "4:32: code a: rule \"sector > \\\"zorg\\\"\" compares text with >"}},
		{"bad ids, negation, colour and keys are reported", "bad_misc.yaml", []string{"3:9: code id \"Bad-Id\" must be lower case", "6:15: negation \"sometimes\"", "7:12: color \"red\"", "9:5: unknown key \"colour\""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "testdata/" + tc.file
			probs, err := Check(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					if strings.HasPrefix(g, path+":"+w) || strings.HasPrefix(g, path+":"+w[:strings.Index(w, ":")]) && strings.Contains(g, w[strings.Index(w, ":")+2:]) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem %q in:\n%s", path+":"+w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

func TestCheckFindsNothingWrongWithAGoodCodebook(t *testing.T) {
	probs, err := Check("testdata/phenomena.yaml")
	if err != nil || len(probs) != 0 {
		t.Errorf("Check(phenomena.yaml) = %v, %v; want no problems", probs, err)
	}
}

func TestLoadFailsOnErrorsButNotOnWarnings(t *testing.T) {
	cases := []struct {
		file    string
		wantErr bool
	}{{"shadow.yaml", false}, {"bad_duplicate.yaml", true}, {"bad_yaml.yaml", true}, {"missing.yaml", true}}
	for _, tc := range cases {
		t.Run("loading "+tc.file+" fails only on errors", func(t *testing.T) {
			_, err := Load("testdata/" + tc.file)
			if (err != nil) != tc.wantErr {
				t.Errorf("Load(%s) error = %v, want error %v", tc.file, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestParseReadsTheWholeContract(t *testing.T) {
	cb, err := Load("testdata/phenomena.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := cb.Code("workload")
	if cb.Name != "phenomena" || cb.Version != "1.0" || cb.Language != "nl" || len(cb.Hash) != 64 {
		t.Errorf("header = %q %q %q %q", cb.Name, cb.Version, cb.Language, cb.Hash)
	}
	if w.Parent != "pressure" || w.Label != (Label{"Werkdruk", "Workload"}) || w.Negation != "flag" ||
		len(w.Terms["en"]) != 2 || w.Exclude["nl"][0] != "kwaliteit van bestaan" {
		t.Errorf("workload = %+v", w)
	}
	team, _ := cb.Code("team")
	if len(team.AppliesTo.Questions) != 2 {
		t.Errorf("team scope = %+v", team.AppliesTo)
	}
}
