package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/xuri/excelize/v2"
)

// seedFiles adds every file matching the globs to the fuzz corpus.
func seedFiles(f *testing.F, globs ...string) {
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

// fuzzParse runs the reader chosen for ext on data in memory (no file
// system, so the fuzzer stays fast); it must return, not panic, and every
// unit must carry its ID.
func fuzzParse(t *testing.T, data []byte, ext string, src config.Source) {
	probs := &problemList{file: "f" + ext}
	info := &FileInfo{}
	var resps []respondentUnits
	switch ext {
	case ".docx":
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		paras, err := docxParagraphs(zr)
		if err != nil {
			return
		}
		resps = transcriptRespondents(parseTextTurns(strings.Join(paras, "\n"), "paragraph", probs), "f.docx", src, info, probs)
	default:
		text, _, err := decodeText(data, src.Encoding)
		if err != nil {
			return
		}
		switch ext {
		case ".csv":
			resps = readCSV(text, "f.csv", src, "", true, info, probs)
		case ".txt":
			resps = transcriptRespondents(parseTextTurns(text, "line", probs), "f.txt", src, info, probs)
		default:
			_, turns := parseSubtitles(text, ext, probs)
			resps = transcriptRespondents(turns, "f"+ext, src, info, probs)
		}
	}
	n := 0
	for _, r := range resps {
		for _, u := range r.units {
			n++
			if u.ID == "" || u.Respondent != r.r.ID {
				t.Fatalf("unit %+v does not belong to respondent %q", u, r.r.ID)
			}
		}
	}
	if n != info.Units {
		t.Fatalf("FileInfo says %d units, %d were made", info.Units, n)
	}
}

func FuzzCSV(f *testing.F) {
	seedFiles(f, fixtures+"/csv-encodings/*", fixtures+"/qualtrics/*", "testdata/*.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, ".csv", config.Source{})
		fuzzParse(t, data, ".csv", config.Source{IDColumn: "id", TextColumns: []string{"Q*", "label:vraag"}, WeightColumn: "w",
			Likert: []config.Likert{{Scale: []string{"Oneens", "Eens"}, Items: map[string]string{"t": "t"}}}})
	})
}

func FuzzTextTranscript(f *testing.F) {
	seedFiles(f, "testdata/*.txt", "testdata/*.md")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, ".txt", config.Source{})
	})
}

func FuzzSubtitles(f *testing.F) {
	seedFiles(f, fixtures+"/transcripts/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, data, ".vtt", config.Source{})
		fuzzParse(t, data, ".srt", config.Source{})
		fuzzParse(t, data, ".sbv", config.Source{})
	})
}

func FuzzDocx(f *testing.F) {
	f.Add([]byte(`<w:document xmlns:w="x"><w:body><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Interviewer:</w:t></w:r><w:r><w:t> Hoe gaat het?</w:t></w:r></w:p><w:p><w:r><w:t>R: Goed.</w:t></w:r></w:p></w:body></w:document>`))
	f.Add(makeDocx(f, []string{"*Interviewer: Hoe gaat het?", "R: Goed."}))
	seedFiles(f, "testdata/*.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		// Raw bytes rarely form a zip, so each input is also read as the
		// document.xml inside one.
		if paras, err := documentParagraphs(bytes.NewReader(data)); err == nil {
			probs := &problemList{file: "f.docx"}
			transcriptRespondents(parseTextTurns(strings.Join(paras, "\n"), "paragraph", probs), "f.docx", config.Source{}, &FileInfo{}, probs)
		}
		fuzzParse(t, data, ".docx", config.Source{})
	})
}

func FuzzXLSX(f *testing.F) {
	wb := excelize.NewFile()
	for r, row := range dutchSurvey {
		if err := wb.SetSheetRow("Sheet1", fmt.Sprintf("A%d", r+1), &row); err != nil {
			f.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		f.Fatal(err)
	}
	wb.Close()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		// Mutated workbooks are mostly broken zips: what matters is that
		// every one gives an error or units, never a panic or a hang.
		fuzzParse(t, data, ".xlsx", config.Source{})
	})
}
