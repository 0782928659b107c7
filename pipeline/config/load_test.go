package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// writeStudy lays out a minimal study in a temp dir and returns the config path.
func writeStudy(t *testing.T, cfg string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"codes/cb.yaml":     "name: cb\ncodes: []\n",
		"data/survey/a.csv": "id,q\n1,x\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const minimal = `study: {name: Test, language: nl}
sources:
  - name: survey
    type: survey
    path: data/survey/*.csv
    id_column: id
    text_columns: [q]
codebook: codes/cb.yaml
`

func TestLoadAcceptsMinimalConfigAndResolvesPathsAgainstItsFolder(t *testing.T) {
	path := writeStudy(t, minimal)
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if cfg.Codebook != filepath.Join(dir, "codes/cb.yaml") {
		t.Errorf("codebook = %s", cfg.Codebook)
	}
	if cfg.Output.Dir != filepath.Join(dir, "reports") {
		t.Errorf("output.dir default = %s", cfg.Output.Dir)
	}
	if cfg.Store.Path != filepath.Join(dir, ".veldstem/state.db") {
		t.Errorf("store.path default = %s", cfg.Store.Path)
	}
	if cfg.Privacy.MinCell != 5 || cfg.Quotes.PerCode != 3 {
		t.Errorf("defaults min_cell=%d per_code=%d", cfg.Privacy.MinCell, cfg.Quotes.PerCode)
	}
	if cfg.Sources[0].Path != filepath.Join(dir, "data/survey/*.csv") {
		t.Errorf("source path = %s", cfg.Sources[0].Path)
	}
}

func TestLoadRefusesBadConfigsNamingKeyAndFile(t *testing.T) {
	cases := []struct {
		name string
		cfg  string
		want []string
	}{
		{"a misspelled top-level key", minimal + "ouput: {dir: out}\n", []string{"config.yaml:9", `unknown key "ouput"`, `did you mean "output"`}},
		{"a misspelled nested key", minimal + "privacy: {min_cel: 3}\n", []string{"config.yaml:9", "privacy.min_cel", `did you mean "min_cell"`}},
		{"a misspelled source key", strings.Replace(minimal, "id_column", "id_colum", 1), []string{"config.yaml:6", "sources[0].id_colum"}},
		{"a word where a number belongs", minimal + "privacy: {min_cell: five}\n", []string{"config.yaml:9", "privacy.min_cell", "expected a whole number", "five"}},
		{"a list where a value belongs", minimal + "output: {dir: [a, b]}\n", []string{"output.dir", "expected a single value"}},
		{"a path that matches no file", strings.Replace(minimal, "data/survey/*.csv", "data/nope/*.csv", 1), []string{"config.yaml:5", "sources[0].path", "no file matches"}},
		{"a missing codebook", strings.Replace(minimal, "codebook: codes/cb.yaml\n", "", 1), []string{"codebook", "required"}},
		{"a missing study name", strings.Replace(minimal, "name: Test, ", "", 1), []string{"study.name", "required"}},
		{"an unknown source type", strings.Replace(minimal, "type: survey", "type: poll", 1), []string{"sources[0].type", "survey or transcript"}},
		{"an unknown language", strings.Replace(minimal, "language: nl", "language: de", 1), []string{"study.language", "nl or en"}},
		{"an unknown output format", minimal + "output: {formats: [html, pdf]}\n", []string{"output.formats[1]", `"pdf"`}},
		{"invalid YAML", "study: [\n", []string{"config.yaml", "not valid YAML"}},
	}
	for _, c := range cases {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := Load(writeStudy(t, c.cfg), nil)
			if err == nil {
				t.Fatal("Load accepted the config")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEnvironmentAndFlagsOverrideTheFile(t *testing.T) {
	path := writeStudy(t, minimal+"output: {dir: fromfile}\nprivacy: {min_cell: 7}\n")
	t.Setenv("VELDSTEM_OUTPUT_DIR", "fromenv")
	t.Setenv("VELDSTEM_QUOTES_PER_CODE", "9")
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse([]string{"--privacy-min-cell=10"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, fs)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "fromenv"); cfg.Output.Dir != want {
		t.Errorf("output.dir = %s, want env value %s", cfg.Output.Dir, want)
	}
	if cfg.Quotes.PerCode != 9 {
		t.Errorf("quotes.per_code = %d, want 9 from env", cfg.Quotes.PerCode)
	}
	if cfg.Privacy.MinCell != 10 {
		t.Errorf("privacy.min_cell = %d, want 10 from flag", cfg.Privacy.MinCell)
	}
}

func TestUnknownEnvironmentVariableIsRefused(t *testing.T) {
	t.Setenv("VELDSTEM_OUPUT_DIR", "x")
	_, err := Load(writeStudy(t, minimal), nil)
	if err == nil || !strings.Contains(err.Error(), "VELDSTEM_OUPUT_DIR") {
		t.Fatalf("err = %v, want it to name VELDSTEM_OUPUT_DIR", err)
	}
}

func TestEveryScalarKeyHasAFlagAndAnEnvName(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	AddFlags(fs)
	for _, k := range ScalarKeys() {
		if fs.Lookup(FlagName(k)) == nil {
			t.Errorf("no flag for %s", k)
		}
	}
	if got := EnvName("privacy.min_cell"); got != "VELDSTEM_PRIVACY_MIN_CELL" {
		t.Errorf("EnvName = %s", got)
	}
}
