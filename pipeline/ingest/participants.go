package ingest

import (
	"os"
	"path/filepath"
	"strings"
)

// Participants maps transcript speakers to respondents, from the sidecar
// participants.csv (columns file, speaker, respondent, then attributes).
type Participants struct {
	// Path is the sidecar file the mapping came from.
	Path string
	// Attributes names the attribute columns in file order.
	Attributes []string
	rows       map[participantKey]Participant
}

// Participant is one row of the sidecar: who a speaker in a file is.
type Participant struct {
	File, Speaker, Respondent string
	Attributes                map[string]string
}

type participantKey struct{ file, speaker string }

func participantKeyOf(file, speaker string) participantKey {
	return participantKey{strings.ToLower(filepath.Base(strings.TrimSpace(file))), lowerTrim(speaker)}
}

// Lookup finds the respondent behind a speaker in a transcript file (base
// name, case-insensitive). A row with an empty speaker covers every
// non-interviewer speaker of its file.
func (p *Participants) Lookup(file, speaker string) (Participant, bool) {
	if p == nil {
		return Participant{}, false
	}
	if r, ok := p.rows[participantKeyOf(file, speaker)]; ok {
		return r, true
	}
	r, ok := p.rows[participantKeyOf(file, "")]
	return r, ok
}

// LoadParticipants reads a participants sidecar. Encoding and delimiter
// are detected as for survey exports, since these files are usually kept
// in Excel. Every problem in the file is returned as Problems.
func LoadParticipants(path string) (*Participants, error) {
	data, err := readLimited(path, 64<<20)
	if err != nil {
		return nil, err
	}
	probs := &problemList{file: path}
	text, _, err := decodeText(data, "")
	if err != nil {
		return nil, err
	}
	text, skipped := skipBlankLines(text)
	recs := readRecords(text, sniffDelimiter(text), skipped, probs)
	if len(recs) == 0 {
		probs.add(0, 0, "the first row names the columns: file, speaker, respondent, then attributes", "participants file is empty")
		return nil, probs.err()
	}
	col := map[string]int{}
	head := recs[0].cells
	for i, h := range head {
		col[lowerTrim(h)] = i
	}
	for _, need := range []string{"file", "speaker", "respondent"} {
		if _, ok := col[need]; !ok {
			probs.add(recs[0].line, 0, "the first row names the columns: file, speaker, respondent, then attributes", "participants file has no %q column", need)
		}
	}
	if len(probs.list) > 0 {
		return nil, probs.err()
	}
	p := &Participants{Path: path, rows: map[participantKey]Participant{}}
	var attrCols []int
	for i, h := range head {
		switch lowerTrim(h) {
		case "file", "speaker", "respondent":
		default:
			p.Attributes = append(p.Attributes, strings.TrimSpace(h))
			attrCols = append(attrCols, i)
		}
	}
	seen := map[participantKey]int{}
	for _, r := range recs[1:] {
		get := func(i int) string {
			if i < len(r.cells) {
				return strings.TrimSpace(r.cells[i])
			}
			return ""
		}
		if allEmpty(r.cells) {
			continue
		}
		row := Participant{File: get(col["file"]), Speaker: get(col["speaker"]), Respondent: get(col["respondent"])}
		if row.File == "" || row.Respondent == "" {
			probs.add(r.line, 0, "fill in file and respondent; speaker may be empty to cover the whole file", "participants row lacks a file or respondent")
			continue
		}
		k := participantKeyOf(row.File, row.Speaker)
		if first, dup := seen[k]; dup {
			probs.add(r.line, 0, "keep one row per file and speaker", "file %q speaker %q is already mapped on line %d", row.File, row.Speaker, first)
			continue
		}
		seen[k] = r.line
		for j, c := range attrCols {
			if v := get(c); v != "" {
				if row.Attributes == nil {
					row.Attributes = map[string]string{}
				}
				row.Attributes[p.Attributes[j]] = v
			}
		}
		p.rows[k] = row
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func statFile(p string) (os.FileInfo, error) { return os.Stat(p) }
