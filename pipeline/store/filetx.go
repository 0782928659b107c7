package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/veldstem/veldstem/pipeline/study"
)

// FileTx replaces one file's content in one transaction, taking the new
// respondents and units in batches (issue 10): a national survey's 400k
// units never have to be in memory at once, and the file's previous state
// is not loaded either. Each batch looks up the stored rows of its own IDs;
// which stored rows the new content still has is kept in temporary tables
// (seen IDs) on disk, so removed units and respondents are deleted in SQL
// at Commit and a repeated ID is caught whatever batches it is in.
//
// The result is what ReplaceFile (now BeginFile, one Add, Commit) gave: the
// same rows, the same UnitDiff, codings kept for units whose content hash is
// unchanged, ErrDuplicateID for IDs another file holds, and nothing written
// unless Commit succeeds.
type FileTx struct {
	s     *Store
	ctx   context.Context
	conn  *sql.Conn
	tx    *sql.Tx
	f     FileRecord
	where string

	anyCodings bool
	// fresh: the store holds nothing of this file, so every row is new,
	// there is nothing to compare or delete, and the seen-ID tables and
	// per-batch look-ups are skipped (about half of an import's store
	// time). The unique indexes still refuse an ID given twice.
	fresh  bool
	diff   UnitDiff
	nResp  int
	nUnits int
	buf    []byte
	// closedBuf holds the closed answers' parts of an Add's content hashes.
	closedBuf []byte
	here      map[string]int // addUnits', reused
	// jsonBuf and keys are respondentRow's scratch space, keys Add's too.
	jsonBuf []byte
	keys    []string
	err     error // sticky: after a failed Add only Rollback helps
	added   addedUnits
	codings *codingWriter // SaveCodings', for the codebook it last had

	insertUnits, updateUnits, reorderUnits *batch
	insertResp, updateResp                 *batch
	seenUnits, seenResp                    *batch
}

// lookupChunk bounds the IDs one lookup binds, well under SQLite's limit.
const lookupChunk = 500

// BeginFile starts replacing what file f contributes. f's counts are
// ignored; Commit sets them from what was added. Call Rollback (a no-op
// after Commit) on every path.
func (s *Store) BeginFile(ctx context.Context, f FileRecord) (*FileTx, error) {
	ft := &FileTx{s: s, ctx: ctx, f: f, where: f.Source + "/" + f.Path}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, ft.wrap(err)
	}
	// The seen-ID tables of a whole national export would take tens of MB
	// in memory (the store's default temp_store); on this connection they
	// go to a temporary file with SQLite's small default cache instead.
	// Rollback and Commit set the default back, which drops them.
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		conn.Close()
		return nil, ft.wrap(err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		ft.release(conn)
		return nil, ft.wrap(err)
	}
	ft.conn, ft.tx = conn, tx
	var held bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE source = ? AND file = ?)
	OR EXISTS (SELECT 1 FROM respondents WHERE source = ? AND file = ?)`,
		f.Source, f.Path, f.Source, f.Path).Scan(&held); err != nil {
		ft.Rollback()
		return nil, ft.wrap(err)
	}
	ft.fresh = !held
	if err := ft.added.start(ctx, tx); err != nil {
		ft.Rollback()
		return nil, ft.wrap(err)
	}
	for _, q := range []string{
		`CREATE TEMP TABLE filetx_seen_units (id TEXT PRIMARY KEY) WITHOUT ROWID`,
		`CREATE TEMP TABLE filetx_seen_respondents (id TEXT PRIMARY KEY) WITHOUT ROWID`,
	} {
		if ft.fresh {
			break
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			ft.Rollback()
			return nil, ft.wrap(err)
		}
	}
	// A store that holds no codings (the first import, or after a codebook
	// change and prune) has nothing to drop, and skipping a DELETE per unit
	// saves a third of the import time.
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM codings)`).Scan(&ft.anyCodings); err != nil {
		ft.Rollback()
		return nil, ft.wrap(err)
	}
	// New units are plainly inserted: an ID that another file already holds
	// violates units_by_id and fails the call, because quietly moving the
	// unit would let two files (say, two waves exported with the same
	// respondent IDs) overwrite each other on every run.
	//
	// OR FAIL rather than the default OR ABORT: to undo a failed statement
	// SQLite copies every page a multi-row statement writes to a statement
	// journal first, and with random unit and respondent IDs each row of a
	// statement lands on another leaf page of the ID index. With the
	// journal in a temporary file (temp_store above) that was a fifth of
	// an import's CPU, mostly write system calls. A failed statement
	// fails the whole transaction here anyway (Add's error is sticky and
	// Commit refuses), so the rows it leaves behind are never committed;
	// batch.keepFailed leaves them out of the explanation.
	ft.insertUnits = newBatch(ctx, tx, conn, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, func(rows string) string {
		return `
INSERT OR FAIL INTO units (id, source, file, respondent, question, question_label, speaker, position, seq, text, lang, context, hash)
SELECT column1, ?1, ?2, column2, column3, column4, column5, column6, column7, column8, column9, column10, column11
FROM (VALUES ` + rows + `)`
	})
	// Every row has the file's source and path, so they are bound once a
	// statement (?1, ?2) rather than once a row: the driver copies each
	// bound text into C memory and frees it after, ~90 ns a value.
	ft.insertUnits.pre = []any{f.Source, f.Path}
	ft.insertUnits.after = func(res sql.Result, rows int, args []any) error {
		ft.added.inserted(res, rows, ft.insertUnits.ncol, 10, args)
		return nil
	}
	// Units of this file are rewritten by UPDATE on their id, and only in
	// the columns that can differ; leaving seq out when it stays spares the
	// (source, file, seq, id) index entry, a third of the cost of a change.
	ft.updateUnits = newBatch(ctx, tx, conn, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, func(rows string) string {
		return `
UPDATE units SET respondent = v.column2, question = v.column3, question_label = v.column4,
	speaker = v.column5, position = v.column6, text = v.column7, lang = v.column8,
	context = v.column9, hash = v.column10
FROM (VALUES ` + rows + `) AS v WHERE units.id = v.column1`
	})
	ft.reorderUnits = newBatch(ctx, tx, conn, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, func(rows string) string {
		return `
UPDATE units SET respondent = v.column2, question = v.column3, question_label = v.column4,
	speaker = v.column5, position = v.column6, text = v.column7, lang = v.column8,
	context = v.column9, hash = v.column10, seq = v.column11
FROM (VALUES ` + rows + `) AS v WHERE units.id = v.column1`
	})
	// As with units, a respondent new to this file must be new to the
	// source; see unitClash.
	ft.insertResp = newBatch(ctx, tx, conn, `(?, ?, ?, ?, ?, ?)`, func(rows string) string {
		return `
INSERT OR FAIL INTO respondents (source, id, file, wave, weight, attributes, likert, closed)
SELECT ?1, column1, ?2, column2, column3, column4, column5, column6 FROM (VALUES ` + rows + `)`
	})
	ft.insertResp.pre = []any{f.Source, f.Path}
	ft.updateResp = newBatch(ctx, tx, conn, `(?, ?, ?, ?, ?, ?, ?)`, func(rows string) string {
		return `
UPDATE respondents SET wave = v.column3, weight = v.column4, attributes = v.column5, likert = v.column6, closed = v.column7
FROM (VALUES ` + rows + `) AS v WHERE respondents.source = v.column1 AND respondents.id = v.column2`
	})
	ft.seenUnits = newBatch(ctx, tx, conn, `(?)`, func(rows string) string {
		return `INSERT INTO filetx_seen_units (id) VALUES ` + rows
	})
	ft.seenResp = newBatch(ctx, tx, conn, `(?)`, func(rows string) string {
		return `INSERT INTO filetx_seen_respondents (id) VALUES ` + rows
	})
	return ft, nil
}

func (ft *FileTx) wrap(err error) error {
	return fmt.Errorf("store: replace %s: %w", ft.where, err)
}

func (ft *FileTx) fail(err error) error {
	ft.err = ft.wrap(err)
	return ft.err
}

// release gives the connection back with the store's temp_store.
func (ft *FileTx) release(conn *sql.Conn) {
	conn.ExecContext(context.WithoutCancel(ft.ctx), `PRAGMA temp_store = MEMORY`)
	conn.Close()
}

// Rollback abandons the file's new content; nothing of it is stored.
func (ft *FileTx) Rollback() {
	if ft.tx == nil {
		return
	}
	for _, b := range []*batch{ft.insertUnits, ft.updateUnits, ft.reorderUnits, ft.insertResp, ft.updateResp, ft.seenUnits, ft.seenResp} {
		if b != nil {
			b.close()
		}
	}
	if ft.codings != nil {
		ft.codings.close()
		ft.codings = nil
	}
	ft.tx.Rollback()
	ft.release(ft.conn)
	ft.tx, ft.conn = nil, nil
}

// Add stores a batch of the file's respondents and units. A unit's content
// hash includes its respondent's closed answers when that respondent is in
// the same batch (as ReplaceFile with everything in one call), so give a
// respondent and its units together.
func (ft *FileTx) Add(respondents []study.Respondent, units []study.Unit) error {
	if ft.err != nil {
		return ft.err
	}
	if ft.tx == nil {
		return ft.wrap(errors.New("file transaction is finished"))
	}
	// The closed answers' part of the content hash of each respondent's
	// units, encoded once a respondent (see hashUnit).
	closed := make(map[string][]byte, len(respondents))
	ft.closedBuf = ft.closedBuf[:0]
	for _, r := range respondents {
		if r.Source != ft.f.Source || r.File != ft.f.Path {
			return ft.fail(fmt.Errorf("respondent %q belongs to %s/%s", r.ID, r.Source, r.File))
		}
		if _, dup := closed[r.ID]; dup {
			return ft.fail(fmt.Errorf("respondent %q appears twice", r.ID))
		}
		start := len(ft.closedBuf)
		ft.closedBuf = appendClosed(ft.closedBuf, r.Closed, &ft.keys)
		closed[r.ID] = ft.closedBuf[start:len(ft.closedBuf):len(ft.closedBuf)]
	}
	for start := 0; start < len(units); start += lookupChunk {
		if err := ft.addUnits(units[start:min(start+lookupChunk, len(units))], closed); err != nil {
			return ft.fail(err)
		}
	}
	for start := 0; start < len(respondents); start += lookupChunk {
		if err := ft.addRespondents(respondents[start:min(start+lookupChunk, len(respondents))]); err != nil {
			return ft.fail(err)
		}
	}
	return nil
}

// SaveCodings stores codings, computed under codebookHash, of units this
// transaction has added, as part of it: a file and its codings commit
// together, so the run can code a new file while it is being stored
// instead of reading its units back afterwards (issue 10). As with
// Store.SaveCodings, a coding of a unit the store does not hold (here: not
// yet added) fails, and so does the transaction.
func (ft *FileTx) SaveCodings(codebookHash string, codings []study.Coding) error {
	if ft.err != nil {
		return ft.err
	}
	if ft.tx == nil {
		return ft.wrap(errors.New("file transaction is finished"))
	}
	if codebookHash == "" {
		return ft.fail(errors.New("save codings: empty codebook hash"))
	}
	if len(codings) == 0 {
		return nil
	}
	// The codings join the units rows, so the queued rows go first.
	if err := ft.insertUnits.drain(); err != nil {
		return ft.fail(unitClash(ft.ctx, ft.tx, ft.f, ft.insertUnits.failedIDs(), err))
	}
	if err := errors.Join(ft.updateUnits.drain(), ft.reorderUnits.drain()); err != nil {
		return ft.fail(fmt.Errorf("units: %w", err))
	}
	if ft.codings == nil || ft.codings.hash != codebookHash {
		if ft.codings != nil {
			ft.codings.close()
		}
		w, err := newCodingWriter(ft.ctx, ft.tx, ft.conn, codebookHash)
		if err != nil {
			return ft.fail(err)
		}
		ft.codings = w
	}
	err := ft.codings.write(codings, &ft.added)
	ft.added.reset()
	if err != nil {
		return ft.fail(err)
	}
	return nil
}

// respondentRow is r as stored. The three JSON columns share one string,
// one allocation a respondent.
func (ft *FileTx) respondentRow(r study.Respondent) (storedRespondent, error) {
	b, err := appendStringMap(ft.jsonBuf[:0], r.Attributes, &ft.keys)
	if err != nil {
		return storedRespondent{}, err
	}
	attrs := len(b)
	if b, err = appendIntMap(b, r.Likert, &ft.keys); err != nil {
		return storedRespondent{}, err
	}
	likert := len(b)
	if b, err = appendStringMap(b, r.Closed, &ft.keys); err != nil {
		return storedRespondent{}, err
	}
	ft.jsonBuf = b
	// Strings, not []byte: the driver would store a []byte as a BLOB,
	// which SQLite's JSON functions refuse.
	cols := string(b)
	return storedRespondent{r.Wave, r.Weight, cols[:attrs], cols[attrs:likert], cols[likert:]}, nil
}

// idArgs binds ids for an IN list.
func idArgs(ids []string, extra ...any) (string, []any) {
	args := append([]any(nil), extra...)
	for _, id := range ids {
		args = append(args, id)
	}
	return "?" + strings.Repeat(",?", len(ids)-1), args
}

// alreadySeen returns the first of ids already added to this file, or "".
func (ft *FileTx) alreadySeen(table string, ids []string) (string, error) {
	in, args := idArgs(ids)
	var id string
	err := ft.tx.QueryRowContext(ft.ctx, `SELECT id FROM `+table+` WHERE id IN (`+in+`) LIMIT 1`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// storedUnitRow is storedUnit with the file that holds it.
type storedUnitRow struct {
	storedUnit
	source, file string
}

func (ft *FileTx) addUnits(units []study.Unit, closed map[string][]byte) error {
	f := ft.f
	ids := make([]string, len(units))
	hashes := make([]string, len(units))
	if ft.here == nil {
		ft.here = make(map[string]int, lookupChunk)
	}
	here := ft.here
	clear(here)
	for i, u := range units {
		if u.Source != f.Source || u.File != f.Path {
			return fmt.Errorf("unit %q belongs to %s/%s", u.ID, u.Source, u.File)
		}
		if _, dup := here[u.ID]; dup {
			return fmt.Errorf("unit %q appears twice (at %s)", u.ID, u.Position)
		}
		here[u.ID] = i
		ids[i] = u.ID
		hashes[i] = hashUnit(&ft.buf, u, closed[u.Respondent])
	}
	if len(units) == 0 {
		return nil
	}
	if ft.fresh {
		for i, u := range units {
			ft.nUnits++
			ft.diff.New++
			if err := ft.insertUnits.add(u.ID, u.Respondent, u.Question, u.QuestionLabel,
				u.Speaker, u.Position, u.Seq, u.Text, u.Lang, u.Context, hashes[i]); err != nil {
				return unitClash(ft.ctx, ft.tx, f, ft.insertUnits.failedIDs(), err)
			}
		}
		return nil
	}
	if id, err := ft.alreadySeen("filetx_seen_units", ids); err != nil {
		return err
	} else if id != "" {
		return fmt.Errorf("unit %q appears twice (at %s)", id, units[here[id]].Position)
	}
	for _, id := range ids {
		if err := ft.seenUnits.add(id); err != nil {
			return err
		}
	}
	if err := ft.seenUnits.drain(); err != nil {
		return err
	}
	in, args := idArgs(ids)
	rows, err := ft.tx.QueryContext(ft.ctx,
		`SELECT id, source, file, hash, respondent, position, seq FROM units WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	existing := make(map[string]storedUnitRow)
	for rows.Next() {
		var id string
		var su storedUnitRow
		if err := rows.Scan(&id, &su.source, &su.file, &su.hash, &su.respondent, &su.position, &su.seq); err != nil {
			rows.Close()
			return err
		}
		existing[id] = su
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var touched []string
	for i, u := range units {
		ft.nUnits++
		old, ok := existing[u.ID]
		if ok && (old.source != f.Source || old.file != f.Path) {
			return fmt.Errorf("unit %q is also in %s/%s: %w; unit IDs are source/respondent/question, so "+
				"respondent IDs must be unique within a source (remove the other file first if it was renamed, "+
				"or give each wave its own source or wave-specific respondent IDs)", u.ID, old.source, old.file, ErrDuplicateID)
		}
		var err error
		switch {
		case !ok:
			ft.diff.New++
			err = ft.insertUnits.add(u.ID, u.Respondent, u.Question, u.QuestionLabel,
				u.Speaker, u.Position, u.Seq, u.Text, u.Lang, u.Context, hashes[i])
			if err != nil {
				return unitClash(ft.ctx, ft.tx, f, ft.insertUnits.failedIDs(), err)
			}
			continue
		case old.hash != hashes[i]:
			ft.diff.Changed++
			if ft.anyCodings {
				touched = append(touched, u.ID)
			}
		default:
			ft.diff.Unchanged++
			if old.respondent == u.Respondent && old.position == u.Position && old.seq == u.Seq {
				continue // the row would be rewritten with what it holds
			}
		}
		if old.seq == u.Seq {
			err = ft.updateUnits.add(u.ID, u.Respondent, u.Question, u.QuestionLabel, u.Speaker, u.Position,
				u.Text, u.Lang, u.Context, hashes[i])
		} else {
			err = ft.reorderUnits.add(u.ID, u.Respondent, u.Question, u.QuestionLabel, u.Speaker, u.Position,
				u.Text, u.Lang, u.Context, hashes[i], u.Seq)
		}
		if err != nil {
			return fmt.Errorf("units up to %q: %w", u.ID, err)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	// A changed unit may have codings of its old content (stale) and, if an
	// edit was reverted, of this very content under another codebook (still
	// valid). The units must be written first, since it compares with the
	// new hash.
	if err := errors.Join(ft.updateUnits.drain(), ft.reorderUnits.drain()); err != nil {
		return fmt.Errorf("units: %w", err)
	}
	in, args = idArgs(touched)
	if _, err := ft.tx.ExecContext(ft.ctx, `
DELETE FROM codings WHERE codebook IN (SELECT id FROM codebooks)
AND unit IN (SELECT rowid FROM units WHERE id IN (`+in+`))
AND unit_hash <> (SELECT `+hashPrefix+` FROM units u WHERE u.rowid = codings.unit)`, args...); err != nil {
		return err
	}
	return nil
}

func (ft *FileTx) addRespondents(respondents []study.Respondent) error {
	f := ft.f
	ids := make([]string, len(respondents))
	for i, r := range respondents {
		ids[i] = r.ID
	}
	if ft.fresh {
		for _, r := range respondents {
			ft.nResp++
			now, err := ft.respondentRow(r)
			if err != nil {
				return err
			}
			if err := ft.insertResp.add(r.ID, now.wave, now.weight, now.attrs, now.likert, now.closed); err != nil {
				return respondentClash(ft.ctx, ft.tx, f, ft.insertResp.failedIDs(), err)
			}
		}
		return nil
	}
	if id, err := ft.alreadySeen("filetx_seen_respondents", ids); err != nil {
		return err
	} else if id != "" {
		return fmt.Errorf("respondent %q appears twice", id)
	}
	for _, id := range ids {
		if err := ft.seenResp.add(id); err != nil {
			return err
		}
	}
	if err := ft.seenResp.drain(); err != nil {
		return err
	}
	in, args := idArgs(ids, f.Source)
	rows, err := ft.tx.QueryContext(ft.ctx, `
SELECT id, file, wave, weight, attributes, likert, closed FROM respondents WHERE source = ? AND id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	type row struct {
		file string
		storedRespondent
	}
	existing := make(map[string]row)
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.file, &r.wave, &r.weight, &r.attrs, &r.likert, &r.closed); err != nil {
			rows.Close()
			return err
		}
		existing[id] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range respondents {
		ft.nResp++
		now, err := ft.respondentRow(r)
		if err != nil {
			return err
		}
		old, ok := existing[r.ID]
		switch {
		case ok && old.file != f.Path:
			return fmt.Errorf("respondent %q is also in %s/%s: %w; respondent IDs must be unique within a source "+
				"(remove the other file first if it was renamed, or give each wave its own source)", r.ID, f.Source, old.file, ErrDuplicateID)
		case !ok:
			if err := ft.insertResp.add(r.ID, now.wave, now.weight, now.attrs, now.likert, now.closed); err != nil {
				return respondentClash(ft.ctx, ft.tx, f, ids, err)
			}
		case old.storedRespondent != now:
			if err := ft.updateResp.add(r.Source, r.ID, now.wave, now.weight, now.attrs, now.likert, now.closed); err != nil {
				return fmt.Errorf("respondents up to %q: %w", r.ID, err)
			}
		}
	}
	return nil
}

// Commit deletes what the file no longer holds, records the file and
// commits. The transaction is finished either way.
func (ft *FileTx) Commit() (UnitDiff, error) {
	defer ft.Rollback()
	if ft.err != nil {
		return UnitDiff{}, ft.err
	}
	if ft.tx == nil {
		return UnitDiff{}, ft.wrap(errors.New("file transaction is finished"))
	}
	ctx, tx, f := ft.ctx, ft.tx, ft.f
	fail := func(err error) (UnitDiff, error) { return UnitDiff{}, ft.fail(err) }
	if err := ft.insertUnits.flush(); err != nil {
		return fail(unitClash(ctx, tx, f, ft.insertUnits.failedIDs(), err))
	}
	if err := errors.Join(ft.updateUnits.flush(), ft.reorderUnits.flush()); err != nil {
		return fail(fmt.Errorf("units: %w", err))
	}
	if err := ft.insertResp.flush(); err != nil {
		return fail(respondentClash(ctx, tx, f, ft.insertResp.failedIDs(), err))
	}
	if err := ft.updateResp.flush(); err != nil {
		return fail(fmt.Errorf("respondents: %w", err))
	}
	// A fresh file has no seen-ID tables and nothing to delete.
	if !ft.fresh {
		if err := errors.Join(ft.seenUnits.flush(), ft.seenResp.flush()); err != nil {
			return fail(err)
		}
		// What the file held and the new content does not: its units with
		// their codings (trigger units_delete_codings), and its respondents.
		res, err := tx.ExecContext(ctx, `
DELETE FROM units WHERE source = ? AND file = ? AND id NOT IN (SELECT id FROM filetx_seen_units)`, f.Source, f.Path)
		if err != nil {
			return fail(err)
		}
		removed, err := res.RowsAffected()
		if err != nil {
			return fail(err)
		}
		ft.diff.Removed = int(removed)
		if _, err := tx.ExecContext(ctx, `
DELETE FROM respondents WHERE source = ? AND file = ? AND id NOT IN (SELECT id FROM filetx_seen_respondents)`, f.Source, f.Path); err != nil {
			return fail(fmt.Errorf("respondents: %w", err))
		}
	}
	run := ft.s.currentRun()
	if _, err := tx.ExecContext(ctx, `
INSERT INTO files (source, path, sha256, size, respondents, units, first_seen_run, last_seen_run)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, path) DO UPDATE SET
	sha256 = excluded.sha256, size = excluded.size, respondents = excluded.respondents,
	units = excluded.units, last_seen_run = excluded.last_seen_run`,
		f.Source, f.Path, f.SHA256, f.Size, ft.nResp, ft.nUnits, run, run); err != nil {
		return fail(err)
	}
	for _, q := range []string{`DROP TABLE filetx_seen_units`, `DROP TABLE filetx_seen_respondents`} {
		if ft.fresh {
			break
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fail(err)
		}
	}
	if testHookReplaceFile != nil {
		testHookReplaceFile()
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return ft.diff, nil
}
