package analysis

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/spill"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Input is everything Compute needs. Slices and maps are read, never kept
// or modified.
type Input struct {
	Study, Language string
	// MinCell is the smallest count shown (privacy.min_cell); 5 when 0.
	MinCell int
	// QuotesPerCode caps the illustrative quotes per code; 3 when 0.
	QuotesPerCode int
	// Codes is the codebook in its own order, which every table follows.
	Codes []CodeInfo
	// Corpus streams the respondents, units and codings. When nil, the
	// three slices below are the corpus (small studies, tests, tools).
	Corpus Corpus
	// Respondents are keyed by (Source, ID). A unit whose respondent is not
	// listed gets an implicit respondent without attributes or weight.
	Respondents []study.Respondent
	// Units are all units; Context units are never counted.
	Units []study.Unit
	// Codings are keyed by UnitID; a unit without a coding has no codes.
	Codings []study.Coding
	// Attributes are the attribute names to break down by, in order.
	Attributes []string
	Likert     []LikertSpec
	// Files maps a source name to its number of files (SourceSummary).
	Files map[string]int
	// Gold and Second map a unit ID to human codes; nil when absent.
	Gold, Second map[string][]string
	// GoldCodes are the codes the gold file covers; nil means all.
	GoldCodes []string
}

// Corpus streams a study's data to Compute, which keeps no figures per
// respondent or unit in memory (it sorts records of them, on disk past a
// buffer; no texts or matches) and looks up the texts of the few units it quotes afterwards.
// A national survey does not have to fit in memory. Compute calls
// Respondents and Units at the same time, from two goroutines.
type Corpus interface {
	// Respondents calls fn with every respondent, keyed by (Source, ID).
	Respondents(fn func(study.Respondent) error) error
	// Units calls fn with every unit, context units included, and its
	// coding (nil when it has none). fn does not keep either.
	Units(fn func(study.Unit, *study.Coding) error) error
	// Lookup calls fn, in any order, with the units with these IDs and
	// their codings; unknown IDs are skipped.
	Lookup(ids []string, fn func(study.Unit, *study.Coding) error) error
}

// sliceCorpus is the Corpus of Input's slices.
type sliceCorpus struct{ in *Input }

func (s sliceCorpus) Respondents(fn func(study.Respondent) error) error {
	for _, r := range s.in.Respondents {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s sliceCorpus) codings() map[string]*study.Coding {
	codings := make(map[string]*study.Coding, len(s.in.Codings))
	for i := range s.in.Codings {
		if _, dup := codings[s.in.Codings[i].UnitID]; !dup {
			codings[s.in.Codings[i].UnitID] = &s.in.Codings[i]
		}
	}
	return codings
}

func (s sliceCorpus) Units(fn func(study.Unit, *study.Coding) error) error {
	codings := s.codings()
	for _, u := range s.in.Units {
		if err := fn(u, codings[u.ID]); err != nil {
			return err
		}
	}
	return nil
}

func (s sliceCorpus) Lookup(ids []string, fn func(study.Unit, *study.Coding) error) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	codings := s.codings()
	for _, u := range s.in.Units {
		if want[u.ID] {
			if err := fn(u, codings[u.ID]); err != nil {
				return err
			}
		}
	}
	return nil
}

// LikertSpec names one scale item and its scale points, lowest first.
type LikertSpec struct {
	Item, Label string
	Scale       []string
}

// newInterner returns a function that gives one copy of each string it
// sees, so a million units share their few source strings. Each goroutine
// needs its own.
func newInterner() func(string) string {
	seen := map[string]string{}
	return func(s string) string {
		if v, ok := seen[s]; ok {
			return v
		}
		seen[s] = s
		return s
	}
}

// srcCount is what the units say about one source.
type srcCount struct {
	units  int
	survey bool
}

// model is the normalised Input: the codebook's lookups, what was counted
// as the units passed, and the figures summed over the respondents in the
// order of their keys (respondents.go). It holds nothing per respondent
// or unit: a national survey's analysis takes the same memory as a small
// one's, but for the distinct attribute values and, in a weighted study,
// the Likert answers behind weighted medians.
type model struct {
	in      Input
	corpus  Corpus
	minCell int
	codeIdx map[string]int
	lineage [][]int // per code: itself and its ancestors
	words   int
	// attrVals are per attribute its values, waveVals the non-empty waves,
	// in the order the respondents first gave them; the figures index them.
	attrVals [][]string
	waveVals []string
	// The units leave no rows behind. What the tables read of them is
	// counted as they pass: nUnits non-context units, unitN of them per
	// code (ancestors included), and per code the candidates for its
	// quotes (quoteCap of them, see quotes).
	nUnits   int
	unitN    []int
	quoteCap int
	picks    []quotePicker
	sources  map[string]*srcCount
	// anyWeight: a respondent record has a usable weight; weighted: a
	// respondent's first record has one, which makes the study weighted.
	anyWeight, weighted bool
	// gold: the gold and second coders' unit IDs that are non-context units,
	// and the automatic codes of those units.
	goldUnits map[string]bool
	auto      map[string][]string
	// sortLimit is the sorters' buffer in bytes; tests make it small so
	// that small corpora spill too.
	sortLimit int
	respondentFigures
}

func newModel(in Input) (*model, error) { return newModelSpilling(in, 0) }

// newModelSpilling is newModel with sorters that write a run to disk at
// every sortLimit bytes (spill.BufBytes when 0).
func newModelSpilling(in Input, sortLimit int) (*model, error) {
	m := &model{in: in, corpus: in.Corpus, minCell: in.MinCell, codeIdx: map[string]int{}, sources: map[string]*srcCount{}, sortLimit: sortLimit}
	if m.corpus == nil {
		m.corpus = sliceCorpus{&m.in}
	}
	if m.minCell <= 0 {
		m.minCell = 5
	}
	for i, c := range in.Codes {
		if _, dup := m.codeIdx[c.ID]; !dup {
			m.codeIdx[c.ID] = i
		}
	}
	m.lineage = lineage(in.Codes, m.codeIdx)
	m.words = (len(in.Codes) + 63) / 64

	// The respondents are read in a goroutine of their own while the units
	// are: decoding them is seconds for a national survey, and when the
	// units come from report.Write's shared scan, every report waits while
	// the analysis does not read its units. Each side sorts what it keeps
	// by respondent key; the two sorted streams are joined afterwards.
	respSort, unitSort := spill.NewSorter(sortLimit), spill.NewSorter(sortLimit)
	defer respSort.Close()
	defer unitSort.Close()
	var (
		respErr  error
		respDone = make(chan struct{})
	)
	go func() {
		defer close(respDone)
		respErr = m.readRespondents(respSort)
	}()
	err := m.readUnits(unitSort)
	<-respDone
	if respErr != nil {
		return nil, respErr
	}
	if err != nil {
		return nil, err
	}
	if err := m.tally(respSort, unitSort); err != nil {
		return nil, err
	}
	return m, nil
}

// readUnits counts the units as they pass, offers them as quotes, and
// adds to sorter, per run of units of one respondent, the codes the run
// carries (ancestors included).
func (m *model) readUnits(sorter *spill.Sorter) error {
	in := &m.in
	if in.Gold != nil {
		m.goldUnits, m.auto = map[string]bool{}, map[string][]string{}
	}
	m.unitN = make([]int, len(in.Codes))
	m.startQuotes()
	str := newInterner()
	has := make([]uint64, m.words)
	show := make([]uint64, m.words)
	// Units come in runs of one source, and a respondent's answers one
	// after another: the last unit's source (interned name and counts)
	// spares a look-up, and a respondent's run is sorted as one record.
	var (
		src     string
		sc      *srcCount
		runSrc  string
		runResp string
		inRun   bool
		runHas  = make([]uint64, m.words)
		enc     []byte
		refs    []codeRef
		quoting quoteScratch
	)
	flush := func() error {
		if !inRun {
			return nil
		}
		enc = enc[:0]
		for _, w := range runHas {
			enc = binary.LittleEndian.AppendUint64(enc, w)
		}
		return sorter.Add(runSrc, runResp, enc)
	}
	err := eachFact(m.corpus, func(u *UnitFact) error {
		if u.Context {
			return nil
		}
		if sc == nil || u.Source != src {
			if err := checkSourceName(u.Source); err != nil {
				return err
			}
			src = str(u.Source)
			if sc = m.sources[src]; sc == nil {
				sc = &srcCount{}
				m.sources[src] = sc
			}
		}
		if !inRun || src != runSrc || u.Respondent != runResp {
			if err := flush(); err != nil {
				return err
			}
			runSrc, runResp, inRun = src, u.Respondent, true
			clear(runHas)
		}
		sc.units++
		sc.survey = sc.survey || u.Survey
		clear(has)
		codes := u.Codes
		refs = m.setCodes(has, codes, refs[:0])
		for w, word := range has {
			runHas[w] |= word
			for ; word != 0; word &= word - 1 {
				m.unitN[w*64+trailingZeros(word)]++
			}
		}
		clear(show)
		for _, code := range u.Shown {
			// A shown code is nearly always one of the unit's codes, found
			// by comparing strings that mostly share their bytes (the
			// store's dictionary), cheaper than hashing.
			i, ok := 0, false
			for _, r := range refs {
				if r.id == code {
					i, ok = r.i, true
					break
				}
			}
			if !ok {
				i, ok = m.codeIdx[code]
			}
			if ok {
				for _, a := range m.lineage[i] {
					show[a/64] |= 1 << (a % 64)
				}
			}
		}
		for w := range show {
			show[w] &= has[w]
		}
		m.offerQuotes(&quoting, show, u.ID, src, u.Respondent, u.Good)
		m.nUnits++
		if m.goldUnits != nil {
			_, g := in.Gold[u.ID]
			_, s := in.Second[u.ID]
			if g || s {
				m.goldUnits[u.ID] = true
				m.auto[u.ID] = slices.Clone(codes) // the last of duplicate IDs, as before
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// checkSourceName refuses a source name with a zero byte, which would
// break the order of the respondents' keys (spill.Sorter.Add).
func checkSourceName(name string) error {
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("source name %q has a zero byte; rename the source in config.yaml", name)
	}
	return nil
}

// respondent flags in a sorted respondent record.
const respWeighted = 1

// readRespondents adds every respondent of the corpus to sorter, keyed by
// (source, ID), and numbers attribute values and waves in m.attrVals and
// m.waveVals. A record is a flag byte, the wave (index+1, 0 for none), the
// weight when the respondent has a usable one (positive and finite), and
// per attribute its value (index+1) and per Likert item its scale point
// (1..k, 0 without a valid answer).
func (m *model) readRespondents(sorter *spill.Sorter) error {
	in := &m.in
	waveIdx := map[string]int{}
	attrIdx := make([]map[string]int, len(in.Attributes))
	m.attrVals = make([][]string, len(in.Attributes))
	for k := range attrIdx {
		attrIdx[k] = map[string]int{}
	}
	var (
		enc     []byte
		lastSrc string
		checked bool
	)
	return m.corpus.Respondents(func(r study.Respondent) error {
		if !checked || r.Source != lastSrc {
			if err := checkSourceName(r.Source); err != nil {
				return err
			}
			lastSrc, checked = r.Source, true
		}
		enc = append(enc[:0], 0)
		wave := 0
		if r.Wave != "" {
			var ok bool
			if wave, ok = waveIdx[r.Wave]; !ok {
				wave = len(m.waveVals)
				waveIdx[r.Wave] = wave
				m.waveVals = append(m.waveVals, r.Wave)
			}
			wave++
		}
		enc = binary.AppendUvarint(enc, uint64(wave))
		if w := r.Weight; w > 0 && !math.IsInf(w, 0) {
			m.anyWeight = true
			enc[0] |= respWeighted
			enc = binary.LittleEndian.AppendUint64(enc, math.Float64bits(w))
		}
		for a, attr := range in.Attributes {
			i := 0
			if v := r.Attributes[attr]; v != "" {
				var ok bool
				if i, ok = attrIdx[a][v]; !ok {
					i = len(m.attrVals[a])
					attrIdx[a][v] = i
					m.attrVals[a] = append(m.attrVals[a], v)
				}
				i++
			}
			enc = binary.AppendUvarint(enc, uint64(i))
		}
		for _, spec := range in.Likert {
			p := 0
			if v, ok := r.Likert[spec.Item]; ok && v >= 1 && v <= len(spec.Scale) && v <= math.MaxInt16 {
				p = v
			}
			enc = binary.AppendUvarint(enc, uint64(p))
		}
		return sorter.Add(r.Source, r.ID, enc)
	})
}

// goodLength reports whether text has 40 to 300 code points (as ranging
// over it counts them), long enough to say something and short enough to
// read. A code point takes 1 to 4 bytes, so most answers are decided by
// their length in bytes without counting.
func goodLength(text string) bool {
	n := len(text)
	switch {
	case n < 40 || n > 4*300:
		return false
	case n >= 4*40 && n <= 300:
		return true
	}
	runes := utf8.RuneCountInString(text)
	return runes >= 40 && runes <= 300
}

// codeRef is a code's ID and index.
type codeRef struct {
	id string
	i  int
}

// setCodes marks the codes of a coding and their ancestors in has (the
// coding stage already adds ancestors, but gold files written by hand often
// do not), and appends the known ones to refs.
func (m *model) setCodes(has []uint64, ids []string, refs []codeRef) []codeRef {
	for _, id := range ids {
		if i, ok := m.codeIdx[id]; ok {
			refs = append(refs, codeRef{id, i})
			for _, a := range m.lineage[i] {
				has[a/64] |= 1 << (a % 64)
			}
		}
	}
	return refs
}

// codeSet is setCodes as a []bool per code.
func (m *model) codeSet(ids []string) []bool {
	has := make([]bool, len(m.in.Codes))
	for _, id := range ids {
		if i, ok := m.codeIdx[id]; ok {
			for _, a := range m.lineage[i] {
				has[a] = true
			}
		}
	}
	return has
}

// lineage lists for every code itself and its ancestors, stopping at a
// cycle or an unknown parent rather than looping.
func lineage(codes []CodeInfo, idx map[string]int) [][]int {
	out := make([][]int, len(codes))
	for i := range codes {
		seen := map[int]bool{}
		for j, ok := i, true; ok && !seen[j]; j, ok = idx[codes[j].Parent] {
			seen[j] = true
			out[i] = append(out[i], j)
			if codes[j].Parent == "" {
				break
			}
		}
	}
	return out
}

// sensitive reports whether a count must be suppressed.
func (m *model) sensitive(n int) bool { return n > 0 && n < m.minCell }

func (m *model) label(code string) string {
	i, ok := m.codeIdx[code]
	if !ok {
		return code
	}
	c := m.in.Codes[i]
	first, second := c.LabelNL, c.LabelEN
	if m.in.Language == "en" {
		first, second = second, first
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return c.ID
}

func sortedKeys[V any](mp map[string]V) []string {
	keys := make([]string, 0, len(mp))
	for k := range mp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func trailingZeros(w uint64) int { return bits.TrailingZeros64(w) }
