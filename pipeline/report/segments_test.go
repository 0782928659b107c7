package report

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// The combination is checked against crc32.ChecksumIEEE of the whole
// (an independent computation), at random split points including empty
// halves.
func TestCRC32Combine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		b := make([]byte, rng.IntN(5000))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		cut := 0
		if len(b) > 0 {
			cut = rng.IntN(len(b) + 1)
		}
		got := crc32Combine(crc32.ChecksumIEEE(b[:cut]), crc32.ChecksumIEEE(b[cut:]), int64(len(b)-cut))
		if want := crc32.ChecksumIEEE(b); got != want {
			t.Fatalf("len %d cut %d: combined %08x, want %08x", len(b), cut, got, want)
		}
	}
}

// partsInput is the fixture with a second survey file between the first
// and the interview, and a key per file.
func partsInput(keys [3]string, edit func(units []study.Unit, codings []study.Coding)) Input {
	in := fixtureInput("nl")
	var units []study.Unit
	var codings []study.Coding
	for _, u := range in.Units {
		units = append(units, u)
		if u.Source == "enquete" && u.Seq <= 2 {
			v := u
			v.File, v.ID = "data/enquete_2026.csv", u.ID+"-2026"
			v.Text += " Een jaar later."
			units = append(units, v)
		}
	}
	// Units in (source, file, seq) order, as the store hands them out.
	var ordered []study.Unit
	for _, f := range []string{"data/enquete_2025.csv", "data/enquete_2026.csv", "data/interview_p01.vtt"} {
		for _, u := range units {
			if u.File == f {
				ordered = append(ordered, u)
			}
		}
	}
	byID := map[string]study.Coding{}
	for _, c := range in.Codings {
		byID[c.UnitID] = c
	}
	for _, u := range ordered {
		if c, ok := byID[u.ID]; ok {
			codings = append(codings, c)
		} else if c, ok := byID[u.ID[:len(u.ID)-len("-2026")]]; ok && u.File == "data/enquete_2026.csv" {
			c.UnitID = u.ID
			codings = append(codings, c)
		}
	}
	if edit != nil {
		edit(ordered, codings)
	}
	in.Units, in.Codings = ordered, codings
	in.Parts = []Part{
		{Source: "enquete", File: "data/enquete_2025.csv", Key: keys[0]},
		{Source: "enquete", File: "data/enquete_2026.csv", Key: keys[1]},
		{Source: "interviews", File: "data/interview_p01.vtt", Key: keys[2]},
	}
	return in
}

var partFormats = Options{Formats: []string{"csv", "qdpx", "xlsx"}}

func writeParts(t *testing.T, dir string, in Input) *Segments {
	t.Helper()
	rec := &Segments{}
	in.Record = rec
	if _, err := Write(dir, in, partFormats); err != nil {
		t.Fatal(err)
	}
	return rec
}

// sameAsFresh checks dir's exports against a fresh rendering of in (no
// previous parts).
func sameAsFresh(t *testing.T, dir string, in Input, when string) {
	t.Helper()
	in.Previous = nil
	fresh := t.TempDir()
	writeParts(t, fresh, in)
	sameExports(t, dir, fresh, when)
}

func sameExports(t *testing.T, dirA, dirB, when string) {
	t.Helper()
	for _, name := range []string{"codings.csv", "project.qdpx", "report.xlsx"} {
		a, b := read(t, filepath.Join(dirA, name)), read(t, filepath.Join(dirB, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: %s differs from a fresh rendering (%d vs %d bytes)", when, name, len(a), len(b))
		}
	}
}

// editFirstFile changes the first survey file's first unit: its text and
// its codes.
func editFirstFile(units []study.Unit, codings []study.Coding) {
	units[0].Text = "Compleet andere tekst over de wachtlijst."
	codings[0].Codes, codings[0].Matches = []string{"wachtlijst"}, nil
}

func TestCopiedPartsEqualRenderedParts(t *testing.T) {
	dir := t.TempDir()
	rec1 := writeParts(t, dir, partsInput([3]string{"a1", "b1", "c1"}, nil))
	if rec1.CSV == nil || rec1.QDPX == nil || rec1.XLSX == nil || len(rec1.CSV.Parts) != 3 || len(rec1.QDPX.Parts) != 3 || len(rec1.XLSX.Parts) != 3 {
		t.Fatalf("first run recorded %+v", rec1)
	}

	// The second file changes: its part is rendered, the others copied,
	// and the result is what a fresh rendering writes.
	changed := partsInput([3]string{"a1", "b2", "c1"}, func(units []study.Unit, _ []study.Coding) {
		units[4].Text = "Nieuwe tekst in het tweede bestand over scholing."
	})
	changed.Previous = rec1
	rec2 := writeParts(t, dir, changed)
	fresh := t.TempDir()
	changed.Previous = nil
	writeParts(t, fresh, changed)
	sameExports(t, dir, fresh, "one file changed")
	if len(rec2.QDPX.Parts) != 3 || len(rec2.CSV.Parts) != 3 || len(rec2.XLSX.Parts) != 3 {
		t.Fatalf("second run recorded %d, %d and %d parts, want 3", len(rec2.QDPX.Parts), len(rec2.CSV.Parts), len(rec2.XLSX.Parts))
	}
	for _, sf := range []*SegmentFile{rec2.CSV, rec2.QDPX, rec2.XLSX} {
		if sf.Copied != 2 {
			t.Errorf("%s: %d parts copied, want 2", sf.Path, sf.Copied)
		}
	}

	// The project must still be a valid zip (CRCs checked on reading) whose
	// project.qde the schema accepts.
	files := unzipQDPX(t, filepath.Join(dir, "project.qdpx"))
	if len(files) != 4 {
		t.Fatalf("project.qdpx has %d entries, want project.qde and 3 sources", len(files))
	}
	if xmllint, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal("xmllint not found; install libxml2-utils (apt-get install -y libxml2-utils)")
	} else {
		path := filepath.Join(t.TempDir(), "project.qde")
		if err := os.WriteFile(path, files["project.qde"], 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xmllint, "--noout", "--schema", projectXSD, path).CombinedOutput(); err != nil {
			t.Fatalf("xmllint: %v\n%s", err, out)
		}
	}

	// Proof that parts are copied, not rendered again: with the first
	// file's key unchanged, an edit to its units does not show.
	stale := partsInput([3]string{"a1", "b2", "c1"}, func(units []study.Unit, codings []study.Coding) {
		units[4].Text = "Nieuwe tekst in het tweede bestand over scholing."
		editFirstFile(units, codings)
	})
	stale.Previous = rec2
	rec3 := writeParts(t, dir, stale)
	sameExports(t, dir, fresh, "key unchanged")

	// A previous export that was edited is never copied from: one byte
	// changed in place, keeping the size, in a part that would be copied
	// (the first file's text, whose units stale edits)...
	rec4 := rec3
	for _, name := range []string{"codings.csv", "project.qdpx", "report.xlsx"} {
		var sf *SegmentFile
		switch name {
		case "codings.csv":
			sf = rec3.CSV
		case "project.qdpx":
			sf = rec3.QDPX
		default:
			sf = rec3.XLSX
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		at := sf.Parts[0].Body.Off + sf.Parts[0].Body.Len/2
		b[at] ^= 0x20
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale.Previous = rec4
	rec3 = writeParts(t, dir, stale)
	sameAsFresh(t, dir, stale, "previous exports edited in place")
	for _, sf := range []*SegmentFile{rec3.CSV, rec3.QDPX, rec3.XLSX} {
		if sf.Copied != 0 {
			t.Errorf("%s: %d parts copied from an edited file", sf.Path, sf.Copied)
		}
	}

	// ...or grown, or replaced.
	f, err := os.OpenFile(filepath.Join(dir, "project.qdpx"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("x")
	_ = f.Close()
	for _, name := range []string{"codings.csv", "report.xlsx"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("edited"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale.Previous = rec3
	writeParts(t, dir, stale)
	sameAsFresh(t, dir, stale, "previous exports edited")
}

// A part whose file has gone is not written; the remaining parts are
// copied in order.
func TestCopiedPartsFollowTheFileList(t *testing.T) {
	dir := t.TempDir()
	rec := writeParts(t, dir, partsInput([3]string{"a1", "b1", "c1"}, nil))
	in := partsInput([3]string{"a1", "b1", "c1"}, nil)
	var units []study.Unit
	for _, u := range in.Units {
		if u.File != "data/enquete_2026.csv" {
			units = append(units, u)
		}
	}
	in.Units, in.Parts = units, []Part{in.Parts[0], in.Parts[2]}
	in.Previous = rec
	writeParts(t, dir, in)
	sameAsFresh(t, dir, in, "file removed")
}

// A record whose ranges do not fit the previous file is not copied from:
// those parts are rendered, and the exports are still a fresh rendering's.
func TestDamagedPartRecordIsRenderedInstead(t *testing.T) {
	dir := t.TempDir()
	rec := writeParts(t, dir, partsInput([3]string{"a1", "b1", "c1"}, nil))
	for _, sf := range []*SegmentFile{rec.CSV, rec.QDPX, rec.XLSX} {
		sf.Parts[0].Body.Off = sf.Bytes
		sf.Parts[1].Body.Len = -1
	}
	rec.QDPX.Parts[2].Text.Off = rec.QDPX.Bytes + 10
	in := partsInput([3]string{"a1", "b1", "c1"}, nil)
	in.Previous = rec
	again := writeParts(t, dir, in)
	sameAsFresh(t, dir, in, "damaged record")
	if again.QDPX.Copied != 0 || again.CSV.Copied != 1 || again.XLSX.Copied != 1 {
		t.Errorf("copied %d (qdpx), %d (csv) and %d (xlsx) parts, want only the undamaged third parts of csv and xlsx",
			again.QDPX.Copied, again.CSV.Copied, again.XLSX.Copied)
	}
}

// withScanIn gives in an EachUnitIn over its slices that records the
// files each call asked for, and the parts their unit counts.
func withScanIn(in Input, asked *[][]string) Input {
	units, codings := in.Units, in.Codings
	for i := range in.Parts {
		for _, u := range units {
			if u.Source == in.Parts[i].Source && u.File == in.Parts[i].File {
				in.Parts[i].Units++
			}
		}
	}
	in.EachUnitIn = func(parts []Part, fn func(study.Unit, *study.Coding) error) error {
		var files []string
		for _, p := range parts {
			files = append(files, p.File)
		}
		*asked = append(*asked, files)
		byID := map[string]*study.Coding{}
		for i := range codings {
			byID[codings[i].UnitID] = &codings[i]
		}
		for _, u := range units {
			for _, p := range parts {
				if u.Source == p.Source && u.File == p.File {
					if err := fn(u, byID[u.ID]); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return in
}

// With EachUnitIn, the shared scan reads only the files some reader needs:
// not those whose parts every export copies, unless the analysis reads
// them. The exports are a fresh rendering's all the same.
func TestScanSparesCopiedFiles(t *testing.T) {
	dir := t.TempDir()
	rec := writeParts(t, dir, partsInput([3]string{"a1", "b1", "c1"}, nil))
	for _, p := range rec.XLSX.Parts {
		if p.Widths == nil || p.Rows == 0 {
			t.Fatalf("sheet part %s recorded without rows or widths: %+v", p.Key, p)
		}
	}
	editInterview := func(units []study.Unit, _ []study.Coding) {
		units[len(units)-1].Text = "Een nieuw slot over de werkdruk in het team."
	}
	for _, c := range []struct {
		name     string
		keys     [3]string
		edit     func([]study.Unit, []study.Coding)
		analysed bool
		tight    bool // maxSheetRows one less than the parts' unit counts
		want     [][]string
		// keptUnits sets Input.KeptUnits: the sheet reads kept parts
		// from it, whatever rows they move to.
		keptUnits bool
	}{
		// Nothing changed (another report was edited): no unit is read.
		{"nothing changed", [3]string{"a1", "b1", "c1"}, nil, true, false, [][]string{{}}, false},
		// The last file changed: every export copies the other two.
		{"last file changed", [3]string{"a1", "b1", "c2"}, editInterview, true, false, [][]string{{"data/interview_p01.vtt"}}, false},
		// The analysis reads the files it has not analysed.
		{"not analysed", [3]string{"a1", "b1", "c2"}, editInterview, false, false, nil, false},
		// The first file changed: the sheet's later rows may move, so it
		// reads every unit.
		{"first file changed", [3]string{"a2", "b1", "c1"}, editFirstFile, true, false, nil, false},
		// With the kept units at hand, the sheet needs only the changed
		// file from the scan, although every later row moved.
		{"first file changed, kept units", [3]string{"a2", "b1", "c1"}, editFirstFile, true, false, [][]string{{"data/enquete_2025.csv"}}, true},
		// ... and rows beyond one sheet are no reason to read them.
		{"kept units beyond one sheet", [3]string{"a2", "b1", "c1"}, editFirstFile, true, true, [][]string{{"data/enquete_2025.csv"}}, true},
		// The last workbook's sheets were of another size, so none of
		// its rows are where they would go now: the sheet reads every unit.
		{"rows beyond one sheet", [3]string{"a1", "b1", "c2"}, editInterview, true, true, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var asked [][]string
			in := withScanIn(partsInput(c.keys, c.edit), &asked)
			if c.tight {
				old := maxSheetRows
				maxSheetRows = in.Parts[0].Units + in.Parts[1].Units + in.Parts[2].Units - 1
				defer func() { maxSheetRows = old }()
			}
			tables := in.Tables
			lazy := in
			lazy.Tables, lazy.Study, lazy.Language = nil, tables.Study, tables.Language
			analysed := map[string]bool{}
			for i := range lazy.Parts {
				lazy.Parts[i].Kept = c.analysed && rec.CSV.Parts[i].Key == in.Parts[i].Key
			}
			lazy.Analyse = func(in *Input, units func(fn func(study.Unit, *study.Coding) error) error) error {
				in.Tables = tables
				return units(func(u study.Unit, _ *study.Coding) error {
					analysed[u.File] = true
					return nil
				})
			}
			if c.keptUnits {
				kept := keptUnitsOf(in)
				lazy.KeptUnits = func(p Part, fn func(study.Unit, []string) error) error {
					if !p.Kept {
						t.Errorf("KeptUnits asked for %s, which is not kept", p.File)
					}
					return kept(p, fn)
				}
			}
			runDir := t.TempDir()
			copyExports(t, dir, runDir)
			lazy.Previous = rec
			writeParts(t, runDir, lazy)
			if !slices.EqualFunc(asked, c.want, slices.Equal) {
				t.Errorf("EachUnitIn asked for %q, want %q (nil: the whole scan)", asked, c.want)
			}
			for _, p := range lazy.Parts {
				if !p.Kept && !analysed[p.File] {
					t.Errorf("the analysis did not get the units of %s", p.File)
				}
			}
			in.Previous = nil
			fresh := t.TempDir()
			writeParts(t, fresh, in)
			sameExports(t, runDir, fresh, c.name)
		})
	}
}

func copyExports(t *testing.T, from, to string) {
	t.Helper()
	for _, name := range []string{"codings.csv", "project.qdpx", "report.xlsx"} {
		if err := os.WriteFile(filepath.Join(to, name), read(t, filepath.Join(from, name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The Codings sheet's spool, which only a failure of the early sheets would
// need, is not written when the units come in parts (a run), however many
// sheets the rows take; without parts it is.
func TestSpoolOnlyWithoutParts(t *testing.T) {
	var asked [][]string
	withParts := withScanIn(partsInput([3]string{"a1", "b1", "c1"}, nil), &asked)
	noParts := withParts
	noParts.Parts = nil
	for _, c := range []struct {
		name    string
		in      Input
		sheet   int
		spooled bool
	}{{"parts", withParts, 0, false}, {"parts, several sheets", withParts, 5, false}, {"no parts", noParts, 0, true}} {
		t.Run(c.name, func(t *testing.T) {
			if c.sheet > 0 {
				old := maxSheetRows
				maxSheetRows = c.sheet
				defer func() { maxSheetRows = old }()
			}
			sp, err := spoolCodings(c.in, t.TempDir(), true, newMatrix(c.in, buildLabels(c.in)), nil)
			if sp != nil {
				defer sp.close()
			}
			if err != nil {
				t.Fatal(err)
			}
			st, err := sp.f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if sp.rows == 0 || (st.Size() > 0) != c.spooled || sp.unspooled == c.spooled {
				t.Errorf("%d rows, %d bytes spooled, unspooled=%v; want spooled=%v", sp.rows, st.Size(), sp.unspooled, c.spooled)
			}
		})
	}
}

// Whatever the sheet size, a rerun that copies parts of the Codings sheets
// (each on one sheet; parts that went on past a sheet's end are rendered
// again) writes what a fresh rendering writes.
func TestCopiedSheetPartsAnySheetSize(t *testing.T) {
	var asked [][]string
	total := 0
	for _, p := range withScanIn(partsInput([3]string{"a1", "b1", "c1"}, nil), &asked).Parts {
		total += p.Units
	}
	editInterview := func(units []study.Unit, _ []study.Coding) {
		units[len(units)-1].Text = "Een nieuw slot over de werkdruk in het team."
	}
	for _, size := range []int{1, 2, 3, 4, 5, 7, 11, total - 1, total, total + 1} {
		for _, c := range []struct {
			name string
			keys [3]string
			edit func([]study.Unit, []study.Coding)
			kept bool
		}{
			{"nothing changed", [3]string{"a1", "b1", "c1"}, nil, false},
			{"last file changed", [3]string{"a1", "b1", "c2"}, editInterview, false},
			{"first file changed", [3]string{"a2", "b1", "c1"}, editFirstFile, false},
			{"first file changed, kept units", [3]string{"a2", "b1", "c1"}, editFirstFile, true},
		} {
			t.Run(fmt.Sprintf("%d rows a sheet, %s", size, c.name), func(t *testing.T) {
				old := maxSheetRows
				maxSheetRows = size
				defer func() { maxSheetRows = old }()
				dir := t.TempDir()
				var asked [][]string
				rec := writeParts(t, dir, withScanIn(partsInput([3]string{"a1", "b1", "c1"}, nil), &asked))
				in := withScanIn(partsInput(c.keys, c.edit), &asked)
				for i := range in.Parts {
					in.Parts[i].Kept = c.kept && rec.CSV.Parts[i].Key == in.Parts[i].Key
				}
				if c.kept {
					in.KeptUnits = keptUnitsOf(in)
				}
				in.Previous = rec
				again := writeParts(t, dir, in)
				sameAsFresh(t, dir, in, c.name)
				if c.edit == nil && again.XLSX.Copied != 3 {
					t.Errorf("%d of the Codings sheets' 3 parts copied, want all, also those on several sheets", again.XLSX.Copied)
				}
			})
		}
	}
}

// keptUnitsOf is an Input.KeptUnits over in's slices, handing over what a
// run keeps of a unit: no text, the speaker in Question.
func keptUnitsOf(in Input) func(Part, func(study.Unit, []string) error) error {
	units, codings := in.Units, in.Codings
	return func(p Part, fn func(study.Unit, []string) error) error {
		codes := map[string][]string{}
		for _, cd := range codings {
			codes[cd.UnitID] = cd.Codes
		}
		for _, u := range units {
			if u.Source == p.Source && u.File == p.File {
				light := study.Unit{ID: u.ID, Source: u.Source, File: u.File, Respondent: u.Respondent,
					Question: firstNonEmpty(u.Question, u.Speaker), Context: u.Context}
				if err := fn(light, codes[u.ID]); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
