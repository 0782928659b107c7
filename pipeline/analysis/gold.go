package analysis

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// ReadGold reads a human coding of units from a CSV file, for Agree. Two
// layouts are accepted, both with a header row whose first column is
// unit_id:
//
//	unit_id,werkdruk,regeldruk      one 0/1 column per code ID
//	unit_id,codes                   codes separated by ";" (or "," or "|")
//
// The delimiter (",", ";" or tab) is sniffed from the header; a UTF-8 byte
// order mark, as Excel writes, is skipped. In the codes layout other
// columns (a text column for the annotator, say) are ignored. Every unit
// listed is returned, with an empty list when it has no codes, because a
// unit the annotator looked at and left uncoded is evidence too. Errors name
// the file, line and what to change.
func ReadGold(path string, codes []CodeInfo) (map[string][]string, error) {
	units, _, err := ReadGoldCoverage(path, codes)
	return units, err
}

// ReadGoldCoverage is ReadGold that also returns the code IDs the file
// covers: its code columns, or every code when it has a "codes" column.
// Agreement is computed over covered codes only, since a coder who coded
// top-level themes said nothing about their sub-codes.
func ReadGoldCoverage(path string, codes []CodeInfo) (map[string][]string, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("gold file: %w; check validation.gold in the config", err)
	}
	defer f.Close()
	units, err := readGold(f, path, codes)
	if err != nil {
		return nil, nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	header, err := csv.NewReader(io.LimitReader(f, 1<<20)).Read()
	if err != nil {
		return units, nil, nil
	}
	known := map[string]bool{}
	var all []string
	for _, c := range codes {
		known[c.ID] = true
		all = append(all, c.ID)
	}
	var covered []string
	for _, h := range header[1:] {
		h = strings.TrimSpace(h)
		if strings.EqualFold(h, "codes") {
			return units, all, nil
		}
		if known[h] {
			covered = append(covered, h)
		}
	}
	if len(covered) == 0 {
		covered = all
	}
	return units, covered, nil
}

// CoveredCodes keeps the codes whose IDs are in covered (all when covered is empty).
func CoveredCodes(codes []CodeInfo, covered []string) []CodeInfo {
	if len(covered) == 0 {
		return codes
	}
	in := map[string]bool{}
	for _, c := range covered {
		in[c] = true
	}
	var out []CodeInfo
	for _, c := range codes {
		if in[c.ID] {
			out = append(out, c)
		}
	}
	return out
}

func readGold(r io.Reader, name string, codes []CodeInfo) (map[string][]string, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	known := map[string]bool{}
	for _, c := range codes {
		known[c.ID] = true
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = sniffDelimiter(raw)
	cr.FieldsPerRecord = -1
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fail(1, "the file is empty; write a header row starting with unit_id")
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if len(header) < 2 || !strings.EqualFold(header[0], "unit_id") {
		return nil, fail(1, "the header must be unit_id followed by a codes column or one column per code ID, found %q", strings.Join(header, string(cr.Comma)))
	}
	codesCol := -1
	for i, h := range header[1:] {
		if strings.EqualFold(h, "codes") {
			codesCol = i + 1
		}
	}
	if codesCol < 0 {
		seen := map[string]bool{}
		for _, h := range header[1:] {
			if contextColumns[strings.ToLower(h)] {
				continue
			}
			if !known[h] {
				return nil, fail(1, "unknown code %q in the header; use code IDs from the codebook, or a single \"codes\" column", h)
			}
			if seen[h] {
				return nil, fail(1, "code %q has two columns; keep one", h)
			}
			seen[h] = true
		}
	}
	out := map[string][]string{}
	firstLine := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		id := strings.TrimSpace(rec[0])
		if id == "" {
			if strings.TrimSpace(strings.Join(rec, "")) == "" {
				continue // a row of empty cells, as spreadsheets leave behind
			}
			return nil, fail(line, "the unit_id is empty; fill in the unit ID from the coded export")
		}
		if prev, dup := firstLine[id]; dup {
			return nil, fail(line, "unit %q is listed again (first on line %d); merge the two rows", id, prev)
		}
		firstLine[id] = line
		set := map[string]bool{}
		if codesCol >= 0 {
			if codesCol < len(rec) {
				for _, c := range strings.FieldsFunc(rec[codesCol], func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
					c = strings.TrimSpace(c)
					if c == "" {
						continue
					}
					if !known[c] {
						return nil, fail(line, "unknown code %q for unit %q; use code IDs from the codebook", c, id)
					}
					set[c] = true
				}
			}
		} else {
			for i := 1; i < len(rec) && i < len(header); i++ {
				if contextColumns[strings.ToLower(header[i])] {
					continue
				}
				yes, ok := goldFlag(rec[i])
				if !ok {
					return nil, fail(line, "column %q has %q for unit %q; write 1 or 0", header[i], rec[i], id)
				}
				if yes {
					set[header[i]] = true
				}
			}
		}
		ids := make([]string, 0, len(set))
		for c := range set {
			ids = append(ids, c)
		}
		sort.Strings(ids)
		out[id] = ids
	}
	return out, nil
}

// goldFlag reads a 0/1 cell; annotators also write x, ja/nee, yes/no.
func goldFlag(s string) (yes, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "x", "ja", "j", "yes", "y", "true", "waar":
		return true, true
	case "0", "", "nee", "n", "no", "false", "onwaar":
		return false, true
	}
	return false, false
}

// sniffDelimiter picks the most frequent of , ; and tab in the header line,
// outside quotes; comma wins ties and headers without any delimiter.
func sniffDelimiter(raw []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, b := range raw {
		if b == '"' {
			quoted = !quoted
		}
		if b == '\n' && !quoted {
			break
		}
		if !quoted && (b == ',' || b == ';' || b == '\t') {
			counts[rune(b)]++
		}
	}
	best := ','
	for _, d := range []rune{';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: column %d: %v; check the quoting on that line", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// contextColumns are columns coders keep beside their codes (the unit's
// text, a note); they are read past, not taken for codes.
var contextColumns = map[string]bool{"text": true, "tekst": true, "note": true, "notes": true, "opmerking": true, "comment": true, "coder": true, "source": true}
