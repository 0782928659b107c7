package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/veldstem/veldstem/pipeline/study"
)

// A coding is stored as a blob (schema version 2):
//
//	format  byte     codingFormat
//	codes   uvarint  0 for a nil list, else len+1; then per code the
//	                 uvarint id of its (code, NULL) entry in coding_terms
//	matches uvarint  0 for a nil list, else len+1; then per match:
//	        uvarint  id<<1 | negated, id of its (code, term) entry
//	        varint   start minus the previous match's start (0 first)
//	        varint   end minus start
//
// Matches come in text order, so the deltas are a byte or two, and a match
// of a national survey takes about four bytes where its JSON took sixty to
// two hundred: every match repeated the code and the term, and terms may be
// long regular expressions. Nil and empty lists are told apart because
// callers see the difference.
const codingFormat = 1

// hashPrefix is how much of a unit's content hash a coding records, as the
// bytes of the first 16 hex digits. A coding is current when the prefix
// equals the unit's; a changed unit passes for unchanged only if its new
// hash shares 64 bits with the old, a chance of 2^-64 per change, and the
// hashes are SHA-256 of pseudonymized text nobody tunes for collisions. The
// full hash would add 24 bytes to each of a national survey's codings.
const hashPrefix = `unhex(substr(u.hash, 1, 16))`

// termEntry is one row of coding_terms. A match refers to an entry with a
// term; a listed code to one without (isCode).
type termEntry struct {
	code, term string
	isCode     bool
}

// terms is a codebook's coding_terms, indexed by id. Decoded codings share
// its strings, so a scan of millions of matches allocates none of them.
type terms []termEntry

// loadTerms reads codebook's entries. q must be the transaction the codings
// are read or written in, so every id a coding holds is there.
func loadTerms(ctx context.Context, q querier, codebook int64) (terms, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, code, term FROM coding_terms WHERE codebook = ? ORDER BY id`, codebook)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out terms
	for rows.Next() {
		var id int64
		var e termEntry
		var term sql.NullString
		if err := rows.Scan(&id, &e.code, &term); err != nil {
			return nil, err
		}
		if id != int64(len(out)) {
			// SaveCodings numbers entries densely; a gap is damage, and ids
			// beyond it would decode to the wrong strings.
			return nil, fmt.Errorf("coding_terms of codebook %d: id %d where %d was due", codebook, id, len(out))
		}
		e.term, e.isCode = term.String, !term.Valid
		out = append(out, e)
	}
	return out, rows.Err()
}

// querier is what loadTerms and codebookID need of a *sql.Tx or *sql.DB.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// codebookID is the id of codebookHash, or 0 with found false when the
// store has no codings under it.
func codebookID(ctx context.Context, q querier, codebookHash string) (id int64, found bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT id FROM codebooks WHERE hash = ?`, codebookHash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// errBadCoding is wrapped by every decoding error: the blob is not one
// SaveCodings wrote, so the store file is damaged.
var errBadCoding = errors.New("damaged coding")

// decode decodes a coding blob into c's Codes and, when withMatches, its
// Matches. It never panics on bad input, as the store file is outside
// input: a damaged or foreign blob is an error wrapping errBadCoding.
func (t terms) decode(b []byte, c *study.Coding, withMatches bool) error {
	return t.decodeFrom(b, c, withMatches, nil)
}

// slab hands out the lists of decoded codings from larger arrays, so a scan
// of a national survey makes an allocation per few hundred units instead of
// two per unit. The lists do not overlap and are capped at their length, so
// appending to one copies it rather than writing into the next; a caller
// that keeps one keeps its slab alive, which is why slabs are small.
type slab struct {
	codes   []string
	matches []study.Match
}

// slabCodes and slabMatches are a slab's sizes: 4 and 14 KB, the lists of
// some fifty units of a national survey. A list longer than a quarter of a
// slab gets an array of its own, so a slab leaves at most that unused.
const slabCodes, slabMatches = 256, 256

func (s *slab) newCodes(n int) []string {
	if s == nil || n > slabCodes/4 {
		return make([]string, n)
	}
	if s.codes == nil || n > cap(s.codes)-len(s.codes) {
		s.codes = make([]string, 0, slabCodes)
	}
	i := len(s.codes)
	s.codes = s.codes[:i+n]
	return s.codes[i : i+n : i+n]
}

func (s *slab) newMatches(n int) []study.Match {
	if s == nil || n > slabMatches/4 {
		return make([]study.Match, n)
	}
	if s.matches == nil || n > cap(s.matches)-len(s.matches) {
		s.matches = make([]study.Match, 0, slabMatches)
	}
	i := len(s.matches)
	s.matches = s.matches[:i+n]
	return s.matches[i : i+n : i+n]
}

// decodeFrom is decode with the lists taken from sl (nil: allocated each).
func (t terms) decodeFrom(b []byte, c *study.Coding, withMatches bool, sl *slab) error {
	d := decoder{b: b}
	if len(b) == 0 || b[0] != codingFormat {
		return fmt.Errorf("%w: format %v, want %d", errBadCoding, b[:min(len(b), 1)], codingFormat)
	}
	d.i = 1
	n, isNil := d.count(1)
	if d.err != nil {
		return d.err
	}
	if !isNil {
		c.Codes = sl.newCodes(n)
		for i := range c.Codes {
			e, _ := t.entry(&d, true, false)
			c.Codes[i] = e.code
		}
	}
	if !withMatches {
		return d.err
	}
	// A match takes at least three bytes.
	n, isNil = d.count(3)
	if d.err != nil {
		return d.err
	}
	if !isNil {
		c.Matches = sl.newMatches(n)
		start := int64(0)
		for i := range c.Matches {
			m := &c.Matches[i]
			e, neg := t.entry(&d, false, true)
			start += d.varint()
			end := start + d.varint()
			m.Code, m.Term, m.Span, m.Negated = e.code, e.term, study.Span{Start: int(start), End: int(end)}, neg
		}
	}
	if d.err == nil && d.i != len(b) {
		d.fail("%d bytes after the matches", len(b)-d.i)
	}
	return d.err
}

// entry reads an entry id (with the negated bit when flagged) and checks it
// refers to an entry of the wanted kind.
func (t terms) entry(d *decoder, isCode, flagged bool) (termEntry, bool) {
	v := d.uvarint()
	neg := false
	if flagged {
		v, neg = v>>1, v&1 == 1
	}
	if d.err != nil {
		return termEntry{}, false
	}
	if v >= uint64(len(t)) || t[v].isCode != isCode {
		kind := "term"
		if isCode {
			kind = "code"
		}
		d.fail("no %s entry %d among the codebook's %d", kind, v, len(t))
		return termEntry{}, false
	}
	return t[v], neg
}

// decoder reads varints from a blob; after the first error every read
// returns zero and the error stays.
type decoder struct {
	b   []byte
	i   int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format+" (at byte %d)", append([]any{errBadCoding}, append(args, d.i)...)...)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.i += n
	return v
}

// count reads a list length (0 for nil, else len+1). A length that the
// rest of the blob cannot hold at minBytes an item is refused before it is
// allocated.
func (d *decoder) count(minBytes int) (n int, isNil bool) {
	v := d.uvarint()
	if d.err != nil || v == 0 {
		return 0, d.err == nil
	}
	if v-1 > uint64((len(d.b)-d.i)/minBytes) {
		d.fail("%d items in %d bytes", v-1, len(d.b)-d.i)
		return 0, false
	}
	return int(v - 1), false
}

// termIDs numbers a codebook's entries while SaveCodings encodes: the
// entries stored so far, plus the ones this call adds.
type termIDs struct {
	ids   map[termEntry]uint64
	added []termEntry
	// recent remembers entries by where their strings are: a coder hands
	// out its codebook's own strings, so the millions of codes and matches
	// of a national survey name a few hundred entries through the same
	// few hundred pointers, and comparing pointers and lengths is cheaper
	// than hashing and comparing the strings (terms are regular
	// expressions of up to a hundred bytes) in ids: encode took a third
	// of SaveCodings. The slots point into the strings, so those stay
	// alive and no other string can come to have their address.
	recent [termSlots]termSlot
}

const termSlots = 1 << 9

type termSlot struct {
	code, term *byte
	lc, lt     int
	isCode     bool
	used       bool
	id         uint64
}

func newTermIDs(stored terms) *termIDs {
	t := &termIDs{ids: make(map[termEntry]uint64, len(stored))}
	for i, e := range stored {
		t.ids[e] = uint64(i)
	}
	return t
}

func (t *termIDs) id(e termEntry) uint64 {
	cp, tp := unsafe.StringData(e.code), unsafe.StringData(e.term)
	h := (uintptr(unsafe.Pointer(cp))*0x9e3779b1 ^ uintptr(unsafe.Pointer(tp))) >> 4
	slot := &t.recent[h%termSlots]
	if slot.used && slot.code == cp && slot.term == tp && slot.lc == len(e.code) && slot.lt == len(e.term) && slot.isCode == e.isCode {
		return slot.id
	}
	id, ok := t.ids[e]
	if !ok {
		id = uint64(len(t.ids))
		t.ids[e] = id
		t.added = append(t.added, e)
	}
	*slot = termSlot{code: cp, term: tp, lc: len(e.code), lt: len(e.term), isCode: e.isCode, used: true, id: id}
	return id
}

// encode appends c's blob to buf.
func (t *termIDs) encode(buf []byte, c study.Coding) []byte {
	buf = append(buf, codingFormat)
	count := func(n int, isNil bool) {
		if isNil {
			buf = append(buf, 0)
		} else {
			buf = binary.AppendUvarint(buf, uint64(n)+1)
		}
	}
	count(len(c.Codes), c.Codes == nil)
	for _, code := range c.Codes {
		buf = binary.AppendUvarint(buf, t.id(termEntry{code: code, isCode: true}))
	}
	count(len(c.Matches), c.Matches == nil)
	var start int64
	for _, m := range c.Matches {
		v := t.id(termEntry{code: m.Code, term: m.Term}) << 1
		if m.Negated {
			v |= 1
		}
		buf = binary.AppendUvarint(buf, v)
		// Differences of int64s wrap on overflow, and so does the sum that
		// undoes them, so every span round-trips.
		buf = binary.AppendVarint(buf, int64(m.Span.Start)-start)
		buf = binary.AppendVarint(buf, int64(m.Span.End)-int64(m.Span.Start))
		start = int64(m.Span.Start)
	}
	return buf
}

// SaveCodings stores codings computed under codebookHash, replacing earlier
// ones for the same units, in one transaction. Each coding is recorded
// against the unit's current content hash, so it goes stale by itself when
// ReplaceFile later changes the unit. A coding for a unit the store does not
// hold fails the whole call: it means the caller coded something it did not
// get from UnitsToCode.
func (s *Store) SaveCodings(ctx context.Context, codebookHash string, codings []study.Coding) error {
	if codebookHash == "" {
		return errors.New("store: save codings: empty codebook hash")
	}
	if len(codings) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	defer tx.Rollback()
	w, err := newCodingWriter(ctx, tx, nil, codebookHash)
	if err != nil {
		return err
	}
	defer w.close()
	if err := w.write(codings, nil); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	return nil
}

// codingWriter writes codings under one codebook inside tx, which the
// caller commits. FileTx keeps one for all its SaveCodings calls, so the
// codebook's id and entries are read and the statements prepared once a
// transaction rather than once every batch of units: while it holds the
// write lock nothing else adds entries.
type codingWriter struct {
	ctx            context.Context
	tx             *sql.Tx
	hash           string
	cb             int64
	ids            *termIDs
	stored         int // entries in coding_terms
	upsert, direct *batch
}

// newCodingWriter starts writing codings under codebookHash in tx; conn,
// which may be nil, is the connection tx runs on (see batch). Close it.
func newCodingWriter(ctx context.Context, tx *sql.Tx, conn *sql.Conn, codebookHash string) (*codingWriter, error) {
	cb, found, err := codebookID(ctx, tx, codebookHash)
	if err == nil && !found {
		// Not INSERT ... ON CONFLICT DO NOTHING on every call: that draws
		// an AUTOINCREMENT number each time even when it inserts nothing.
		var res sql.Result
		if res, err = tx.ExecContext(ctx, `INSERT INTO codebooks (hash) VALUES (?)`, codebookHash); err == nil {
			cb, err = res.LastInsertId()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: save codings: %w", err)
	}
	// Read in every transaction rather than cached on the Store: it is a
	// few hundred rows, and reading it under this transaction's write lock
	// is what makes the ids this writer adds free, whichever handle saved
	// last.
	stored, err := loadTerms(ctx, tx, cb)
	if err != nil {
		return nil, fmt.Errorf("store: save codings: %w", err)
	}
	w := &codingWriter{ctx: ctx, tx: tx, hash: codebookHash, cb: cb, ids: newTermIDs(stored), stored: len(stored)}
	// Taking the rowid and hash from the units row inside the statement
	// saves a lookup round trip and cannot record a hash the unit does not
	// have. "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON.
	// OR FAIL spares the statement journal (see BeginFile): a failed
	// statement fails the call, and its transaction is rolled back.
	w.upsert = newBatch(ctx, tx, conn, `(?, ?)`, func(rows string) string {
		return `
INSERT OR FAIL INTO codings (codebook, unit, unit_hash, coding)
SELECT ` + fmt.Sprint(cb) + `, u.rowid, ` + hashPrefix + `, v.column2
FROM (VALUES ` + rows + `) AS v JOIN units u ON u.id = v.column1
WHERE true
ON CONFLICT (codebook, unit) DO UPDATE SET unit_hash = excluded.unit_hash, coding = excluded.coding`
	})
	w.upsert.after = func(res sql.Result, rows int, args []any) error {
		n, err := res.RowsAffected()
		if err != nil || int(n) == rows {
			return err
		}
		for i := 0; i < len(args); i += 2 {
			id := args[i].(string)
			var found bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE id = ?)`, id).Scan(&found); err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("unit %q: no such unit in the store; nothing of this batch was saved", id)
			}
		}
		return fmt.Errorf("%d of %d codings matched no unit", rows-int(n), rows)
	}
	// The same for units whose rowid and hash prefix are known: their
	// rows need no look-up.
	w.direct = newBatch(ctx, tx, conn, `(`+fmt.Sprint(cb)+`, ?, ?, ?)`, func(rows string) string {
		return `
INSERT OR FAIL INTO codings (codebook, unit, unit_hash, coding) VALUES ` + rows + `
ON CONFLICT (codebook, unit) DO UPDATE SET unit_hash = excluded.unit_hash, coding = excluded.coding`
	})
	return w, nil
}

// close releases the prepared statements.
func (w *codingWriter) close() {
	w.upsert.close()
	w.direct.close()
}

// write writes codings. The codings of units in added (which may be nil)
// are written with the rowid and hash prefix recorded there, the others
// with the ones of the unit the store holds under their ID. After an
// error only rolling the transaction back helps.
func (w *codingWriter) write(codings []study.Coding, added *addedUnits) error {
	ids, upsert, direct := w.ids, w.upsert, w.direct
	// One buffer for the blobs of a whole call: the driver copies each
	// bound value into SQLite, so the batches may share it once executed,
	// and slicing it saves an allocation per coding.
	var buf []byte
	for _, c := range codings {
		if len(buf) > cap(buf)-4096 {
			buf = make([]byte, 0, 1<<16)
		}
		start := len(buf)
		buf = ids.encode(buf, c)
		blob := buf[start:len(buf):len(buf)]
		var err error
		if rowid, prefix, ok := added.find(c.UnitID); ok {
			buf = binary.BigEndian.AppendUint64(buf, prefix)
			err = direct.add(rowid, buf[len(buf)-8:len(buf):len(buf)], blob)
		} else {
			err = upsert.add(c.UnitID, blob)
		}
		if err != nil {
			return fmt.Errorf("store: save codings: %w", err)
		}
	}
	if err := errors.Join(upsert.drain(), direct.drain()); err != nil {
		return fmt.Errorf("store: save codings: %w", err)
	}
	if len(ids.added) > 0 {
		add := newBatch(w.ctx, w.tx, nil, `(?, ?, ?, ?)`, func(rows string) string {
			return `INSERT INTO coding_terms (codebook, id, code, term) VALUES ` + rows
		})
		defer add.flush()
		for i, e := range ids.added {
			term := sql.NullString{String: e.term, Valid: !e.isCode}
			if err := add.add(w.cb, w.stored+i, e.code, term); err != nil {
				return fmt.Errorf("store: save codings: %w", err)
			}
		}
		if err := add.flush(); err != nil {
			return fmt.Errorf("store: save codings: %w", err)
		}
		w.stored += len(ids.added)
		ids.added = ids.added[:0]
	}
	return nil
}

// readCodings calls each in a read transaction with codebookHash's id and
// entries, read in that transaction so that every id the codings it reads
// hold is among the entries. The id is 0, which no codebook has, when the
// store holds no codings under codebookHash.
func readCodings(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error),
	codebookHash string, each func(tx *sql.Tx, cb int64, t terms) error) error {
	tx, err := begin(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cb, found, err := codebookID(ctx, tx, codebookHash)
	if err != nil {
		return err
	}
	var t terms
	if found {
		if t, err = loadTerms(ctx, tx, cb); err != nil {
			return err
		}
	}
	return each(tx, cb, t)
}

// Codings calls fn, in unit order, with every current coding under
// codebookHash. Stale codings (computed from content the unit no longer has)
// are left out, so analysis never counts a verdict on text that changed.
func (s *Store) Codings(ctx context.Context, codebookHash string, fn func(study.Coding) error) error {
	var fnErr error
	err := readCodings(ctx, s.db.BeginTx, codebookHash, func(tx *sql.Tx, cb int64, t terms) error {
		rows, err := tx.QueryContext(ctx, `
SELECT u.id, c.coding FROM units u
JOIN codings c ON c.codebook = ? AND c.unit = u.rowid AND c.unit_hash = `+hashPrefix+`
`+unitOrder, cb)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c study.Coding
			var blob sql.RawBytes
			if err := rows.Scan(&c.UnitID, &blob); err != nil {
				return err
			}
			if err := t.decode(blob, &c, true); err != nil {
				return fmt.Errorf("coding of unit %q: %w", c.UnitID, err)
			}
			if fnErr = fn(c); fnErr != nil {
				return fnErr
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: read codings: %w", err)
	}
	return nil
}

// PruneCodings deletes the codings of every codebook but keepCodebookHash,
// which otherwise accumulate with each codebook edit.
func (s *Store) PruneCodings(ctx context.Context, keepCodebookHash string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: prune codings: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`DELETE FROM codings WHERE codebook IN (SELECT id FROM codebooks WHERE hash <> ?)`,
		`DELETE FROM coding_terms WHERE codebook IN (SELECT id FROM codebooks WHERE hash <> ?)`,
		`DELETE FROM codebooks WHERE hash <> ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, keepCodebookHash); err != nil {
			return fmt.Errorf("store: prune codings: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: prune codings: %w", err)
	}
	return nil
}
