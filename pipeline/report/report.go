package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Input is everything one report is rendered from. Report reads it and
// never changes it, except that Write fills Manifest.Outputs in its copy.
type Input struct {
	Tables   *analysis.Tables
	Codebook Codebook
	// EachUnit calls fn with every unit, pseudonymized, in stable order
	// (source, file, seq), and its coding (nil when it has none); fn keeps
	// neither. Write calls it once and shares the scan between the reports
	// that list every unit (codings.csv, the workbook's Codings sheet,
	// project.qdpx) and Analyse (share.go), so a national survey's units are
	// streamed rather than held. When nil, Units and Codings are used.
	EachUnit func(fn func(study.Unit, *study.Coding) error) error
	// EachUnitIn, when set, is EachUnit for the units of the given parts'
	// files only. With it the shared scan leaves out the files whose parts
	// every export copies and the analysis does not read (Part.Kept).
	EachUnitIn func(parts []Part, fn func(study.Unit, *study.Coding) error) error
	// KeptUnits, when set, calls fn with the units of a kept part
	// (Part.Kept) as EachCodes does, from what the run kept of them: ID,
	// Source, File, Respondent, Question (or, for a turn, its speaker in
	// Question), Context and codes. The workbook's Codings sheet reads the
	// kept parts from it, so a new file that moves every row of the sheet
	// does not make the scan read every unit again.
	KeptUnits func(p Part, fn func(u study.Unit, codes []string) error) error
	// EachCodes is EachUnit without texts and matches (Unit.Text empty,
	// codes nil without a coding), for the tables with a row per unit and a
	// column per code; when nil, EachUnit (or the slices) serve.
	EachCodes func(fn func(u study.Unit, codes []string) error) error
	// Analyse, when set and Tables is nil, computes the tables while Write
	// renders codings.csv, project.qdpx and the workbook's Codings sheet
	// from the units: it sets in.Tables and may complete in.Manifest and
	// in.Method. units, when not nil, is the shared scan of the units
	// (EachUnit's), which it may read once instead of reading the units
	// itself. Study and Language stand in for the tables' until then.
	Analyse         func(in *Input, units func(fn func(study.Unit, *study.Coding) error) error) error
	Study, Language string
	// Units are pseudonymized, in stable order (source, file, seq).
	Units []study.Unit
	// Codings are matched to Units by UnitID.
	Codings  []study.Coding
	Method   Method
	Manifest Manifest
	// Parts are the input files in unit order, each with a key that
	// changes with anything its units depend on; codings.csv and
	// project.qdpx are laid out per part (segments.go).
	Parts []Part
	// Previous is what the last run's Record said; parts it holds whose
	// keys are unchanged are copied from the last run's files.
	Previous *Segments
	// Record, when not nil, is set to where this run's parts lie.
	Record *Segments
}

// eachCodes is in.EachCodes, or the same from eachUnit.
func (in Input) eachCodes(fn func(study.Unit, []string) error) error {
	if in.EachCodes != nil {
		return in.EachCodes(fn)
	}
	return in.eachUnit(func(u study.Unit, c *study.Coding) error {
		if c == nil {
			return fn(u, nil)
		}
		return fn(u, c.Codes)
	})
}

// eachUnit is in.EachUnit, or the same over Units and Codings (the last
// coding of a unit ID wins).
func (in Input) eachUnit(fn func(study.Unit, *study.Coding) error) error {
	if in.EachUnit != nil {
		return in.EachUnit(fn)
	}
	codings := make(map[string]*study.Coding, len(in.Codings))
	for i := range in.Codings {
		codings[in.Codings[i].UnitID] = &in.Codings[i]
	}
	for _, u := range in.Units {
		if err := fn(u, codings[u.ID]); err != nil {
			return err
		}
	}
	return nil
}

// Codebook summarises the codebook a run coded with, for the method section,
// the appendix, the Codings matrix and the QDA project.
type Codebook struct {
	Name, Version, Hash, Path string
	Codes                     []CodebookCode
}

// CodebookCode is one code as the codebook defines it. Terms and Exclude are
// keyed by language ("nl", "en").
type CodebookCode struct {
	ID, Parent, Color, Description, Negation string
	LabelNL, LabelEN                         string
	Terms                                    map[string][]string
	Exclude                                  map[string][]string
}

// Method is what the method section says beyond the tables.
type Method struct {
	Sources []analysis.SourceSummary
	// PrivacyRules are sentences in the study language.
	PrivacyRules []string
	// DataPeriod comes from the data (e.g. "2025–2026"), never the clock.
	DataPeriod string
}

// Manifest records what a run read and wrote, for audit.
type Manifest struct {
	Version string
	// RunAt is RFC3339; it appears only in manifest.json so that report
	// bodies stay byte-identical between reruns.
	RunAt                    string
	ConfigHash, CodebookHash string
	Inputs                   []ManifestFile
	Counts                   map[string]int
	Outputs                  []ManifestFile
}

// ManifestFile is one file with its checksum.
type ManifestFile struct {
	Path   string
	SHA256 string
	Bytes  int64
	// crc is the CRC-32C of a streamed export, recorded with its parts
	// (SegmentFile.CRC32C); not in the manifest.
	crc uint32
}

// Options choose which files to write and the CSV dialect.
type Options struct {
	// Formats lists any of html, md, csv, xlsx, qdpx; empty means all.
	Formats []string
	// CSVDelimiter is ',' when zero. With ';' numbers get ',' decimals
	// (Dutch Excel, R read.csv2); with any other delimiter '.' decimals.
	CSVDelimiter rune
	// CSVBOM starts every CSV with a UTF-8 byte order mark, which Excel
	// needs to read UTF-8 instead of the system code page.
	CSVBOM bool
}

var allFormats = []string{"html", "md", "csv", "xlsx", "qdpx"}

// Write renders in into dir and returns the files it wrote, manifest.json
// last. dir is created when missing. Each file is written under a temporary
// name in dir and renamed into place, so readers never see a partial file;
// manifest.json is written after all others and lists them with SHA-256.
func Write(dir string, in Input, opts Options) ([]ManifestFile, error) {
	if in.Tables == nil && in.Analyse == nil {
		return nil, errors.New("report: Input.Tables is nil; run the analysis stage first")
	}
	formats, err := chooseFormats(opts.Formats)
	if err != nil {
		return nil, err
	}
	if opts.CSVDelimiter == 0 {
		opts.CSVDelimiter = ','
	}
	if opts.CSVDelimiter == '"' || opts.CSVDelimiter == '\n' || opts.CSVDelimiter == '\r' {
		return nil, fmt.Errorf("report: CSV delimiter %q cannot be used; choose ',' or ';'", opts.CSVDelimiter)
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	removeStaleTemps(dir)

	// With Analyse, codings.csv and project.qdpx (which need only the units,
	// the codebook and the study's name and language) are rendered while
	// the tables are computed. Without a codebook codings.csv takes its
	// columns from the tables, so the analysis comes first.
	deferred := in.Tables == nil
	if deferred && len(in.Codebook.Codes) == 0 {
		if err := in.Analyse(&in, nil); err != nil {
			return nil, err
		}
		deferred = false
	}
	early := in
	if deferred {
		early.Tables = &analysis.Tables{Study: in.Study, Language: in.Language}
	}

	// codings.csv, the workbook and the project grow with the corpus
	// (hundreds of MB for a national survey), so they stream into their
	// temporary files, rendered at the same time (the coding workers are
	// done and each is single-threaded) from one shared scan of the units
	// (share.go), which the analysis reads too when deferred. Their bytes
	// do not depend on the interleaving.
	// A job's render returns where its parts lie (segments.go), nil for an
	// export not laid out in parts; prev is the last run's export.
	// spares says which parts it renders without their units from the
	// scan (it copies them, or with kept reads the kept parts' units from
	// Input.KeptUnits: keptMerge), given its last export.
	type job struct {
		name   string
		prev   *SegmentFile  // the last run's record of this export
		parts  **SegmentFile // this run's, in rec
		render func(w io.Writer, in Input, prev *reuse) (*SegmentFile, error)
		spares func(prev *reuse) []bool
		kept   bool
	}
	var last, rec Segments
	if in.Previous != nil {
		last = *in.Previous
	}
	var jobs []job
	if formats["csv"] {
		jobs = append(jobs, job{"codings.csv", last.CSV, &rec.CSV, func(w io.Writer, in Input, prev *reuse) (*SegmentFile, error) {
			sf, err := writeCodingsCSVParts(w, in, opts, prev)
			if err != nil {
				return nil, fmt.Errorf("report: writing codings.csv: %w", err)
			}
			return sf, nil
		}, func(prev *reuse) []bool { return copiedParts(in.Parts, prev, false) }, false})
	}
	if formats["qdpx"] {
		jobs = append(jobs, job{"project.qdpx", last.QDPX, &rec.QDPX, func(w io.Writer, in Input, prev *reuse) (*SegmentFile, error) {
			return renderQDPXParts(w, in, dir, prev)
		}, func(prev *reuse) []bool { return copiedParts(in.Parts, prev, true) }, false})
	}
	var d *doc
	// tabled is in once the analysis is done; ready closes then (or when
	// it failed, with tabledErr set).
	var tabled Input
	var tabledErr error
	ready := make(chan struct{})
	if !deferred {
		d, tabled = buildDoc(in), in
		close(ready)
	}
	if formats["xlsx"] {
		jobs = append(jobs, job{"report.xlsx", last.XLSX, &rec.XLSX, func(w io.Writer, jin Input, prev *reuse) (*SegmentFile, error) {
			// The Codings sheet's rows are spooled, measuring the column
			// widths that precede them, while the other sheets wait for
			// the tables.
			sp, err := spoolCodings(jin, dir, true, newMatrix(jin, buildLabels(jin)), prev)
			if sp != nil {
				defer sp.close()
			}
			if err != nil {
				return nil, fmt.Errorf("report: report.xlsx: %w", err)
			}
			<-ready
			if tabledErr != nil {
				return nil, errShareStopped
			}
			if err := renderXLSX(w, d, tabled, sp); err != nil {
				return nil, err
			}
			if sp.early != nil && sp.early.used {
				return sp.early.record, nil
			}
			return nil, nil
		}, func(prev *reuse) []bool { return sheetSpares(in.Parts, prev, in.KeptUnits != nil) }, in.KeptUnits != nil})
	}
	readers := len(jobs)
	if deferred {
		readers++ // the analysis
	}
	// Each export checks its last file before the scan starts, so that the
	// scan reads only the files some reader needs (scanFor).
	prevs := make([]*reuse, len(jobs))
	var opened sync.WaitGroup
	for i, j := range jobs {
		opened.Go(func() { prevs[i] = openReuse(dir, j.prev) })
	}
	opened.Wait()
	defer func() {
		for _, p := range prevs {
			p.close()
		}
	}()
	spared := make([][]bool, len(jobs))
	for i, j := range jobs {
		spared[i] = j.spares(prevs[i])
	}
	scan, scanned := scanFor(in, deferred, spared)
	share := newUnitShare(scan, readers)
	written := make([]ManifestFile, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		jin := early
		jin.EachUnit, jin.EachCodes, jin.Units, jin.Codings = share.reader(i), nil, nil, nil
		if j.kept && scanned != nil {
			jin.EachCodes = keptMerge(in.Parts, scanned, jin.EachUnit, in.KeptUnits)
		}
		wg.Go(func() {
			written[i], errs[i] = writeAtomicStream(dir, j.name, func(w io.Writer) error {
				sf, err := j.render(w, jin, prevs[i])
				if err != nil {
					return err
				}
				*j.parts = sf
				// No file is renamed into place when the analysis failed.
				<-ready
				if tabledErr != nil {
					return errShareStopped
				}
				return nil
			})
			share.done(i, errs[i])
		})
	}
	if readers > 0 {
		wg.Go(share.produce)
	}
	if deferred {
		ai := len(jobs)
		err := in.Analyse(&in, share.reader(ai))
		share.done(ai, err)
		if err == nil && in.Tables == nil {
			err = errors.New("report: Input.Analyse left Tables nil")
		}
		if err == nil {
			d, tabled = buildDoc(in), in
		}
		tabledErr = err
		close(ready)
		if err != nil {
			share.halt()
			wg.Wait()
			return nil, err
		}
	}
	out, err := writeTabled(dir, in, opts, formats, d)
	if err != nil {
		share.halt()
	}
	wg.Wait()
	if err != nil {
		return out, err
	}
	if err := firstErr(errs); err != nil {
		return out, err
	}
	out = append(out, written...)
	if in.Record != nil {
		for i, j := range jobs {
			if sf := *j.parts; sf != nil && len(sf.Parts) > 0 {
				sf.Path, sf.SHA256, sf.Bytes, sf.CRC32C = written[i].Path, written[i].SHA256, written[i].Bytes, written[i].crc
			} else {
				*j.parts = nil
			}
		}
		*in.Record = rec
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })

	m := in.Manifest
	m.Outputs = out
	mb, err := manifestJSON(m)
	if err != nil {
		return out, err
	}
	if err := writeAtomic(dir, "manifest.json", mb); err != nil {
		return out, err
	}
	return append(out, fileEntry("manifest.json", mb)), nil
}

// writeTabled writes the reports made from the tables alone: report.html,
// report.md and the table CSVs.
func writeTabled(dir string, in Input, opts Options, formats map[string]bool, d *doc) ([]ManifestFile, error) {
	var files []namedFile
	if formats["html"] {
		b, err := renderHTML(d)
		if err != nil {
			return nil, err
		}
		files = append(files, namedFile{"report.html", b})
	}
	if formats["md"] {
		files = append(files, namedFile{"report.md", renderMarkdown(d)})
	}
	if formats["csv"] {
		files = append(files, renderCSVs(in, opts)...)
	}
	var out []ManifestFile
	for _, f := range files {
		if err := writeAtomic(dir, f.name, f.body); err != nil {
			return out, err
		}
		out = append(out, fileEntry(f.name, f.body))
	}
	return out, nil
}

// WriteManifest writes only manifest.json, listing outputs that are already
// on disk, for a rerun whose reports are known to be byte-identical to the
// last ones. The manifest is the one Write would have written with them.
func WriteManifest(dir string, m Manifest, outputs []ManifestFile) (ManifestFile, error) {
	if err := prepareDir(dir); err != nil {
		return ManifestFile{}, err
	}
	m.Outputs = outputs
	mb, err := manifestJSON(m)
	if err != nil {
		return ManifestFile{}, err
	}
	if err := writeAtomic(dir, "manifest.json", mb); err != nil {
		return ManifestFile{}, err
	}
	return fileEntry("manifest.json", mb), nil
}

type namedFile struct {
	name string
	body []byte
}

func chooseFormats(list []string) (map[string]bool, error) {
	m := map[string]bool{}
	if len(list) == 0 {
		list = allFormats
	}
	for _, f := range list {
		known := false
		for _, a := range allFormats {
			known = known || a == f
		}
		if !known {
			return nil, fmt.Errorf("report: unknown format %q; known formats are html, md, csv, xlsx, qdpx", f)
		}
		m[f] = true
	}
	return m, nil
}

func prepareDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("report: output path %s is a file, not a directory; choose another reports folder or remove the file", dir)
	case err == nil:
		return nil
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("report: creating output directory: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("report: output directory: %w", err)
	}
}

// removeStaleTemps deletes temporary files a killed run left behind (see
// writeAtomic). Runs hold the store's lock, so no other writer owns them.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	for _, p := range stale {
		_ = os.Remove(p)
	}
}

// writeAtomic writes into a temporary file in the same directory (so the
// rename cannot cross file systems) and syncs it before renaming, so that
// after a crash dir holds either the old file or the new one, never a mix.
func writeAtomic(dir, name string, body []byte) error {
	_, err := writeAtomicStream(dir, name, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	})
	return err
}

// writeAtomicStream is writeAtomic for a body that render writes out piece
// by piece; it returns the file's manifest entry, hashed on the way.
func writeAtomicStream(dir, name string, render func(io.Writer) error) (ManifestFile, error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	cleanup := func() { _ = os.Remove(tmp.Name()) }
	h, crc := sha256.New(), crc32.New(castagnoli)
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h, crc), 1<<20)
	cw := &countingWriter{w: bw}
	if err := render(cw); err != nil {
		_ = tmp.Close()
		cleanup()
		return ManifestFile{}, err // renderers say which file failed
	}
	if err := bw.Flush(); err != nil {
		_ = tmp.Close()
		cleanup()
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		cleanup()
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	// CreateTemp makes 0600 files; reports are meant to be shared.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		cleanup()
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		cleanup()
		return ManifestFile{}, fmt.Errorf("report: writing %s: %w", name, err)
	}
	return ManifestFile{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: cw.n, crc: crc.Sum32()}, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func fileEntry(name string, body []byte) ManifestFile {
	sum := sha256.Sum256(body)
	return ManifestFile{Path: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(body))}
}

type manifestFileJSON struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

type manifestJSONDoc struct {
	Version      string             `json:"version"`
	RunAt        string             `json:"run_at"`
	ConfigHash   string             `json:"config_hash"`
	CodebookHash string             `json:"codebook_hash"`
	Inputs       []manifestFileJSON `json:"inputs"`
	Counts       map[string]int     `json:"counts"`
	Outputs      []manifestFileJSON `json:"outputs"`
}

func manifestJSON(m Manifest) ([]byte, error) {
	conv := func(fs []ManifestFile) []manifestFileJSON {
		out := make([]manifestFileJSON, 0, len(fs))
		for _, f := range fs {
			out = append(out, manifestFileJSON{Path: f.Path, SHA256: f.SHA256, Bytes: f.Bytes})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return out
	}
	counts := m.Counts
	if counts == nil {
		counts = map[string]int{}
	}
	doc := manifestJSONDoc{
		Version: m.Version, RunAt: m.RunAt, ConfigHash: m.ConfigHash, CodebookHash: m.CodebookHash,
		Inputs: conv(m.Inputs), Counts: counts, Outputs: conv(m.Outputs),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("report: encoding manifest: %w", err)
	}
	return buf.Bytes(), nil
}
