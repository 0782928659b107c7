package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// TestWriteAnalyseDeferred checks that analysing inside Write (reading the
// shared scan) gives the same files as analysing first, and that a failed
// analysis leaves no unit-level report or temporary file behind.
func TestWriteAnalyseDeferred(t *testing.T) {
	read := func(dir string, files []ManifestFile) map[string][]byte {
		out := map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			out[f.Path] = b
		}
		return out
	}
	for _, lang := range []string{"nl", "en"} {
		in := fixtureInput(lang)
		wantDir := t.TempDir()
		files, err := Write(wantDir, in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := read(wantDir, files)

		tables := in.Tables
		lazy := in
		lazy.Tables, lazy.Study, lazy.Language = nil, tables.Study, tables.Language
		lazy.Analyse = func(in *Input, units func(fn func(study.Unit, *study.Coding) error) error) error {
			n := 0
			if err := units(func(study.Unit, *study.Coding) error { n++; return nil }); err != nil {
				return err
			}
			if n != len(in.Units) {
				t.Errorf("analysis read %d units, want %d", n, len(in.Units))
			}
			in.Tables = tables
			return nil
		}
		gotDir := t.TempDir()
		files, err = Write(gotDir, lazy, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := read(gotDir, files)
		if len(got) != len(want) {
			t.Fatalf("%s: %d files, want %d", lang, len(got), len(want))
		}
		for name, b := range want {
			if name != "manifest.json" && !bytes.Equal(got[name], b) {
				t.Errorf("%s: %s differs when the analysis runs inside Write", lang, name)
			}
		}

		failDir := t.TempDir()
		boom := errors.New("boom")
		lazy.Analyse = func(in *Input, units func(fn func(study.Unit, *study.Coding) error) error) error {
			return units(func(study.Unit, *study.Coding) error { return boom })
		}
		if _, err := Write(failDir, lazy, Options{}); !errors.Is(err, boom) {
			t.Fatalf("%s: err = %v, want boom", lang, err)
		}
		left, _ := os.ReadDir(failDir)
		for _, e := range left {
			t.Errorf("%s: failed analysis left %s", lang, e.Name())
		}
	}
}
