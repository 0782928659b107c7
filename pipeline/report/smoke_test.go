package report

import (
	"os"
	"testing"
)

func TestSmokeWrite(t *testing.T) {
	dir := os.Getenv("REPORT_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	files, err := Write(dir, fixtureInput("nl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Log(f.Path, f.Bytes)
	}
}
