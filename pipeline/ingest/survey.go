package ingest

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/spill"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Limits on survey input. Beyond them a file is almost certainly not what
// the user meant to give us, and holding it would exhaust memory.
const (
	maxColumns  = 10000
	maxCellSize = 1 << 20
)

// defaultNonAnswers are answers that say nothing. They are compared after
// normalizeAnswer, so "N.v.t." and "nvt." match "n.v.t".
var defaultNonAnswers = []string{
	"n.v.t.", "nvt", "n.v.t", "-", "--", "geen", "nee", "niets", "weet niet",
	"geen idee", "n/a", "na", "none", "no", "nothing", ".",
}

// normalizeAnswer lowercases, trims and drops trailing punctuation so that
// non-answers match however they were typed.
func normalizeAnswer(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.TrimRightFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// nonAnswers is the lookup for Source.NonAnswers (or the defaults), by
// normalized text; longest is the most code points any of them has.
type nonAnswers struct {
	set     map[string]bool
	longest int
}

// nonAnswerSet builds the lookup for Source.NonAnswers (or the defaults).
func nonAnswerSet(list []string) nonAnswers {
	if len(list) == 0 {
		list = defaultNonAnswers
	}
	na := nonAnswers{set: make(map[string]bool, len(list))}
	for _, s := range list {
		n := normalizeAnswer(s)
		na.set[n] = true
		na.longest = max(na.longest, utf8.RuneCountInString(n))
	}
	return na
}

// isNonAnswer: empty answers never count; a text consisting only of
// punctuation ("-", "...") normalizes to "" and is not an answer either.
// Lower-casing keeps the number of code points and letters stay letters,
// so an answer with more code points between its trimmed ends than the
// longest non-answer is an answer: most are, and normalizing every one
// (lower-casing the whole text) was a tenth of reading a survey.
func isNonAnswer(s string, na nonAnswers) bool {
	t := strings.TrimRightFunc(strings.TrimSpace(s), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
	runes := 0
	for range t {
		if runes++; runes > na.longest {
			return false
		}
	}
	n := normalizeAnswer(s)
	return n == "" || na.set[n]
}

// respondentUnits is one respondent ready to emit.
type respondentUnits struct {
	r     study.Respondent
	units []study.Unit
}

// columnNames lists the columns for hints about missing columns.
func columnNames(cols []Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = strconv.Quote(c.Name)
	}
	s := strings.Join(names, ", ")
	if len(s) > 600 {
		s = s[:600] + " …"
	}
	return "the file has columns " + s
}

// matchColumns resolves a config column reference: an exact name, a name
// differing only in case or surrounding space, a glob (Q5_*), a question
// text ("label:" + substring, case-insensitive) or, for exports whose
// headers are the question texts, the label itself.
func matchColumns(cols []Column, ref string) []int {
	var out []int
	if rest, ok := strings.CutPrefix(ref, "label:"); ok {
		want := lowerTrim(rest)
		for i, c := range cols {
			l := c.Label
			if l == "" {
				l = c.Name
			}
			if want != "" && strings.Contains(strings.ToLower(l), want) {
				out = append(out, i)
			}
		}
		return out
	}
	if strings.ContainsAny(ref, "*?[") {
		for i, c := range cols {
			if ok, _ := path.Match(ref, c.Name); ok {
				out = append(out, i)
			} else if ok, _ := path.Match(strings.ToLower(ref), strings.ToLower(c.Name)); ok {
				out = append(out, i)
			}
		}
		return out
	}
	for _, eq := range []func(c Column) bool{
		func(c Column) bool { return c.Name == ref },
		func(c Column) bool { return lowerTrim(c.Name) == lowerTrim(ref) },
		func(c Column) bool { return c.Label != "" && lowerTrim(c.Label) == lowerTrim(ref) },
	} {
		for i, c := range cols {
			if eq(c) {
				out = append(out, i)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// normalizeScaleLabel makes Likert label matching case- and space-insensitive.
func normalizeScaleLabel(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// parseWeight accepts both decimal separators, because Dutch exports write
// "1,25" and thousands separators do not occur in weights.
func parseWeight(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.ReplaceAll(s, ",", ".")
	}
	return strconv.ParseFloat(s, 64)
}

// likertItem is one configured scale item resolved to its column.
type likertItem struct {
	name   string
	col    int
	scale  []string
	labels map[string]int
}

// surveyMapping is Source's column mapping resolved against one file.
type surveyMapping struct {
	id, weight int
	text       []int
	attrs      map[string]int
	likert     []likertItem
	personal   map[int]bool
}

// resolveMapping finds every configured column in the file and assigns
// column roles. Every missing column is a problem listing the real ones.
func resolveMapping(t *table, src config.Source, autoText bool, probs *problemList) *surveyMapping {
	m := &surveyMapping{id: -1, weight: -1, attrs: map[string]int{}, personal: map[int]bool{}}
	missing := func(what, ref string) {
		probs.add(t.headerLine, 0, columnNames(t.columns), "column %q (%s) not found", ref, what)
	}
	one := func(what, ref string) int {
		idx := matchColumns(t.columns, ref)
		if len(idx) == 0 {
			missing(what, ref)
			return -1
		}
		return idx[0]
	}
	for i, s := range t.system {
		if s == rolePersonal {
			m.personal[i] = true
		}
	}
	for _, ref := range src.Personal {
		for _, i := range matchColumns(t.columns, ref) {
			m.personal[i] = true
		}
	}
	refuse := func(i int, what string) bool {
		if i >= 0 && m.personal[i] {
			probs.add(t.headerLine, i+1, "remove it from the mapping; personal data is never stored", "column %q holds personal data and cannot be used as %s", t.columns[i].Name, what)
			return true
		}
		return false
	}
	if src.IDColumn != "" {
		m.id = one("id_column", src.IDColumn)
	} else {
		for i, s := range t.system {
			if s == roleID {
				m.id = i
				break
			}
		}
	}
	if refuse(m.id, "id_column") {
		m.id = -1
	}
	if src.WeightColumn != "" {
		m.weight = one("weight_column", src.WeightColumn)
		if refuse(m.weight, "weight_column") {
			m.weight = -1
		}
	}
	seen := map[int]bool{}
	for _, ref := range src.TextColumns {
		idx := matchColumns(t.columns, ref)
		if len(idx) == 0 {
			missing("text_columns", ref)
		}
		for _, i := range idx {
			if !seen[i] && !refuse(i, "text column") {
				seen[i] = true
				m.text = append(m.text, i)
			}
		}
	}
	sort.Ints(m.text)
	attrNames := make([]string, 0, len(src.Attributes))
	for name := range src.Attributes {
		attrNames = append(attrNames, name)
	}
	sort.Strings(attrNames)
	for _, name := range attrNames {
		i := one("attribute "+name, src.Attributes[name])
		if i >= 0 && !refuse(i, "attribute "+name) {
			m.attrs[name] = i
		}
	}
	for _, g := range src.Likert {
		labels := make(map[string]int, len(g.Scale))
		for k, l := range g.Scale {
			labels[normalizeScaleLabel(l)] = k + 1
		}
		items := make([]string, 0, len(g.Items))
		for name := range g.Items {
			items = append(items, name)
		}
		sort.Strings(items)
		for _, name := range items {
			i := one("likert item "+name, g.Items[name])
			if i >= 0 && !refuse(i, "likert item "+name) {
				m.likert = append(m.likert, likertItem{name: name, col: i, scale: g.Scale, labels: labels})
			}
		}
	}
	if autoText && len(src.TextColumns) == 0 {
		m.text = guessTextColumns(t, m)
	}
	roles := make([]string, len(t.columns))
	for i, s := range t.system {
		switch s {
		case rolePersonal, roleMetadata:
			roles[i] = s
		}
	}
	for _, l := range m.likert {
		roles[l.col] = roleLikert
	}
	for _, i := range m.attrs {
		roles[i] = roleAttribute
	}
	for _, i := range m.text {
		roles[i] = roleText
	}
	if m.weight >= 0 {
		roles[m.weight] = roleWeight
	}
	if m.id >= 0 {
		roles[m.id] = roleID
	}
	for i := range m.personal {
		roles[i] = rolePersonal
	}
	for i := range t.columns {
		if roles[i] == "" {
			roles[i] = roleOther
		}
		t.columns[i].Role = roles[i]
	}
	return m
}

// guessTextColumns picks the columns whose answers read like free text, for
// previews of files that have no mapping yet: answers that contain letters
// and, mostly, more than one word.
func guessTextColumns(t *table, m *surveyMapping) []int {
	var out []int
	for i := range t.columns {
		if t.system[i] != "" || m.personal[i] || i == m.id || i == m.weight {
			continue
		}
		nonEmpty, wordy, lettered := 0, 0, 0
		for _, r := range t.rows {
			if i >= len(r.cells) {
				continue
			}
			v := strings.TrimSpace(r.cells[i])
			if v == "" {
				continue
			}
			nonEmpty++
			if strings.IndexFunc(v, unicode.IsLetter) >= 0 {
				lettered++
				if len(strings.Fields(v)) >= 2 {
					wordy++
				}
			}
		}
		if nonEmpty > 0 && wordy*2 >= nonEmpty && lettered*10 >= nonEmpty*8 {
			out = append(out, i)
		}
	}
	return out
}

// mapSurvey turns a table into respondents and units, collecting every
// problem on the way.
func mapSurvey(t *table, file string, src config.Source, autoText bool, probs *problemList) []respondentUnits {
	sm := newSurveyMapper(t, file, src, autoText, probs)
	if sm == nil {
		return nil
	}
	var out []respondentUnits
	for _, rec := range t.rows {
		out = append(out, sm.row(rec))
	}
	sm.finish()
	return out
}

// surveyMapper maps a survey table's data rows one at a time, so that a
// CSV export can be streamed (see stream.go) with the same checks and the
// same output as a table held whole. What it keeps across rows is what
// finds repeated IDs (idLines): a buffer of IDs that spills to disk.
type surveyMapper struct {
	// units is the last row's units when rows reuse one slice (Stream):
	// a national export's rows each allocated theirs, a sixth of a run's
	// allocations.
	units      []study.Unit
	reuseUnits bool
	t          *table
	file       string
	src        config.Source
	m          *surveyMapping
	probs      *problemList
	nonAnswers nonAnswers
	isText     map[int]bool
	ids        idLines
	// noRepeats leaves out the search for repeated IDs: the rows are a
	// checked file's (StreamChecked).
	noRepeats bool
	n, seq    int // rows mapped, units made
}

// newSurveyMapper resolves the mapping; nil when the table cannot be a
// survey (the problem is added).
func newSurveyMapper(t *table, file string, src config.Source, autoText bool, probs *problemList) *surveyMapper {
	if len(t.columns) > maxColumns {
		probs.add(t.headerLine, 0, "check the delimiter and that this is a survey export", "file has %d columns, more than the %d allowed", len(t.columns), maxColumns)
		return nil
	}
	m := resolveMapping(t, src, autoText, probs)
	sm := &surveyMapper{t: t, file: file, src: src, m: m, probs: probs,
		nonAnswers: nonAnswerSet(src.NonAnswers), isText: make(map[int]bool, len(m.text))}
	for _, i := range m.text {
		sm.isText[i] = true
	}
	return sm
}

// row maps one data row.
func (sm *surveyMapper) row(rec record) respondentUnits {
	t, m, probs, src, file := sm.t, sm.m, sm.probs, sm.src, sm.file
	n := sm.n
	sm.n++
	cells := rec.cells
	if t.where == "line" {
		if len(cells) > len(t.columns) && !allEmpty(cells[len(t.columns):]) || len(cells) < len(t.columns) {
			probs.add(rec.line, 0, "a cell may hold an unquoted delimiter or line break; quote it, or check the delimiter", "row has %d fields, the header has %d", len(cells), len(t.columns))
		}
	}
	for j, c := range cells {
		if len(c) > maxCellSize {
			probs.add(rec.line, j+1, "split the text or check the quotes before this cell", "cell holds %d bytes, more than the %d allowed", len(c), maxCellSize)
			cells[j] = ""
		}
	}
	cell := func(i int) string {
		if i < 0 || i >= len(cells) {
			return ""
		}
		return cells[i]
	}
	r := study.Respondent{Source: src.Name, File: file, Wave: src.Wave}
	if m.id >= 0 {
		r.ID = strings.TrimSpace(cell(m.id))
		if r.ID == "" {
			probs.add(rec.line, m.id+1, "give every row an ID, or leave id_column empty to number the rows", "empty respondent ID in column %q", t.columns[m.id].Name)
		}
	} else {
		r.ID = strconv.Itoa(n + 1)
	}
	if r.ID != "" && !sm.noRepeats {
		sm.ids.add(r.ID, rec.line)
	}
	if m.weight >= 0 {
		v := strings.TrimSpace(cell(m.weight))
		w, err := parseWeight(v)
		if err != nil || w < 0 {
			probs.add(rec.line, m.weight+1, "weights are non-negative numbers like 1.25 or 1,25", "bad weight %q", v)
		} else {
			r.Weight = w
		}
	}
	for name, i := range m.attrs {
		if v := strings.TrimSpace(cell(i)); v != "" {
			if r.Attributes == nil {
				r.Attributes = map[string]string{}
			}
			r.Attributes[name] = v
		}
	}
	for _, l := range m.likert {
		v := strings.TrimSpace(cell(l.col))
		if isNonAnswer(v, sm.nonAnswers) {
			continue
		}
		k, ok := l.labels[normalizeScaleLabel(v)]
		if !ok {
			if x, err := strconv.Atoi(v); err == nil && x >= 1 && x <= len(l.scale) {
				k, ok = x, true
			} else if f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err == nil && f == float64(int(f)) && f >= 1 && int(f) <= len(l.scale) {
				k, ok = int(f), true
			}
		}
		if !ok {
			probs.add(rec.line, l.col+1, fmt.Sprintf("use one of %s or a number 1..%d", quoteList(l.scale), len(l.scale)), "bad Likert value %q for item %s", v, l.name)
			continue
		}
		if r.Likert == nil {
			r.Likert = map[string]int{}
		}
		r.Likert[l.name] = k
	}
	for i, c := range t.columns {
		if i == m.id || sm.isText[i] || c.Role == rolePersonal || c.Role == roleMetadata {
			continue
		}
		if v := strings.TrimSpace(cell(i)); v != "" {
			if r.Closed == nil {
				r.Closed = map[string]string{}
			}
			r.Closed[c.Name] = v
		}
	}
	ru := respondentUnits{r: r}
	if sm.reuseUnits {
		ru.units = sm.units[:0]
		defer func() { sm.units = ru.units }()
	}
	for _, i := range m.text {
		v := strings.TrimSpace(cell(i))
		if rec.raw != nil && i < len(rec.raw) {
			v = strings.TrimSpace(rec.raw[i])
		}
		if isNonAnswer(v, sm.nonAnswers) {
			continue
		}
		sm.seq++
		u := study.Unit{
			Source: src.Name, File: file, Respondent: r.ID,
			Question: t.columns[i].Name, QuestionLabel: t.columns[i].Label,
			Position: t.where + " " + strconv.Itoa(rec.line), Seq: sm.seq, Text: v,
		}
		u.ID = study.MakeUnitID(u)
		ru.units = append(ru.units, u)
	}
	return ru
}

// finish adds the problems that need every row: repeated respondent IDs,
// in the order the IDs first appear.
func (sm *surveyMapper) finish() {
	repeats, err := sm.ids.repeated()
	if err != nil {
		// Not the file's fault, but the check is not complete without it.
		sm.probs.add(0, 0, "free disk space, or set TMPDIR to a writable directory", "looking for repeated respondent IDs: %v", err)
	}
	for _, d := range repeats {
		ls := make([]string, len(d.lines))
		for i, l := range d.lines {
			ls[i] = strconv.Itoa(l)
		}
		sm.probs.add(d.lines[0], 0, "every row needs its own respondent ID; remove repeated rows or fix id_column", "duplicate respondent ID %q on %ss %s", d.id, sm.t.where, strings.Join(ls, ", "))
	}
}

// idLines finds repeated respondent IDs without holding every ID: each
// row adds its ID and line to a spill.Sorter, which keeps a 4 MB buffer
// and writes the rest to a temporary file as sorted runs, and the sorted
// IDs are walked once at the end. Before, each row kept 20 bytes (a hash
// and a line) and a Bloom filter kept a few bits more, 24 MB of a
// 1,000,000-row export's check, growing with the export (issue 10).
type idLines struct {
	sorter *spill.Sorter
	// limit is the sorter's buffer (spill.BufBytes when 0): tests make
	// it small so that small files spill too.
	limit int
	// err is the first failure to write the temporary file.
	err error
	enc [binary.MaxVarintLen64]byte
}

type repeatedID struct {
	id    string
	lines []int
}

func (s *idLines) add(id string, line int) {
	if s.err != nil {
		return
	}
	if s.sorter == nil {
		s.sorter = spill.NewSorter(s.limit)
	}
	n := binary.PutUvarint(s.enc[:], uint64(line))
	s.err = s.sorter.Add("", id, s.enc[:n])
}

// repeated lists the repeated IDs by the line they first appear on, each
// with its lines in order (the sorter keeps rows of one ID in the order
// they were added), and removes the temporary file.
func (s *idLines) repeated() ([]*repeatedID, error) {
	if s.sorter == nil {
		return nil, nil
	}
	defer s.sorter.Close()
	if s.err != nil {
		return nil, s.err
	}
	recs, err := s.sorter.Records()
	if err != nil {
		return nil, err
	}
	var (
		out  []*repeatedID
		last []byte
		cur  *repeatedID
		line int
	)
	for recs.Next() {
		l, n := binary.Uvarint(recs.Val())
		if n <= 0 {
			return nil, spill.ErrShort
		}
		key := recs.Key()
		switch {
		case cur != nil && bytes.Equal(key, last):
			cur.lines = append(cur.lines, int(l))
		case last != nil && bytes.Equal(key, last):
			// The key's second row: the ID repeats.
			cur = &repeatedID{id: string(key[1:]), lines: []int{line, int(l)}}
			out = append(out, cur)
		default:
			last, cur = append(last[:0], key...), nil
		}
		line = int(l)
	}
	if err := recs.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *repeatedID) int { return cmp.Compare(a.lines[0], b.lines[0]) })
	return out, nil
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}
