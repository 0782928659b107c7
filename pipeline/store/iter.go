package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// Streaming reads for the analysis and report stages: a national survey's
// units, texts and matches do not fit comfortably in memory, so those stages
// read them one unit at a time, in unit order, as often as they need.

// scanCacheKB is the page cache of a connection while it streams: a scan
// reads each page once, so a small cache serves it as well as the 64 MB
// one (see Open) that writes need, and the report stage runs up to four
// scans at once.
const scanCacheKB = 4096

// scanConn takes a connection from the pool with a small page cache for a
// streaming read; release gives its cache size back (freeing the pages
// above the small size on the way) and returns it to the pool.
func (s *Store) scanConn(ctx context.Context) (*sql.Conn, func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var size int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&size); err != nil {
		conn.Close()
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, scanCacheKB)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	release := func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, size))
		conn.Close()
	}
	return conn, release, nil
}

const unitsWithCodings = `SELECT ` + unitColumns + `, c.codes, c.matches FROM units u
LEFT JOIN codings c ON c.unit_id = u.id AND c.codebook_hash = ? AND c.unit_hash = u.hash`

// UnitsWithCodings calls fn with every unit, context units included, in
// order of (source, file, seq, id), and its current coding under
// codebookHash, or nil when it has none (context units, units not coded yet,
// codings computed from content the unit no longer has). fn must not keep
// the coding pointer beyond the call. An error from fn stops the scan and is
// returned unwrapped.
func (s *Store) UnitsWithCodings(ctx context.Context, codebookHash string, fn func(study.Unit, *study.Coding) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read units with codings: %w", err)
	}
	defer release()
	rows, err := conn.QueryContext(ctx, unitsWithCodings+` `+unitOrder, codebookHash)
	if err != nil {
		return fmt.Errorf("store: read units with codings: %w", err)
	}
	return scanUnitsWithCodings(rows, fn)
}

// UnitsByID is UnitsWithCodings for the units with the given IDs only (IDs
// the store does not hold are skipped), in unit order within batches of
// IDs; callers that need an order look units up by ID.
func (s *Store) UnitsByID(ctx context.Context, codebookHash string, ids []string, fn func(study.Unit, *study.Coding) error) error {
	const batch = 500
	for len(ids) > 0 {
		n := min(len(ids), batch)
		args := make([]any, 0, n+1)
		args = append(args, codebookHash)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		q := unitsWithCodings + ` WHERE u.id IN (?` + strings.Repeat(`, ?`, n-1) + `) ` + unitOrder
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: read units by id: %w", err)
		}
		if err := scanUnitsWithCodings(rows, fn); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func scanUnitsWithCodings(rows *sql.Rows, fn func(study.Unit, *study.Coding) error) error {
	defer rows.Close()
	var c study.Coding
	in := interner{}
	for rows.Next() {
		var u study.Unit
		var codes, matches sql.RawBytes
		if err := rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.QuestionLabel,
			&u.Speaker, &u.Position, &u.Seq, &u.Text, &u.Lang, &u.Context, &codes, &matches); err != nil {
			return fmt.Errorf("store: read units with codings: %w", err)
		}
		var cp *study.Coding
		if codes != nil {
			c = study.Coding{UnitID: u.ID}
			var err error
			if c.Codes, err = decodeCodes(codes, in); err != nil {
				return fmt.Errorf("store: read coding of unit %q: %w", u.ID, err)
			}
			if c.Matches, err = decodeMatchesFast(matches, in); err != nil {
				return fmt.Errorf("store: read coding of unit %q: %w", u.ID, err)
			}
			cp = &c
		}
		if err := fn(u, cp); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read units with codings: %w", err)
	}
	return nil
}

// decodeCodes decodes a JSON array of code IDs. IDs without escapes (all
// real ones) are read directly; anything else goes through encoding/json.
func decodeCodes(b []byte, in interner) ([]string, error) {
	p := jsonScan{b: b, in: in}
	if p.lit("null") {
		return nil, nil
	}
	out, ok := []string{}, p.byte('[')
	for ok && !p.byte(']') {
		if len(out) > 0 && !p.byte(',') {
			ok = false
			break
		}
		var s string
		if s, ok = p.str(); ok {
			out = append(out, s)
		}
	}
	if ok && p.end() {
		return out, nil
	}
	var slow []string
	err := json.Unmarshal(b, &slow)
	return slow, err
}

// decodeMatchesFast is decodeMatches for the layout encodeMatches writes
// ({"c":…,"t":…,"s":…,"e":…[,"n":true]}); anything else (escaped strings,
// other key orders) falls back to decodeMatches, so the result is the same.
// The report stage reads every unit's matches several times, and
// encoding/json's reflection was most of that.
func decodeMatchesFast(b []byte, in interner) ([]study.Match, error) {
	p := jsonScan{b: b, in: in}
	if p.lit("null") && p.end() {
		return nil, nil
	}
	out, ok := []study.Match{}, p.byte('[')
	for ok && !p.byte(']') {
		if len(out) > 0 && !p.byte(',') {
			ok = false
			break
		}
		var m study.Match
		ok = p.byte('{') && p.key("c") && p.strTo(&m.Code) && p.byte(',') && p.key("t") && p.strTo(&m.Term) &&
			p.byte(',') && p.key("s") && p.intTo(&m.Span.Start) && p.byte(',') && p.key("e") && p.intTo(&m.Span.End)
		if ok && p.byte(',') {
			ok = p.key("n") && p.lit("true")
			m.Negated = true
		}
		ok = ok && p.byte('}')
		out = append(out, m)
	}
	if ok && p.end() {
		return out, nil
	}
	return decodeMatches(b)
}

// jsonScan reads the compact JSON encoding/json writes; every method
// reports false on anything it does not expect, and callers fall back.
type jsonScan struct {
	b  []byte
	i  int
	in interner
}

// interner shares the strings of a scan: codes and terms come from a
// codebook, so a few hundred strings stand for millions of matches.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if in != nil && len(in) < 1<<16 {
		in[s] = s
	}
	return s
}

func (p *jsonScan) end() bool { return p.i == len(p.b) }

func (p *jsonScan) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScan) lit(s string) bool {
	if strings.HasPrefix(string(p.b[p.i:min(len(p.b), p.i+len(s))]), s) {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a string; escapes other than surrogate pairs are decoded.
func (p *jsonScan) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			s := p.in.get(p.b[start:p.i])
			p.i++
			return s, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// escaped finishes a string that has escapes, from its start.
func (p *jsonScan) escaped(start int) (string, bool) {
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return p.in.get(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return "", false
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			if p.i+4 > len(p.b) {
				return "", false
			}
			r, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
			if err != nil || r >= 0xD800 && r < 0xE000 {
				return "", false // surrogates: leave them to encoding/json
			}
			buf = utf8.AppendRune(buf, rune(r))
			p.i += 4
		default:
			return "", false
		}
	}
	return "", false
}

func (p *jsonScan) strTo(dst *string) bool {
	s, ok := p.str()
	*dst = s
	return ok
}

func (p *jsonScan) key(k string) bool {
	return p.byte('"') && p.lit(k) && p.byte('"') && p.byte(':')
}

func (p *jsonScan) intTo(dst *int) bool {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(string(p.b[start:p.i]))
	*dst = n
	return err == nil
}

// UnitsWithCodes is UnitsWithCodings without texts and matches (Unit.Text is
// empty, codes nil without a current coding): for tables with a row per unit
// and a column per code, which need neither and are written from a national
// survey's whole store.
func (s *Store) UnitsWithCodes(ctx context.Context, codebookHash string, fn func(study.Unit, []string) error) error {
	conn, release, err := s.scanConn(ctx)
	if err != nil {
		return fmt.Errorf("store: read units with codes: %w", err)
	}
	defer release()
	rows, err := conn.QueryContext(ctx, `SELECT u.id, u.source, u.file, u.respondent, u.question, u.question_label,
	u.speaker, u.position, u.seq, u.lang, u.context, c.codes FROM units u
LEFT JOIN codings c ON c.unit_id = u.id AND c.codebook_hash = ? AND c.unit_hash = u.hash `+unitOrder, codebookHash)
	if err != nil {
		return fmt.Errorf("store: read units with codes: %w", err)
	}
	defer rows.Close()
	in := interner{}
	for rows.Next() {
		var u study.Unit
		var codes sql.RawBytes
		if err := rows.Scan(&u.ID, &u.Source, &u.File, &u.Respondent, &u.Question, &u.QuestionLabel,
			&u.Speaker, &u.Position, &u.Seq, &u.Lang, &u.Context, &codes); err != nil {
			return fmt.Errorf("store: read units with codes: %w", err)
		}
		var cs []string
		if codes != nil {
			if cs, err = decodeCodes(codes, in); err != nil {
				return fmt.Errorf("store: read coding of unit %q: %w", u.ID, err)
			}
		}
		if err := fn(u, cs); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read units with codes: %w", err)
	}
	return nil
}
