package privacy

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/maphash"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Options configures a Pseudonymizer; it mirrors config.Privacy.
type Options struct {
	// KeyFile holds the study secret; created on first use.
	KeyFile string
	// Names are extra person names to replace wherever they occur.
	Names []string
	// NamesFile lists extra person names, one per line; blank lines and
	// lines starting with '#' are skipped.
	NamesFile string
}

// Kind is a kind of personal data.
type Kind string

// The kinds of personal data the Pseudonymizer recognises.
const (
	Email          Kind = "email"
	Phone          Kind = "phone"
	BSN            Kind = "bsn"
	NationalNumber Kind = "national_number"
	IBAN           Kind = "iban"
	Postcode       Kind = "postcode"
	Address        Kind = "address"
	BirthDate      Kind = "birth_date"
	URL            Kind = "url"
	Person         Kind = "person"
)

// labels are the token names reports show; Dutch, as the ministry reads
// them.
var labels = map[Kind]string{
	Email:          "EMAIL",
	Phone:          "TELEFOON",
	BSN:            "BSN",
	NationalNumber: "RIJKSREGISTER",
	IBAN:           "IBAN",
	Postcode:       "POSTCODE",
	Address:        "ADRES",
	BirthDate:      "GEBOORTEDATUM",
	URL:            "URL",
	Person:         "PERSOON",
}

// Kinds returns every Kind, sorted.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(labels))
	for k := range labels {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Pseudonymizer replaces personal data with stable pseudonyms. It is safe
// for concurrent use.
type Pseudonymizer struct {
	mac      sync.Pool // of *macState keyed with the study secret
	names    *nameDict // Options.Names and NamesFile
	sources  nameSource
	warnings []string

	// known caches the dictionaries of known-name lists: the orchestrator
	// passes one list for every turn of a transcript.
	mu    sync.Mutex
	known map[string]*nameDict

	// ids remembers recent respondent IDs, slotted by a hash of the raw
	// ID: a run asks for one respondent's ID once for the respondent, once
	// for each of its units and once more for each unit it claims, and
	// each answer costs an HMAC.
	ids    [idSlots]atomic.Pointer[idEntry]
	idSeed maphash.Seed

	// values caches Text of attribute and closed-answer values: they come
	// from a few labels ("jeugd", "Oost", "Eens") repeated in every row.
	valuesMu sync.Mutex
	values   map[string]string
}

// idSlots is the size of Pseudonymizer.ids: the claimer asks for IDs up to
// a few thousand respondents after the store pass did.
const idSlots = 4096

// idEntry is a respondent ID made earlier; key is the ID, the source, a
// zero byte and the raw ID in one string, so a hit compares the key and
// the slot holds no part of a larger string (an ingest record).
type idEntry struct {
	key     string
	nSource int
}

// Caps on Pseudonymizer.values: free-text values ("other, namely") are
// mostly unique, so the cache starts over when full and does not keep
// long values.
const (
	maxValues   = 4096
	maxValueLen = 128
)

// knownDict returns the dictionary for a known-name list, built once.
func (p *Pseudonymizer) knownDict(known []string) *nameDict {
	key := strings.Join(known, "\x00")
	p.mu.Lock()
	defer p.mu.Unlock()
	if d, ok := p.known[key]; ok {
		return d
	}
	if p.known == nil || len(p.known) >= 1024 {
		p.known = map[string]*nameDict{} // a new study wave or a stray caller; start over
	}
	d := newNameDict(known, fromKnown)
	p.known[key] = d
	return d
}

// New reads (or creates) the key file and compiles the configured names.
func New(opts Options) (*Pseudonymizer, error) {
	key, warnings, err := loadKey(opts.KeyFile)
	if err != nil {
		return nil, err
	}
	names := slices.Clone(opts.Names)
	if opts.NamesFile != "" {
		more, err := readNames(opts.NamesFile)
		if err != nil {
			return nil, err
		}
		names = append(names, more...)
	}
	p := &Pseudonymizer{
		names:    newNameDict(names, fromConfig),
		sources:  allSources,
		warnings: warnings,
	}
	p.mac.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	p.idSeed = maphash.MakeSeed()
	return p, nil
}

// Warnings lists problems that do not stop a run but that the user should
// fix, such as a key file others may read. The orchestrator prints them.
func (p *Pseudonymizer) Warnings() []string { return slices.Clone(p.warnings) }

func readNames(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("privacy: cannot read names file %s: %w; fix privacy.names_file or create the file (one name per line)", path, err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names = append(names, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("privacy: names file %s: %w", path, err)
	}
	return names, nil
}

// macState is a keyed HMAC with room for its input and output, pooled so
// that hashing a respondent ID or a value allocates nothing: it runs for
// every unit.
type macState struct {
	h   hash.Hash
	in  []byte
	out [sha256.Size]byte
}

// writeSum writes the first n bytes of the HMAC of the parts, hex-encoded,
// to b. A zero byte separates the parts so ("ab","c") and ("a","bc")
// differ.
func (p *Pseudonymizer) writeSum(b *strings.Builder, n int, parts ...string) {
	m := p.mac.Get().(*macState)
	m.in = m.in[:0]
	for i, s := range parts {
		if i > 0 {
			m.in = append(m.in, 0)
		}
		m.in = append(m.in, s...)
	}
	m.h.Reset()
	m.h.Write(m.in)
	var hx [2 * sha256.Size]byte
	hex.Encode(hx[:], m.h.Sum(m.out[:0])[:n])
	b.Write(hx[:2*n])
	if cap(m.in) > 4096 {
		m.in = nil // a huge value; do not keep its buffer
	}
	p.mac.Put(m)
}

// token is the replacement of a value of kind k; value is normalised.
func (p *Pseudonymizer) token(k Kind, value string) string {
	var b strings.Builder
	b.Grow(len(labels[k]) + 11)
	p.writeToken(&b, k, value)
	return b.String()
}

func (p *Pseudonymizer) writeToken(b *strings.Builder, k Kind, value string) {
	b.WriteByte('[')
	b.WriteString(labels[k])
	b.WriteByte('-')
	p.writeSum(b, 4, string(k), value)
	b.WriteByte(']')
}

// Text returns text with every personal value replaced by its token. known
// lists names that must be replaced here (participants, speakers).
func (p *Pseudonymizer) Text(text string, known []string) string {
	spans := p.detect(text, known)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 24*len(spans)) // "[TELEFOON-1234abcd]"
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.start])
		p.writeToken(&b, s.kind, s.value)
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// Scan counts the personal values in text by kind, one per occurrence,
// without ever returning a value.
func (p *Pseudonymizer) Scan(text string, known []string) map[Kind]int {
	counts := map[Kind]int{}
	for _, s := range p.detect(text, known) {
		counts[s.kind]++
	}
	return counts
}

// isRespondentToken reports whether raw is an ID RespondentID already
// made ("R-" and 12 lower-case hex digits), so pseudonymizing twice
// changes nothing.
func isRespondentToken(raw string) bool {
	if len(raw) != 14 || raw[0] != 'R' || raw[1] != '-' {
		return false
	}
	for i := 2; i < len(raw); i++ {
		if c := raw[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// RespondentID returns the pseudonymous ID of respondent raw in source: "R-"
// and 12 hex digits. An ID that already has that form is returned as is.
func (p *Pseudonymizer) RespondentID(source, raw string) string {
	if isRespondentToken(raw) {
		return raw
	}
	slot := &p.ids[maphash.String(p.idSeed, raw)&(idSlots-1)]
	if e := slot.Load(); e != nil && e.hit(source, raw) {
		return e.key[:14]
	}
	var b strings.Builder
	b.Grow(14 + len(source) + 1 + len(raw))
	b.WriteString("R-")
	p.writeSum(&b, 6, "respondent", source, raw)
	b.WriteString(source)
	b.WriteByte(0)
	b.WriteString(raw)
	e := &idEntry{key: b.String(), nSource: len(source)}
	slot.Store(e)
	return e.key[:14]
}

func (e *idEntry) hit(source, raw string) bool {
	k := e.key[14:]
	return e.nSource == len(source) && len(k) == len(source)+1+len(raw) && k[:len(source)] == source && k[len(source)+1:] == raw
}

// Respondent returns r with its ID pseudonymized and its closed answers and
// attributes run through Text, since "other, namely" columns hold free text
// and attributes are printed as group labels in every breakdown (a team
// named after its leader, a participants sidecar with a phone number).
// Ordinary values ("jeugd", "Oost") come back unchanged, so groups stay.
// r is not modified; a map none of whose values changes is returned as
// is, shared with r, so callers must not modify either.
func (p *Pseudonymizer) Respondent(r study.Respondent) study.Respondent {
	r.ID = p.RespondentID(r.Source, r.ID)
	r.Closed = p.textValues(r.Closed)
	r.Attributes = p.textValues(r.Attributes)
	return r
}

// textValues returns m with every value run through Text: m itself when
// no value changes, as for almost every respondent, else a new map; nil
// stays nil.
func (p *Pseudonymizer) textValues(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	type kv struct{ k, v string }
	var buf [16]kv
	vs := buf[:0]
	changed := false
	for k, v := range m {
		t := p.valueText(v)
		changed = changed || t != v
		vs = append(vs, kv{k, t})
	}
	if !changed {
		return m
	}
	out := make(map[string]string, len(vs))
	for _, e := range vs {
		out[e.k] = e.v
	}
	return out
}

// valueText is Text(v, nil), remembered for short values.
func (p *Pseudonymizer) valueText(v string) string {
	if len(v) > maxValueLen {
		return p.Text(v, nil)
	}
	p.valuesMu.Lock()
	t, ok := p.values[v]
	p.valuesMu.Unlock()
	if ok {
		return t
	}
	t = p.Text(v, nil)
	// Neither key nor value may hold on to an ingest record; Text returns
	// an unchanged value as is.
	same := t == v
	v = strings.Clone(v)
	if same {
		t = v
	}
	p.valuesMu.Lock()
	if p.values == nil || len(p.values) >= maxValues {
		p.values = make(map[string]string)
	}
	p.values[v] = t
	p.valuesMu.Unlock()
	return t
}

// Unit returns u with its text, respondent and speaker pseudonymized and
// its ID recomputed from them. A speaker label that is a name counts as a
// known name for the text too.
func (p *Pseudonymizer) Unit(u study.Unit, known []string) study.Unit {
	if u.Speaker != "" && !isRole(u.Speaker) && !isToken(u.Speaker) {
		known = append(slices.Clip(known), u.Speaker)
		u.Speaker = p.token(Person, normName(u.Speaker))
	}
	u.Text = p.Text(u.Text, known)
	u.Respondent = p.RespondentID(u.Source, u.Respondent)
	u.ID = study.MakeUnitID(u)
	return u
}

// roleLabel matches speaker labels that name a role, not a person,
// optionally numbered: "Interviewer", "R", "Int 2", "Spreker 1".
var roleLabel = regexp.MustCompile(`(?i)^(?:interviewer|interviewee|i|r|int|resp|respondent|moderator|mod|spreker|speaker|deelnemer|participant|onderzoeker|gespreksleider)(?:[ _-]?\d{1,3}|[ _-]?[a-z])?$`)

func isRole(label string) bool { return roleLabel.MatchString(strings.TrimSpace(label)) }

func isToken(s string) bool {
	s = strings.TrimSpace(s)
	return tokenRE.MatchString(s) && tokenRE.FindString(s) == s
}
