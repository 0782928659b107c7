package analysis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/veldstem/veldstem/pipeline/spill"
)

// respondentFigures are the sums over the respondents that the tables
// read. They are taken in two passes over the respondents in key order
// (source name, then ID, as bytes order them), so floating-point sums
// come out the same on every run: the first over the join of the sorted
// respondents and units (tally), which also decides the groups, the second
// over the respondents that count in a group (rows), written aside by the
// first.
type respondentFigures struct {
	// srcNames are the respondents' sources; perWave counts per source
	// the respondents per wave (index+1, 0 for none).
	srcNames []string
	perWave  [][]int
	// overall sums the coded respondents (those with a non-context unit).
	overall groupCount
	// attrGroups and attrCounts: per attribute, its groups among the
	// coded respondents and their sums.
	attrGroups []grouping
	attrCounts [][]groupCount
	waveGroups grouping
	waveCounts []groupCount
	// carriers counts the respondents per code, both[a*codes+b] (a < b)
	// those with both codes.
	carriers, both []int
	// likertAll per Likert item; likertGroups and likertSums per item and
	// attribute, over the respondents who answered the item.
	likertAll    []likertSummary
	likertGroups [][]grouping
	likertSums   [][][]likertSummary
	// candAttrs are the attribute values (index, -1 for none) of the
	// respondents of quote candidates, by respondentKey.
	candAttrs map[string][]int32
}

// respondentKey is a respondent's key as the sorters order it.
func respondentKey(source, id string) string { return source + "\x00" + id }

// joined is one respondent of the join: its record, or an implicit one
// (no attributes, no weight) when the respondents did not list it, and the
// codes of its units.
type joined struct {
	source    []byte
	wave      int32 // index into waveVals, -1 for none
	hasWeight bool
	weight    float64 // 1 without a usable weight
	coded     bool    // has a non-context unit
	attrs     []int32 // per attribute, -1 for none
	likert    []int   // per item, 0 for none
	has       []uint64
}

func (m *model) newJoined() *joined {
	return &joined{attrs: make([]int32, len(m.in.Attributes)), likert: make([]int, len(m.in.Likert)), has: make([]uint64, m.words)}
}

// decode reads a respondent record (readRespondents) into r.
func (r *joined) decode(val []byte) error {
	bad := fmt.Errorf("a respondent record of the analysis' temporary file is damaged")
	if len(val) < 1 {
		return bad
	}
	flags := val[0]
	val = val[1:]
	next := func() (int, bool) {
		v, n := binary.Uvarint(val)
		if n <= 0 || v > math.MaxInt32 {
			return 0, false
		}
		val = val[n:]
		return int(v), true
	}
	w, ok := next()
	if !ok {
		return bad
	}
	r.wave = int32(w) - 1
	r.hasWeight, r.weight = flags&respWeighted != 0, 1
	if r.hasWeight {
		if len(val) < 8 {
			return bad
		}
		r.weight = math.Float64frombits(binary.LittleEndian.Uint64(val))
		val = val[8:]
	}
	for a := range r.attrs {
		v, ok := next()
		if !ok {
			return bad
		}
		r.attrs[a] = int32(v) - 1
	}
	for j := range r.likert {
		v, ok := next()
		if !ok {
			return bad
		}
		r.likert[j] = v
	}
	return nil
}

// tally joins the sorted respondents and units and takes the figures.
func (m *model) tally(respSort, unitSort *spill.Sorter) error {
	rs, err := respSort.Records()
	if err != nil {
		return err
	}
	us, err := unitSort.Records()
	if err != nil {
		return err
	}
	f := &m.respondentFigures
	na, nl, nc := len(m.in.Attributes), len(m.in.Likert), len(m.in.Codes)
	// The respondents' own weights decide whether the study is weighted,
	// but repeated records are only known here: weighted lists are kept
	// while any record has a weight, and dropped at the end when no kept
	// one had.
	anyWeight := m.anyWeight
	f.overall = m.newCount()
	f.carriers, f.both = make([]int, nc), make([]int, nc*nc)
	attrCount := make([][]int, na)
	attrMissing := make([]int, na)
	for a := range attrCount {
		attrCount[a] = make([]int, len(m.attrVals[a]))
	}
	waveCount := make([]int, len(m.waveVals))
	waveMissing := 0
	f.likertAll = make([]likertSummary, nl)
	likertCount := make([][][]int, nl)
	likertMissing := make([][]int, nl)
	for j, spec := range m.in.Likert {
		f.likertAll[j] = newLikertSummary(len(spec.Scale), anyWeight)
		likertCount[j] = make([][]int, na)
		likertMissing[j] = make([]int, na)
		for a := range na {
			likertCount[j][a] = make([]int, len(m.attrVals[a]))
		}
	}
	f.candAttrs = map[string][]int32{}
	for c := range m.picks {
		for _, cd := range m.picks[c].picks {
			f.candAttrs[respondentKey(cd.src, cd.resp)] = nil
		}
	}
	rows := &spill.Spool{Limit: m.sortLimit}
	defer rows.Close()

	r := m.newJoined()
	var key, enc []byte
	srcIdx := -1
	rOK, uOK := rs.Next(), us.Next()
	for rOK || uOK {
		switch {
		case !uOK:
			key = append(key[:0], rs.Key()...)
		case !rOK:
			key = append(key[:0], us.Key()...)
		case bytes.Compare(rs.Key(), us.Key()) <= 0:
			key = append(key[:0], rs.Key()...)
		default:
			key = append(key[:0], us.Key()...)
		}
		r.wave, r.hasWeight, r.weight, r.coded = -1, false, 1, false
		for a := range r.attrs {
			r.attrs[a] = -1
		}
		clear(r.likert)
		clear(r.has)
		if rOK && bytes.Equal(rs.Key(), key) {
			if err := r.decode(rs.Val()); err != nil {
				return err
			}
			// The first record of a key wins; ingest owns uniqueness.
			for rOK = rs.Next(); rOK && bytes.Equal(rs.Key(), key); rOK = rs.Next() {
			}
		}
		for uOK && bytes.Equal(us.Key(), key) {
			r.coded = true
			for w := range r.has {
				r.has[w] |= binary.LittleEndian.Uint64(us.Val()[8*w:])
			}
			uOK = us.Next()
		}
		r.source = key[:bytes.IndexByte(key, 0)]
		if srcIdx < 0 || string(r.source) != f.srcNames[srcIdx] {
			srcIdx = len(f.srcNames)
			f.srcNames = append(f.srcNames, string(r.source))
			f.perWave = append(f.perWave, make([]int, len(m.waveVals)+1))
		}
		m.weighted = m.weighted || r.hasWeight

		f.perWave[srcIdx][r.wave+1]++
		if r.coded {
			m.add(&f.overall, r.weight, r.has)
			for a, v := range r.attrs {
				if v >= 0 {
					attrCount[a][v]++
				} else {
					attrMissing[a]++
				}
			}
			if r.wave >= 0 {
				waveCount[r.wave]++
			} else {
				waveMissing++
			}
		}
		m.cooccur(r.has)
		answered := false
		for j, p := range r.likert {
			if p == 0 {
				continue
			}
			answered = true
			f.likertAll[j].add(p, len(m.in.Likert[j].Scale), r.weight)
			for a, v := range r.attrs {
				if v >= 0 {
					likertCount[j][a][v]++
				} else {
					likertMissing[j][a]++
				}
			}
		}
		if attrs, ok := f.candAttrs[string(key)]; ok && attrs == nil {
			f.candAttrs[string(key)] = append([]int32{}, r.attrs...)
		}
		if r.coded || answered {
			enc = m.encodeRow(enc[:0], r, anyWeight)
			if err := rows.Write(enc); err != nil {
				return err
			}
		}
	}
	if err := rs.Err(); err != nil {
		return err
	}
	if err := us.Err(); err != nil {
		return err
	}
	if !m.weighted {
		for j := range f.likertAll {
			f.likertAll[j].unweighted()
		}
	}

	f.attrGroups = make([]grouping, na)
	for a := range na {
		f.attrGroups[a] = m.groupBy(attrCount[a], attrMissing[a], m.attrVals[a], true)
	}
	f.waveGroups = m.groupBy(waveCount, waveMissing, m.waveVals, false)
	f.likertGroups = make([][]grouping, nl)
	for j := range nl {
		f.likertGroups[j] = make([]grouping, na)
		for a := range na {
			f.likertGroups[j][a] = m.groupBy(likertCount[j][a], likertMissing[j][a], m.attrVals[a], true)
		}
	}
	return m.sumGroups(rows, anyWeight)
}

// cooccur counts a respondent's code set into carriers and both.
func (m *model) cooccur(has []uint64) {
	f := &m.respondentFigures
	nc := len(m.in.Codes)
	var set [64]int
	codes := set[:0]
	for k, word := range has {
		for word != 0 {
			codes = append(codes, k*64+trailingZeros(word))
			word &= word - 1
		}
	}
	for x, a := range codes {
		f.carriers[a]++
		for _, b := range codes[x+1:] {
			f.both[a*nc+b]++
		}
	}
}

// A row, written by tally for the second pass, is a flag byte (rowCoded),
// the wave (index+1), per attribute its value (index+1), per Likert item
// its point, the weight when any respondent has one, and the code set
// when coded.
const rowCoded = 1

func (m *model) encodeRow(enc []byte, r *joined, weights bool) []byte {
	flags := byte(0)
	if r.coded {
		flags |= rowCoded
	}
	enc = append(enc, flags)
	enc = binary.AppendUvarint(enc, uint64(r.wave+1))
	for _, v := range r.attrs {
		enc = binary.AppendUvarint(enc, uint64(v+1))
	}
	for _, p := range r.likert {
		enc = binary.AppendUvarint(enc, uint64(p))
	}
	if weights {
		enc = binary.LittleEndian.AppendUint64(enc, math.Float64bits(r.weight))
	}
	if r.coded {
		for _, w := range r.has {
			enc = binary.LittleEndian.AppendUint64(enc, w)
		}
	}
	return enc
}

// sumGroups is the second pass: the sums per group, in key order.
func (m *model) sumGroups(rows *spill.Spool, weights bool) error {
	f := &m.respondentFigures
	na, nl := len(m.in.Attributes), len(m.in.Likert)
	f.attrCounts = make([][]groupCount, na)
	for a := range na {
		f.attrCounts[a] = m.newCounts(len(f.attrGroups[a].labels))
	}
	f.waveCounts = m.newCounts(len(f.waveGroups.labels))
	f.likertSums = make([][][]likertSummary, nl)
	for j, spec := range m.in.Likert {
		f.likertSums[j] = make([][]likertSummary, na)
		for a := range na {
			sums := make([]likertSummary, len(f.likertGroups[j][a].labels))
			for g := range sums {
				sums[g] = newLikertSummary(len(spec.Scale), m.weighted)
			}
			f.likertSums[j][a] = sums
		}
	}
	rd, err := rows.Reader()
	if err != nil {
		return err
	}
	r := m.newJoined()
	bad := fmt.Errorf("a row of the analysis' temporary file is damaged")
	for {
		flags, err := rd.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.coded = flags&rowCoded != 0
		uv := func() int32 {
			v, e := binary.ReadUvarint(rd)
			if e != nil || v > math.MaxInt32 {
				err = bad
			}
			return int32(v)
		}
		r.wave = uv() - 1
		for a := range r.attrs {
			r.attrs[a] = uv() - 1
		}
		for j := range r.likert {
			r.likert[j] = int(uv())
		}
		var b [8]byte
		r.weight = 1
		if weights {
			if _, e := io.ReadFull(rd, b[:]); e != nil {
				return bad
			}
			r.weight = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
		}
		if r.coded {
			for w := range r.has {
				if _, e := io.ReadFull(rd, b[:]); e != nil {
					return bad
				}
				r.has[w] = binary.LittleEndian.Uint64(b[:])
			}
		}
		if err != nil {
			return err
		}
		if r.coded {
			for a, v := range r.attrs {
				if g := f.attrGroups[a].of(v); g >= 0 {
					m.add(&f.attrCounts[a][g], r.weight, r.has)
				}
			}
			if g := f.waveGroups.of(r.wave); g >= 0 {
				m.add(&f.waveCounts[g], r.weight, r.has)
			}
		}
		for j, p := range r.likert {
			if p == 0 {
				continue
			}
			k := len(m.in.Likert[j].Scale)
			for a, v := range r.attrs {
				if g := f.likertGroups[j][a].of(v); g >= 0 {
					f.likertSums[j][a][g].add(p, k, r.weight)
				}
			}
		}
	}
	return nil
}
