package corpus

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	ra, err := Generate(a, []byte("name: x\n"), Options{Responses: 200, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, []byte("name: x\n"), Options{Responses: 200, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"survey/wave2025.csv", "interviews/interview001.txt", "config.yaml"} {
		x, _ := os.ReadFile(filepath.Join(a, rel))
		y, _ := os.ReadFile(filepath.Join(b, rel))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed (or is empty)", rel)
		}
	}
	c := t.TempDir()
	if _, err := Generate(c, []byte("name: x\n"), Options{Responses: 200, Seed: 8}); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, "survey/wave2025.csv"))
	z, _ := os.ReadFile(filepath.Join(c, "survey/wave2025.csv"))
	if bytes.Equal(x, z) {
		t.Error("a different seed gave the same survey")
	}
	f, _ := os.Open(ra.SurveyFile)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3+200 {
		t.Errorf("got %d rows, want 3 header rows + 200 responses", len(rows))
	}
	if ra.TextBytes < 200*100 {
		t.Errorf("only %d bytes of open text for 200 responses", ra.TextBytes)
	}
}

func TestGenerateWritesAbout500BytesOfTextPerResponse(t *testing.T) {
	// Benchmarks promise ~100 MB of open text for 200,000 responses.
	res, err := Generate(t.TempDir(), nil, Options{Responses: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if per := res.TextBytes / 5000; per < 400 || per > 650 {
		t.Errorf("%d bytes of open text per response, want about 500", per)
	}
}

func TestGenerateRefusesNonPositiveSize(t *testing.T) {
	if _, err := Generate(t.TempDir(), nil, Options{Responses: 0}); err == nil {
		t.Fatal("want an error for 0 responses")
	}
}
