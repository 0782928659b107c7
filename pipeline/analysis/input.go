package analysis

import (
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"math/bits"
	"slices"
	"sort"
	"unicode/utf8"

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

// Corpus streams a study's data to Compute, which keeps only compact
// figures per respondent and unit (indices and code bitsets, no texts or
// matches) and looks up the texts of the few units it quotes afterwards.
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

type respKey struct{ source, id string }

// newInterner returns a function that gives one copy of each string it
// sees, so a million respondents share their few source and wave strings.
// Each goroutine needs its own.
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

// respIndex finds a respondent's row by (source, ID). A national survey has
// a million respondents: a map keyed by the two strings was ~100 MB of a
// 1,000,000-response run's peak. This is an open-addressing table of 64-bit
// slots, each the upper half of the key's 64-bit hash and the row plus one
// (0 for an empty slot), at most three quarters full: 11 to 21 bytes a
// respondent, where a Go map from the hash to the row took 16 to 30
// (measured at 200,000 to 1,000,000 keys). Keys whose stored hash bits are
// equal are told apart by the rows' own keys (is), so the index is exact
// whatever the (per-process) hash seed.
type respIndex struct {
	// is reports whether row i has key k.
	is    func(i int32, k respKey) bool
	seed  maphash.Seed
	slots []uint64 // a power of two of them, or none
	n     int
	// hashOf is hash, or in tests one that makes keys clash.
	hashOf func(respKey) uint64
}

func newRespIndex(is func(i int32, k respKey) bool) *respIndex {
	x := &respIndex{is: is, seed: maphash.MakeSeed()}
	x.hashOf = x.hash
	return x
}

func (x *respIndex) hash(k respKey) uint64 {
	var h maphash.Hash
	h.SetSeed(x.seed)
	h.WriteString(k.source)
	h.WriteByte(0)
	h.WriteString(k.id)
	return h.Sum64()
}

// isResp reports whether respondent i has key k.
func (m *model) isResp(i int32, k respKey) bool {
	r := &m.resp[i]
	return m.ids.equal(r.idAt, r.idLen, k.id) && m.srcNames[r.source] == k.source
}

// add returns k's row and true, or records that k's row is i (0 <= i <
// 2^31-1, the row the caller appends next) and returns i and false.
func (x *respIndex) add(k respKey, i int32) (int32, bool) {
	if (x.n+1)*4 > len(x.slots)*3 {
		old := x.slots
		x.slots = make([]uint64, max(64, 2*len(old)))
		for _, s := range old {
			if s != 0 {
				x.put(s)
			}
		}
	}
	tag := x.hashOf(k) >> 32
	mask := uint64(len(x.slots) - 1)
	p := tag & mask
	for ; x.slots[p] != 0; p = (p + 1) & mask {
		if s := x.slots[p]; s>>32 == tag {
			if j := int32(uint32(s)) - 1; x.is(j, k) {
				return j, true
			}
		}
	}
	x.slots[p] = tag<<32 | uint64(uint32(i+1))
	x.n++
	return i, false
}

// put stores slot s at the first free place from its hash's.
func (x *respIndex) put(s uint64) {
	mask := uint64(len(x.slots) - 1)
	p := s >> 32 & mask
	for x.slots[p] != 0 {
		p = (p + 1) & mask
	}
	x.slots[p] = s
}

// respondent is what analysis keeps of a study.Respondent; its attribute
// values and Likert answers are rows of model.respAttrs and respLikert,
// its weight is in model.weights. Source and wave are indices rather than
// strings, and its ID is a range of model.ids rather than a string of
// its own: 20 bytes a respondent and no pointer, where a struct with two
// strings took 72 and one string 32 plus the string's 16, and the garbage
// collector had to visit every respondent's string on every cycle of a
// national survey's run. Groupings count sources and waves in slices
// instead of maps.
type respondent struct {
	idAt, idLen uint32 // model.ids.get(idAt, idLen) is the ID
	source      int32  // into model.srcNames
	wave        int32  // into model.waveVals; -1 for none
	coded       bool   // has at least one non-context unit
}

// srcCount is what the units say about one source.
type srcCount struct {
	units  int
	survey bool
}

// model is the normalised Input: everything in deterministic order, with
// code sets as bitsets of words uint64 per respondent or unit.
type model struct {
	in       Input
	corpus   Corpus
	minCell  int
	codeIdx  map[string]int
	lineage  [][]int // per code: itself and its ancestors
	words    int
	resp     []respondent // sorted by (source name, id)
	respHas  []uint64     // per respondent: codes any of its units carries
	attrVals [][]string   // per attribute: its values, indexed by respAttrs
	waveVals []string     // non-empty waves, indexed by respondent.wave
	ids      idArena      // the respondents' IDs
	// The units leave no rows behind: a national survey has two million,
	// and rows of them were a third of what the analysis held. What the
	// tables read of them is counted as they pass: nUnits non-context
	// units, unitN of them per code (ancestors included), and per code
	// the candidates for its quotes (quoteCap of them, see quotes).
	nUnits   int
	unitN    []int
	quoteCap int
	picks    []quotePicker
	// srcNames and srcIdx name and number the respondents' sources; the
	// respondents' goroutine owns them until it is done, then the units'.
	srcNames []string
	srcIdx   map[string]int32
	// Per respondent, a row of len(Input.Attributes) indices into attrVals
	// (-1 without a value) and one of len(Input.Likert) scale points (1..k,
	// 0 without a valid answer). Rows of two flat slices rather than two
	// small slices per respondent: 48 bytes of headers and two allocations
	// less for each of a national survey's respondents.
	respAttrs  []int32
	respLikert []int16
	// weights are the respondents' weights used in estimates (a weight
	// that is not positive and finite counts as 1); nil, rather than all
	// 1, when the study is unweighted.
	weights  []float64
	sources  map[string]*srcCount
	weighted bool
	// gold: the gold and second coders' unit IDs that are non-context units,
	// and the automatic codes of those units.
	goldUnits map[string]bool
	auto      map[string][]string
}

func newModel(in Input) (*model, error) {
	m := &model{in: in, corpus: in.Corpus, minCell: in.MinCell, codeIdx: map[string]int{}, sources: map[string]*srcCount{}, srcIdx: map[string]int32{}}
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
	// the analysis does not read its units. Units seen before the
	// respondents are all in get a provisional respondent (pending), which
	// is resolved as soon as they are, in order of first appearance, so the
	// respondents and their order are what reading the respondents first
	// gave.
	var (
		byKey    *respIndex
		respErr  error
		respDone = make(chan struct{})
	)
	go func() {
		defer close(respDone)
		byKey, respErr = m.readRespondents()
	}()

	str := newInterner()
	// row is k's respondent, an implicit one (no attributes, no weight)
	// when the respondents did not list k.
	row := func(k respKey) (int32, error) {
		ri, found := byKey.add(k, int32(len(m.resp)))
		if found {
			return ri, nil
		}
		if err := m.addRespondent(k.id, m.sourceIndex(k.source), -1); err != nil {
			return 0, err
		}
		if m.weights != nil {
			m.weights = append(m.weights, 1)
		}
		for range in.Attributes {
			m.respAttrs = append(m.respAttrs, -1)
		}
		m.respLikert = append(m.respLikert, make([]int16, len(in.Likert))...)
		return ri, nil
	}
	// pendingHas holds the pending respondents' code sets, words apiece,
	// until they have rows; every pending respondent has a non-context
	// unit, so each is coded.
	var pendingHas []uint64
	// pending numbers the respondents of units read before byKey is
	// complete; such a unit's resp is -1-(its index in pendKeys). When
	// the units outpace the respondents that is most of a national
	// survey's respondents, hence an index by hash, as for byKey.
	//
	// A pending respondent's key is kept as rows keep theirs: a source
	// number and a range of pendIDs. As respKeys (two strings, holding on
	// to the string the facts' reader made for each ID) the keys were
	// ~50 MB of a 1,000,000-response rerun, whose facts come in faster
	// than its respondents.
	type pendingKey struct {
		idAt, idLen uint32
		source      int32 // into pendSrcs
	}
	var (
		pendKeys   []pendingKey
		pendIDs    idArena
		pendSrcs   []string
		pendSrcIdx = map[string]int32{}
	)
	pending := newRespIndex(func(i int32, k respKey) bool {
		p := &pendKeys[i]
		return pendIDs.equal(p.idAt, p.idLen, k.id) && pendSrcs[p.source] == k.source
	})
	addPending := func(k respKey) error {
		at, n, err := pendIDs.add(k.id)
		if err != nil {
			return err
		}
		si, ok := pendSrcIdx[k.source]
		if !ok {
			si = int32(len(pendSrcs))
			pendSrcIdx[k.source] = si
			pendSrcs = append(pendSrcs, k.source)
		}
		pendKeys = append(pendKeys, pendingKey{idAt: at, idLen: n, source: si})
		pendingHas = append(pendingHas, make([]uint64, m.words)...)
		return nil
	}
	resolve := func() error {
		resolved := make([]int32, len(pendKeys))
		for p := range pendKeys {
			pk := &pendKeys[p]
			var err error
			if resolved[p], err = row(respKey{pendSrcs[pk.source], pendIDs.get(pk.idAt, pk.idLen)}); err != nil {
				return err
			}
			m.addResp(resolved[p], pendingHas[p*m.words:(p+1)*m.words])
		}
		m.remapPicks(func(ri int32) int32 {
			if ri < 0 {
				return resolved[-1-ri]
			}
			return ri
		})
		pending, pendKeys, pendIDs, pendingHas = nil, nil, idArena{}, nil
		return nil
	}
	ready := false

	if in.Gold != nil {
		m.goldUnits, m.auto = map[string]bool{}, map[string][]string{}
	}
	m.unitN = make([]int, len(in.Codes))
	m.startQuotes()
	has := make([]uint64, m.words)
	show := make([]uint64, m.words)
	// Units come in runs of one source, and a respondent's answers one
	// after another: the last unit's source (interned name and counts) and
	// respondent spare most look-ups, whose cache misses were much of the
	// time spent per unit.
	var src string
	var sc *srcCount
	var lastKey respKey
	lastResp, haveLast := int32(0), false
	var refs []codeRef
	var quoting quoteScratch
	err := eachFact(m.corpus, func(u *UnitFact) error {
		if u.Context {
			return nil
		}
		if !ready {
			select {
			case <-respDone:
				ready = true
				if respErr != nil {
					return respErr
				}
				if err := resolve(); err != nil {
					return err
				}
				haveLast = false // it was pending
			default:
			}
		}
		if sc == nil || u.Source != src {
			src = str(u.Source)
			if sc = m.sources[src]; sc == nil {
				sc = &srcCount{}
				m.sources[src] = sc
			}
		}
		k := respKey{src, u.Respondent}
		var ri int32
		if haveLast && k == lastKey {
			ri = lastResp
		} else if ready {
			var err error
			if ri, err = row(k); err != nil {
				return err
			}
		} else {
			p, found := pending.add(k, int32(len(pendKeys)))
			if !found {
				if err := addPending(k); err != nil {
					return err
				}
			}
			ri = -1 - p
		}
		lastKey, lastResp, haveLast = k, ri, true
		sc.units++
		sc.survey = sc.survey || u.Survey
		clear(has)
		codes := u.Codes
		refs = m.setCodes(has, codes, refs[:0])
		for w, word := range has {
			for ; word != 0; word &= word - 1 {
				m.unitN[w*64+trailingZeros(word)]++
			}
		}
		if ri >= 0 {
			m.addResp(ri, has)
		} else {
			p := int(-1 - ri)
			for w, b := range has {
				pendingHas[p*m.words+w] |= b
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
		m.offerQuotes(&quoting, show, u.ID, ri, u.Good)
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
	<-respDone
	if respErr != nil {
		return nil, respErr
	}
	if err != nil {
		return nil, err
	}
	if !ready {
		if err := resolve(); err != nil {
			return nil, err
		}
	}
	byKey = nil // not needed past here, where the sort allocates
	// Rows of respondents without a non-context unit, read after the last
	// unit's respondent, have no code set yet.
	m.respHas = append(m.respHas, make([]uint64, len(m.resp)*m.words-len(m.respHas))...)

	// Respondents sorted by key, so every later loop is deterministic.
	// Source names are unique, so their ranks order them as the names do.
	// Keys are unique (byKey), so an unstable sort gives the one order a
	// stable sort would, faster.
	srcRank := make([]int32, len(m.srcNames))
	for r, name := range slices.Sorted(maps.Keys(m.srcIdx)) {
		srcRank[m.srcIdx[name]] = int32(r)
	}
	order := make([]int32, len(m.resp))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ra, rb := &m.resp[a], &m.resp[b]
		return cmp.Or(cmp.Compare(srcRank[ra.source], srcRank[rb.source]), m.ids.compare(ra.idAt, ra.idLen, rb.idAt, rb.idLen))
	})
	newPos := make([]int32, len(order))
	for pos, old := range order {
		newPos[old] = int32(pos)
	}
	m.permuteRespondents(order)
	m.weighted = m.weights != nil
	m.remapPicks(func(ri int32) int32 { return newPos[ri] })
	return m, nil
}

// addResp marks respondent ri as coded and adds the codes in has to its
// set. Rows are added as units reach them; respondents met only later, or
// never, are given an empty set then.
func (m *model) addResp(ri int32, has []uint64) {
	m.resp[ri].coded = true
	end := (int(ri) + 1) * m.words
	if end > len(m.respHas) {
		m.respHas = append(m.respHas, make([]uint64, end-len(m.respHas))...)
	}
	for w, b := range has {
		m.respHas[int(ri)*m.words+w] |= b
	}
}

// addRespondent appends a respondent row with this ID, source and wave.
func (m *model) addRespondent(id string, source, wave int32) error {
	at, n, err := m.ids.add(id)
	if err != nil {
		return err
	}
	m.resp = append(m.resp, respondent{idAt: at, idLen: n, source: source, wave: wave})
	return nil
}

// idArena holds IDs one after another in one byte slice, each a range of
// it, so that a million IDs are neither a million allocations nor as many
// pointers for the garbage collector to visit. An ID of the form privacy
// gives respondents, "R-" and twelve lower-case hex digits, takes no bytes
// at all: its 48 bits go into the range's two numbers (packedID marks
// them), a quarter of what the analysis holds per respondent of a national
// survey (BenchmarkModelHeap).
type idArena struct{ b []byte }

// packedID marks a range whose numbers hold the ID's value: the upper 16
// bits below the mark in n, the lower 32 in at. A stored ID is never 2 GB
// long, so no real length has the bit.
const packedID = 1 << 31

// pseudonymLen is the length of a pseudonymous respondent ID, "R-" and
// twelve hex digits.
const pseudonymLen = 14

// packable returns the 48-bit value of a pseudonymous respondent ID.
// Only lower-case digits pack, so that an ID and its value are one to one
// and packed IDs order as their bytes do.
func packable(id string) (uint64, bool) {
	if len(id) != pseudonymLen || id[0] != 'R' || id[1] != '-' {
		return 0, false
	}
	var v uint64
	for i := 2; i < pseudonymLen; i++ {
		c := id[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// add stores id and returns its range.
func (a *idArena) add(id string) (at, n uint32, err error) {
	if v, ok := packable(id); ok {
		return uint32(v), packedID | uint32(v>>32), nil
	}
	if len(a.b)+len(id) > math.MaxUint32 {
		return 0, 0, fmt.Errorf("more respondent IDs than analysis can hold (%d bytes of them); split the study", len(a.b)+len(id))
	}
	at = uint32(len(a.b))
	a.b = append(a.b, id...)
	return at, uint32(len(id)), nil
}

// get returns the ID at at, n.
func (a *idArena) get(at, n uint32) string {
	if n&packedID != 0 {
		var buf [pseudonymLen]byte
		return string(a.spell(&buf, at, n))
	}
	return string(a.b[at : at+n])
}

// spell returns the bytes of the ID at at, n, in buf when it is packed.
func (a *idArena) spell(buf *[pseudonymLen]byte, at, n uint32) []byte {
	if n&packedID == 0 {
		return a.b[at : at+n]
	}
	const hex = "0123456789abcdef"
	v := uint64(n&^packedID)<<32 | uint64(at)
	buf[0], buf[1] = 'R', '-'
	for i := pseudonymLen - 1; i >= 2; i-- {
		buf[i] = hex[v&15]
		v >>= 4
	}
	return buf[:]
}

// equal reports whether the ID at at, n is id.
func (a *idArena) equal(at, n uint32, id string) bool {
	if n&packedID == 0 {
		return string(a.b[at:at+n]) == id
	}
	v, ok := packable(id)
	return ok && v == uint64(n&^packedID)<<32|uint64(at)
}

// compare orders two stored IDs as their bytes order.
func (a *idArena) compare(at1, n1, at2, n2 uint32) int {
	if n1&n2&packedID != 0 {
		return cmp.Compare(uint64(n1&^packedID)<<32|uint64(at1), uint64(n2&^packedID)<<32|uint64(at2))
	}
	var b1, b2 [pseudonymLen]byte
	return bytes.Compare(a.spell(&b1, at1, n1), a.spell(&b2, at2, n2))
}

// weight is respondent i's weight in estimates: 1 when unweighted.
func (m *model) weight(i int) float64 {
	if m.weights == nil {
		return 1
	}
	return m.weights[i]
}

// sourceIndex numbers a source name, once.
func (m *model) sourceIndex(name string) int32 {
	i, ok := m.srcIdx[name]
	if !ok {
		i = int32(len(m.srcNames))
		m.srcIdx[name] = i
		m.srcNames = append(m.srcNames, name)
	}
	return i
}

// readRespondents reads the corpus' respondents into m.resp (the first of
// a key wins; ingest owns uniqueness) and m.attrVals, and returns their
// index by key.
func (m *model) readRespondents() (*respIndex, error) {
	in := &m.in
	waveIdx := map[string]int32{}
	attrIdx := make([]map[string]int32, len(in.Attributes))
	m.attrVals = make([][]string, len(in.Attributes))
	for k := range attrIdx {
		attrIdx[k] = map[string]int32{}
	}
	byKey := newRespIndex(m.isResp)
	err := m.corpus.Respondents(func(r study.Respondent) error {
		k := respKey{r.Source, r.ID}
		if _, dup := byKey.add(k, int32(len(m.resp))); dup {
			return nil
		}
		wave := int32(-1)
		if r.Wave != "" {
			var ok bool
			if wave, ok = waveIdx[r.Wave]; !ok {
				wave = int32(len(m.waveVals))
				waveIdx[r.Wave] = wave
				m.waveVals = append(m.waveVals, r.Wave)
			}
		}
		switch w := r.Weight; {
		case w > 0 && !math.IsInf(w, 0):
			if m.weights == nil {
				// The first weight: everybody before it weighs 1.
				m.weights = make([]float64, len(m.resp), cap(m.resp))
				for i := range m.weights {
					m.weights[i] = 1
				}
			}
			m.weights = append(m.weights, w)
		case m.weights != nil:
			m.weights = append(m.weights, 1)
		}
		if err := m.addRespondent(r.ID, m.sourceIndex(k.source), wave); err != nil {
			return err
		}
		for a, attr := range in.Attributes {
			i := int32(-1)
			if v := r.Attributes[attr]; v != "" {
				var ok bool
				if i, ok = attrIdx[a][v]; !ok {
					i = int32(len(m.attrVals[a]))
					attrIdx[a][v] = i
					m.attrVals[a] = append(m.attrVals[a], v)
				}
			}
			m.respAttrs = append(m.respAttrs, i)
		}
		for _, spec := range in.Likert {
			var p int16
			if v, ok := r.Likert[spec.Item]; ok && v >= 1 && v <= len(spec.Scale) && v <= math.MaxInt16 {
				p = int16(v)
			}
			m.respLikert = append(m.respLikert, p)
		}
		return nil
	})
	return byKey, err
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

// respAttr is respondent i's value index of attribute k, -1 without one.
func (m *model) respAttr(i, k int) int32 { return m.respAttrs[i*len(m.in.Attributes)+k] }

// respLikertPoint is respondent i's answer to Likert item j, 0 without one.
func (m *model) respLikertPoint(i, j int) int16 { return m.respLikert[i*len(m.in.Likert)+j] }

// permuteRespondents puts respondent order[pos] at pos, with their rows, in
// place: a sorted copy would hold the respondents twice at the end of the
// corpus read, when the heap is largest. order is left the identity.
func (m *model) permuteRespondents(order []int32) {
	na, nl, nw := len(m.in.Attributes), len(m.in.Likert), m.words
	tmpA, tmpL, tmpH := make([]int32, na), make([]int16, nl), make([]uint64, nw)
	for start := range order {
		if int(order[start]) == start {
			continue
		}
		tmp := m.resp[start]
		tmpW := m.weight(start)
		copy(tmpA, m.respAttrs[start*na:])
		copy(tmpL, m.respLikert[start*nl:])
		copy(tmpH, m.respHas[start*nw:])
		j := start
		for {
			k := int(order[j])
			order[j] = int32(j)
			if k == start {
				m.resp[j] = tmp
				if m.weights != nil {
					m.weights[j] = tmpW
				}
				copy(m.respAttrs[j*na:(j+1)*na], tmpA)
				copy(m.respLikert[j*nl:(j+1)*nl], tmpL)
				copy(m.respHas[j*nw:(j+1)*nw], tmpH)
				break
			}
			m.resp[j] = m.resp[k]
			if m.weights != nil {
				m.weights[j] = m.weights[k]
			}
			copy(m.respAttrs[j*na:(j+1)*na], m.respAttrs[k*na:(k+1)*na])
			copy(m.respLikert[j*nl:(j+1)*nl], m.respLikert[k*nl:(k+1)*nl])
			copy(m.respHas[j*nw:(j+1)*nw], m.respHas[k*nw:(k+1)*nw])
			j = k
		}
	}
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

// rSet is respondent i's code set.
func (m *model) rSet(i int) []uint64 { return m.respHas[i*m.words : (i+1)*m.words] }

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
