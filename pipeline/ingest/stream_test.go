package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// wholeCSV is the whole-file CSV path (parse) for a file on disk.
func wholeCSV(path string, src config.Source) (*FileInfo, []respondentUnits, error) {
	return parse(path, src, false)
}

// streamed collects what Stream emits.
func streamed(path string, src config.Source) (*FileInfo, []respondentUnits, error) {
	var out []respondentUnits
	info, err := Stream(path, src, func(r study.Respondent, us []study.Unit) error {
		out = append(out, respondentUnits{r: r, units: slices.Clone(us)}) // Stream reuses us
		return nil
	})
	return info, out, err
}

// sameAsWhole checks that streaming a CSV gives what reading it whole
// gives: the same FileInfo, the same problems and, when there are none, the
// same respondents and units.
func sameAsWhole(t *testing.T, path string, src config.Source) {
	t.Helper()
	wi, wr, werr := wholeCSV(path, src)
	si, sr, serr := streamed(path, src)
	if (werr == nil) != (serr == nil) || werr != nil && werr.Error() != serr.Error() {
		t.Fatalf("%s: problems differ:\nwhole:  %v\nstream: %v", path, werr, serr)
	}
	if !reflect.DeepEqual(wi, si) {
		t.Fatalf("%s: info differs:\nwhole:  %+v\nstream: %+v", path, wi, si)
	}
	if werr == nil && !(len(wr) == 0 && len(sr) == 0) && !reflect.DeepEqual(wr, sr) {
		t.Fatalf("%s: respondents differ:\nwhole:  %+v\nstream: %+v", path, wr, sr)
	}
	ci, cerr := Check(path, src)
	if (cerr == nil) != (serr == nil) || !reflect.DeepEqual(ci, si) {
		t.Fatalf("%s: Check = %+v, %v; Stream = %+v, %v", path, ci, cerr, si, serr)
	}
	if serr == nil {
		sameWhenChecked(t, path, src, si, sr)
	}
}

// sameWhenChecked checks that StreamChecked, given what a clean Stream
// found and the file's SHA-256, emits the same, and that it refuses the
// file with ErrChanged, emitting or not, when the sum is another's.
func sameWhenChecked(t *testing.T, path string, src config.Source, info *FileInfo, want []respondentUnits) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	chk := Checked{Encoding: info.Encoding, SHA256: hex.EncodeToString(sum[:])}
	var got []respondentUnits
	collect := func(r study.Respondent, us []study.Unit) error {
		got = append(got, respondentUnits{r: r, units: slices.Clone(us)})
		return nil
	}
	ci, err := StreamChecked(path, src, chk, collect)
	if err != nil || !reflect.DeepEqual(ci, info) || !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: StreamChecked = %+v, %v, %d respondents; Stream = %+v, %d", path, ci, err, len(got), info, len(want))
	}
	data = append(data, '\n') // one byte more: another file
	other := sha256.Sum256(data)
	chk.SHA256 = hex.EncodeToString(other[:])
	if _, err := StreamChecked(path, src, chk, nil); !errors.Is(err, ErrChanged) {
		t.Fatalf("%s: StreamChecked with another file's sum: %v, want ErrChanged", path, err)
	}
}

func TestStreamMatchesWholeFile(t *testing.T) {
	var files []string
	for _, g := range []string{fixtures + "/csv-encodings/*", fixtures + "/qualtrics/*", "testdata/*.csv"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, p := range files {
		if !strings.HasSuffix(p, ".csv") {
			continue
		}
		sameAsWhole(t, p, config.Source{Type: "survey"})
		sameAsWhole(t, p, config.Source{Type: "survey", IDColumn: "id", TextColumns: []string{"Q*"}})
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"crlf-nul":    "\r\n \r\nid;Q1\r\x00\n1;een \"ant\"woord\r2;x\r\n1;y",
		"bom-twice":   "\uFEFF\uFEFFid,Q1\n1,a\n",
		"cp1252-last": "id,Q1\n1,a\n2,caf\xe9\n",
		"empty":       "",
		"blank-only":  "\n  \n",
		"ragged":      "id,Q1,Q2\n1,a\n2,b,c,d\n3,\"open\n",
		"utf16":       "\xff\xfei\x00d\x00,\x00Q\x001\x00\n\x001\x00,\x00a\x00",
	} {
		p := filepath.Join(dir, name+".csv")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		sameAsWhole(t, p, config.Source{Type: "survey", IDColumn: "id", TextColumns: []string{"Q*"}})
		sameAsWhole(t, p, config.Source{Type: "survey", Encoding: "utf-8"})
	}
}

// FuzzCSVStream: streaming a CSV must give what reading it whole gives.
func FuzzCSVStream(f *testing.F) {
	seedFiles(f, fixtures+"/csv-encodings/*", fixtures+"/qualtrics/*", "testdata/*.csv")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sameAsWhole(t, p, config.Source{Type: "survey"})
		sameAsWhole(t, p, config.Source{Type: "survey", IDColumn: "id", TextColumns: []string{"Q*", "label:vraag"}, WeightColumn: "w",
			Likert: []config.Likert{{Scale: []string{"Oneens", "Eens"}, Items: map[string]string{"t": "t"}}}})
	})
}

// Formats read whole are hashed before StreamChecked reads them: the
// checked bytes give what Stream gives, other bytes ErrChanged.
func TestStreamCheckedWholeFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "interview.txt")
	body := "Interviewer: Hoe gaat het?\nR: De werkdruk is hoog.\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	src := config.Source{Type: "transcript", Interviewer: []string{"Interviewer"}}
	info, want, err := streamed(p, src)
	if err != nil || len(want) == 0 {
		t.Fatalf("Stream: %v, %d respondents", err, len(want))
	}
	sum := sha256.Sum256([]byte(body))
	var got []respondentUnits
	_, err = StreamChecked(p, src, Checked{Encoding: info.Encoding, SHA256: hex.EncodeToString(sum[:])}, func(r study.Respondent, us []study.Unit) error {
		got = append(got, respondentUnits{r: r, units: slices.Clone(us)})
		return nil
	})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("StreamChecked = %v, %+v; want %+v", err, got, want)
	}
	other := sha256.Sum256([]byte(body + "\n"))
	if _, err := StreamChecked(p, src, Checked{SHA256: hex.EncodeToString(other[:])}, nil); !errors.Is(err, ErrChanged) {
		t.Fatalf("StreamChecked with another file's sum: %v, want ErrChanged", err)
	}
}
