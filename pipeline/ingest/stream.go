package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"strings"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Streaming (issue 10). A national survey export is one CSV of 100 MB and
// more; holding its records, respondents and units at once cost GBs. CSV
// files are therefore read as a stream: decoded through transform readers
// (decodeStream), the header understood from the first records, and every
// data row checked and mapped (surveyMapper) as it is parsed. What a stream
// keeps is a few buffers (64 KB readers, the first 1 MB for delimiter
// sniffing, one record) plus 16 bytes per respondent to find repeated IDs.
//
// Streaming cannot both emit rows as they are parsed and promise that a
// file with a problem on its last line emits nothing, so there are four
// entry points:
//
//   - Check validates a whole file and emits nothing;
//   - Stream emits as it parses and reports the problems at the end; what it
//     emitted before a problem was found must then be thrown away;
//   - StreamChecked is Stream for a file Check passed: it makes sure the
//     bytes are still the checked ones and leaves out what only other bytes
//     could fail (a run's store pass);
//   - Read is Check then Stream for CSV (it keeps its promise, reading the
//     file twice) and reads other formats whole, as before.
//
// XLSX, SPSS and transcripts are read whole: they are small, and their
// libraries (excelize, the SPSS reader, zip) want the whole file anyway.
// Inspect reads CSV whole too, because guessing text columns looks at every
// row. Both paths share decodeText's detection, readRecords' line numbers
// and surveyMapper, and FuzzCSVStream checks that they agree.

// sniffBytes is how much decoded text the delimiter is sniffed from: the
// ten records sniffDelimiter reads fit in it unless cells are huge.
const sniffBytes = 1 << 20

// Check reads a whole file and reports what Read would, the FileInfo and
// every problem, without emitting anything.
func Check(path string, src config.Source) (*FileInfo, error) {
	return Stream(path, src, nil)
}

// Stream reads a file like Read but, for CSV, calls emit for each
// respondent as soon as its row is parsed, so memory stays flat in the size
// of the file. Problems are returned at the end, as Read returns them; when
// there are any, everything emitted must be discarded (Check the file first
// to know it is clean). Other formats are read whole and emit only when the
// file has no problems, as in Read. emit may be nil; an error from it stops
// Stream and is returned as is. The units slice emit is given is valid only
// during the call (its elements may be copied): the next row reuses it.
func Stream(path string, src config.Source, emit func(study.Respondent, []study.Unit) error) (*FileInfo, error) {
	return stream(path, src, nil, emit)
}

// Checked is what a run knows of a file that Stream or Check found without
// problems: the encoding they found (FileInfo.Encoding) and the SHA-256
// (hex) of the bytes they read.
type Checked struct {
	Encoding string
	SHA256   string
}

// ErrChanged is returned by StreamChecked when the file no longer has the
// checked bytes.
var ErrChanged = errors.New("the file changed after it was checked")

// StreamChecked is Stream for a file checked as chk says: it emits what
// Stream would, and returns ErrChanged when the bytes it read (every byte
// of the file, hashed as it is read) are not the checked ones, so that a
// caller can throw away what was emitted. Trusting the check, it leaves out
// what only another file could fail: the scan that tells UTF-8 from
// Windows-1252 (a second read of the file) and the search for repeated
// respondent IDs, which kept 20 bytes a row (24 MB of a million-row
// export's store pass). Formats read whole are hashed before they are read.
func StreamChecked(path string, src config.Source, chk Checked, emit func(study.Respondent, []study.Unit) error) (*FileInfo, error) {
	return stream(path, src, &chk, emit)
}

func stream(path string, src config.Source, chk *Checked, emit func(study.Respondent, []study.Unit) error) (*FileInfo, error) {
	kind, dialect, err := chooseReader(path, src)
	if err != nil || kind != kindCSV {
		if err == nil && chk != nil {
			if err := sameSHA256(path, chk.SHA256); err != nil {
				return nil, err
			}
		}
		info, resps, err := parse(path, src, false)
		if err != nil || emit == nil {
			return info, err
		}
		for _, r := range resps {
			if err := emit(r.r, r.units); err != nil {
				return info, err
			}
		}
		return info, nil
	}
	info := &FileInfo{Path: path}
	probs := &problemList{file: path}
	if err := streamCSV(path, src, dialect, chk, info, probs, emit); err != nil {
		return info, err
	}
	return info, probs.err()
}

// sameSHA256 returns ErrChanged unless the file at path has SHA-256 want.
func sameSHA256(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return (&hashingFile{f: f, h: sha256.New()}).verify(want)
}

// hashingFile hashes a file's bytes as they are first read, whatever seeks
// back in between, so that a file read once (and partly again) is hashed
// once; verify hashes what was never read and compares.
type hashingFile struct {
	f    *os.File
	h    hash.Hash
	pos  int64 // offset of the next read
	done int64 // the file's first done bytes are hashed
}

func (hf *hashingFile) Read(p []byte) (int, error) {
	n, err := hf.f.Read(p)
	if end := hf.pos + int64(n); end > hf.done && hf.pos <= hf.done {
		hf.h.Write(p[hf.done-hf.pos : n])
		hf.done = end
	}
	hf.pos += int64(n)
	return n, err
}

func (hf *hashingFile) Seek(offset int64, whence int) (int64, error) {
	pos, err := hf.f.Seek(offset, whence)
	if err == nil {
		hf.pos = pos
	}
	return pos, err
}

// verify returns ErrChanged unless the file's bytes have SHA-256 want.
func (hf *hashingFile) verify(want string) error {
	if _, err := hf.f.Seek(hf.done, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(hf.h, hf.f); err != nil {
		return err
	}
	if hex.EncodeToString(hf.h.Sum(nil)) != want {
		return ErrChanged
	}
	return nil
}

// streamCSV is readCSV over a stream. Problems go to probs; the error is
// one from opening the file or from emit.
func streamCSV(path string, src config.Source, dialect string, chk *Checked, info *FileInfo, probs *problemList, emit func(study.Respondent, []study.Unit) error) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var file io.ReadSeeker = f
	known := ""
	if chk != nil {
		hf := &hashingFile{f: f, h: sha256.New()}
		file, known = hf, chk.Encoding
		defer func() {
			if err == nil {
				err = hf.verify(chk.SHA256)
			}
		}()
	}
	text, enc, err := decodeStream(file, src.Encoding, known)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return err
		}
		probs.add(0, 0, "set encoding in the source's config, or save the file as UTF-8", "%v", err)
		return nil
	}
	info.Encoding = enc
	// Problems reading the text come first, as in readCSV, where the whole
	// file is split into records before any row is mapped.
	reading := &problemList{file: path}
	defer func() { probs.list = append(reading.list, probs.list...) }()
	readFailed := func(err error) {
		var de *decodeError
		if errors.As(err, &de) {
			reading.add(0, 0, "set encoding in the source's config, or save the file as UTF-8", "%v", de)
			return
		}
		reading.add(0, 0, "", "cannot read CSV: %v", err)
	}

	// skipBlankLines
	br := bufio.NewReaderSize(text, 64<<10)
	skipped := 0
	var first string
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			readFailed(err)
			return nil
		}
		if err == nil && strings.TrimSpace(line[:len(line)-1]) == "" {
			skipped++
			continue
		}
		first = line
		break
	}
	rest := io.MultiReader(strings.NewReader(first), br)

	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(rest, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		readFailed(err)
		return nil
	}
	head = head[:n]
	delim, ok := parseDelimiter(src.Delimiter)
	if src.Delimiter == "" || strings.EqualFold(src.Delimiter, "auto") {
		delim = sniffDelimiter(string(head))
	} else if !ok {
		probs.add(0, 0, `use ",", ";" or "tab"`, "unknown delimiter %q", src.Delimiter)
		return nil
	}
	info.Delimiter = delimiterString(delim)

	// readRecords
	r := csv.NewReader(io.MultiReader(bytes.NewReader(head), rest))
	r.Comma = delim
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	next := func() (record, bool) {
		rec, err := r.Read()
		if err == io.EOF {
			return record{}, false
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.As(err, new(*decodeError)) {
				reading.add(pe.StartLine+skipped, pe.Column, "check the quotes around this cell", "cannot read CSV: %v", pe.Err)
			} else {
				readFailed(err)
			}
			return record{}, false
		}
		line, _ := r.FieldPos(0)
		return record{line: line + skipped, cells: rec}, true
	}
	var recs []record
	for len(recs) < 3 {
		rec, ok := next()
		if !ok {
			break
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		probs.add(0, 0, "check that this is the right file", "file has no header row")
		return nil
	}
	t := buildTable(recs, dialect, "line")
	info.Format = t.dialect
	info.HeaderRows = t.headerRows
	sm := newSurveyMapper(t, path, src, false, probs)
	info.Columns = t.columns
	if sm == nil {
		// readCSV reads every record before it maps any.
		for _, ok := next(); ok; _, ok = next() {
		}
		return nil
	}
	sm.reuseUnits = true // emit's units are valid only during the call
	sm.noRepeats = chk != nil
	do := func(rec record) error {
		ru := sm.row(rec)
		info.Respondents++
		info.Units += len(ru.units)
		if emit != nil {
			if err := emit(ru.r, ru.units); err != nil {
				return err
			}
		}
		return nil
	}
	for _, rec := range t.rows {
		if err := do(rec); err != nil {
			return err
		}
	}
	r.ReuseRecord = true // sm.row keeps no reference to the cells slice
	for rec, ok := next(); ok; rec, ok = next() {
		if err := do(rec); err != nil {
			return err
		}
	}
	sm.finish()
	return nil
}
