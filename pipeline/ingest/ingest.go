package ingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// FileInfo describes what Read or Inspect found in a file: how it was
// understood (format, encoding, delimiter, header rows) and what it holds.
type FileInfo struct {
	Path       string
	Format     string // generic, qualtrics, qualtrics-legacy, surveymonkey, limesurvey, googleforms (CSV); xlsx; spss; text, docx, vtt, srt, sbv
	Encoding   string // utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252; empty for binary formats
	Delimiter  string // ",", ";", "tab"; CSV only
	HeaderRows int
	// Respondents and Units count what Read emits (or would emit).
	Respondents, Units int
	Columns            []Column       // surveys
	Speakers           []SpeakerCount // transcripts, in order of first turn
}

// Column is one column of a survey export and the role config gives it.
type Column struct {
	Name  string
	Label string // question text, when the export carries one
	Role  string // id|text|attribute|likert|weight|personal|metadata|other
}

// SpeakerCount is how many turns a transcript speaker has.
type SpeakerCount struct {
	Speaker     string
	Turns       int
	Interviewer bool
}

// Inspection is a preview of a file for `veldstem inspect`.
type Inspection struct {
	FileInfo
	First []study.Unit // the first three units
}

// Limit on any input file read into memory.
const maxFileSize = 512 << 20

// Read reads one file of a source and calls emit once per respondent, in
// file order, with that respondent's units (raw, not yet pseudonymized;
// Unit.ID = study.MakeUnitID(u)). For transcripts the interviewee(s) are the
// respondent(s) and interviewer turns are units with Context=true.
//
// The whole file is checked first: if anything is wrong, Read returns the
// FileInfo and every problem as Problems and emits nothing. An error from
// emit stops Read and is returned as is. A CSV file is read twice for that
// (Check, then Stream) and never held whole; see stream.go.
func Read(path string, src config.Source, emit func(study.Respondent, []study.Unit) error) (*FileInfo, error) {
	if kind, _, err := chooseReader(path, src); err == nil && kind == kindCSV {
		if info, err := Check(path, src); err != nil {
			return info, err
		}
		return Stream(path, src, emit)
	}
	info, resps, err := parse(path, src, false)
	if err != nil {
		return info, err
	}
	for _, r := range resps {
		if err := emit(r.r, r.units); err != nil {
			return info, err
		}
	}
	return info, nil
}

// Inspect previews a file. It works with an empty Source: format,
// encoding, delimiter and dialect are detected and, when no text_columns are
// configured, columns whose answers read like free text are previewed as
// text columns. Problems come back as the error together with whatever
// could be read.
func Inspect(path string, src config.Source) (*Inspection, error) {
	info, resps, err := parse(path, src, true)
	if info == nil {
		return nil, err
	}
	in := &Inspection{FileInfo: *info}
	for _, r := range resps {
		for _, u := range r.units {
			if len(in.First) == 3 {
				return in, err
			}
			in.First = append(in.First, u)
		}
	}
	return in, err
}

// kind of reader chosen for a file.
const (
	kindCSV  = "csv"
	kindXLSX = "xlsx"
	kindSPSS = "spss"
	kindText = "text"
	kindDocx = "docx"
	kindSubs = "subtitles"
)

// chooseReader decides how to read a file from Source.Format, else from
// the extension. A .txt file is a transcript unless the source is a survey.
func chooseReader(path string, src config.Source) (kind, dialect string, err error) {
	f := strings.ToLower(strings.TrimSpace(src.Format))
	ext := strings.ToLower(filepath.Ext(path))
	switch f {
	case "", "auto":
	case dialectGeneric, dialectQualtrics, dialectSurveyMonkey, dialectLimeSurvey, dialectGoogleForms:
		if ext == ".xlsx" || ext == ".xlsm" {
			return kindXLSX, f, nil
		}
		return kindCSV, f, nil
	case "csv":
		return kindCSV, "", nil
	case "xlsx":
		return kindXLSX, "", nil
	case "spss", "sav", "zsav":
		return kindSPSS, "", nil
	case "text", "txt", "markdown", "md":
		return kindText, "", nil
	case "docx":
		return kindDocx, "", nil
	case "vtt", "webvtt", "srt", "sbv":
		return kindSubs, "", nil
	default:
		return "", "", fmt.Errorf("unknown format %q (use auto, generic, qualtrics, surveymonkey, limesurvey, googleforms, xlsx, spss, text, docx, vtt or srt)", src.Format)
	}
	switch ext {
	case ".csv", ".tsv", ".tab":
		return kindCSV, "", nil
	case ".xlsx", ".xlsm":
		return kindXLSX, "", nil
	case ".sav", ".zsav":
		return kindSPSS, "", nil
	case ".docx":
		return kindDocx, "", nil
	case ".vtt", ".srt", ".sbv":
		return kindSubs, "", nil
	case ".txt", ".md", ".markdown", "":
		if src.Type == string(study.Survey) {
			return kindCSV, "", nil
		}
		return kindText, "", nil
	}
	return "", "", fmt.Errorf("cannot tell the format from extension %q", ext)
}

// parse reads and checks a whole file. Problems found in the content are
// returned as Problems together with the info and whatever could be read.
func parse(path string, src config.Source, preview bool) (*FileInfo, []respondentUnits, error) {
	probs := &problemList{file: path}
	info := &FileInfo{Path: path}
	kind, dialect, err := chooseReader(path, src)
	if err != nil {
		probs.add(0, 0, "set format in the source's config", "%v", err)
		return info, nil, probs.err()
	}
	var resps []respondentUnits
	switch kind {
	case kindCSV, kindText, kindSubs:
		data, err := readLimited(path, maxFileSize)
		if err != nil {
			return info, nil, err
		}
		text, enc, err := decodeText(data, src.Encoding)
		if err != nil {
			probs.add(0, 0, "set encoding in the source's config, or save the file as UTF-8", "%v", err)
			return info, nil, probs.err()
		}
		info.Encoding = enc
		switch kind {
		case kindCSV:
			resps = readCSV(text, path, src, dialect, preview, info, probs)
		case kindText:
			info.Format = "text"
			turns := parseTextTurns(text, "line", probs)
			resps = transcriptRespondents(turns, path, src, info, probs)
		case kindSubs:
			var turns []turn
			info.Format, turns = parseSubtitles(text, filepath.Ext(path), probs)
			resps = transcriptRespondents(turns, path, src, info, probs)
		}
	case kindDocx:
		info.Format = "docx"
		paras, err := readDocxParagraphs(path)
		if err != nil {
			var ps Problems
			if errors.As(err, &ps) {
				return info, nil, err
			}
			probs.add(0, 0, "open the file in Word and save it again as .docx", "%v", err)
			return info, nil, probs.err()
		}
		turns := parseTextTurns(strings.Join(paras, "\n"), "paragraph", probs)
		resps = transcriptRespondents(turns, path, src, info, probs)
	case kindXLSX:
		info.Format = "xlsx"
		t, err := readXLSX(path, src.Sheet, dialect)
		if err != nil {
			probs.add(0, 0, "open the file in Excel and save it again as .xlsx, or check sheet in config", "%v", err)
			return info, nil, probs.err()
		}
		if t.dialect != dialectGeneric {
			info.Format = "xlsx+" + t.dialect
		}
		resps = surveyFromTable(t, path, src, preview, info, probs)
	case kindSPSS:
		info.Format = "spss"
		t, err := readSPSS(path)
		if err != nil {
			probs.add(0, 0, "save the file again from SPSS, or export it as CSV", "%v", err)
			return info, nil, probs.err()
		}
		resps = surveyFromTable(t, path, src, preview, info, probs)
	}
	return info, resps, probs.err()
}

// readCSV understands a decoded CSV text: blank lines above the header,
// delimiter, dialect, then the column mapping.
func readCSV(text, path string, src config.Source, dialect string, preview bool, info *FileInfo, probs *problemList) []respondentUnits {
	text, skipped := skipBlankLines(text)
	delim, ok := parseDelimiter(src.Delimiter)
	if src.Delimiter == "" || strings.EqualFold(src.Delimiter, "auto") {
		delim = sniffDelimiter(text)
	} else if !ok {
		probs.add(0, 0, `use ",", ";" or "tab"`, "unknown delimiter %q", src.Delimiter)
		return nil
	}
	info.Delimiter = delimiterString(delim)
	recs := readRecords(text, delim, skipped, probs)
	if len(recs) == 0 {
		probs.add(0, 0, "check that this is the right file", "file has no header row")
		return nil
	}
	t := buildTable(recs, dialect, "line")
	info.Format = t.dialect
	return surveyFromTable(t, path, src, preview, info, probs)
}

// surveyFromTable maps a table and fills the survey part of FileInfo.
func surveyFromTable(t *table, path string, src config.Source, preview bool, info *FileInfo, probs *problemList) []respondentUnits {
	info.HeaderRows = t.headerRows
	resps := mapSurvey(t, path, src, preview, probs)
	info.Columns = t.columns
	info.Respondents = len(resps)
	for _, r := range resps {
		info.Units += len(r.units)
	}
	return resps
}

// readLimited reads a whole file, refusing files too large to hold.
func readLimited(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, Problems{{File: path, Message: fmt.Sprintf("file is %d bytes, more than the %d allowed", st.Size(), limit), Hint: "split the file"}}
	}
	return os.ReadFile(path)
}
