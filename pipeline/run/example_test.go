package run

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// copyTree copies the example study's inputs (config, codebook, data) so
// the test runs it without touching the repository's reports or store.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestExampleStudyKeepsItsPersonalDataOutOfReports runs the example study of
// the repository and looks for the personal data planted in its inputs
// (data/README.md lists it) in every report file, inside report.xlsx and
// project.qdpx too, and in the store.
func TestExampleStudyKeepsItsPersonalDataOutOfReports(t *testing.T) {
	root := filepath.Join("..", "..")
	dir := t.TempDir()
	copyTree(t, filepath.Join(root, "codes"), filepath.Join(dir, "codes"))
	copyTree(t, filepath.Join(root, "data"), filepath.Join(dir, "data"))
	cfgBytes, err := os.ReadFile(filepath.Join(root, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "config.yaml"), string(cfgBytes))
	cfg := loadConfig(t, dir)
	if _, err := Run(context.Background(), cfg, Options{}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	haystacks(t, cfg.Output.Dir, out)
	haystacks(t, filepath.Dir(cfg.Store.Path), out)
	planted := []string{
		"Annelies", "06-12345678", "06-41 27 83 90", "0612 87 45 21", "+32 478 12 34 56",
		"m.devries@welzijnswerk-noord.nl", "y.elamrani@buurtwerk-zuid.nl", "Youssef El Amrani",
		"Petra van Dijk", "J. Visser", "Kerkstraat 14", "3512 BK", "06-23456789",
		"Hans Verhoeven", "Joke van den Berg", "Fatima Ouali", "Erik de Boer", "Marian Kok",
		"mevrouw Yilmaz", "meneer De Wit", "mevrouw Jansen", "meneer Bakker",
	}
	for _, v := range planted {
		for name, b := range out {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%q from the example's inputs is in %s", v, name)
			}
		}
	}
}
