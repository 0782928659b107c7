package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/veldstem/veldstem/pipeline/study"
)

// FileRecord is one input file as the store knows it.
type FileRecord struct {
	// Source is the config name of the source the file belongs to.
	Source string
	// Path is the file's path relative to the config folder.
	Path string
	// SHA256 is the hex digest of the file's bytes; a rerun skips files whose
	// digest is unchanged.
	SHA256 string
	// Size is the file's size in bytes.
	Size int64
	// Respondents and Units count what the file contributed. ReplaceFile
	// sets them from what it stores; the values passed in are ignored.
	Respondents, Units int
}

// UnitDiff counts how a file's units changed in ReplaceFile.
type UnitDiff struct {
	// New units had no row before; Changed ones had a different content
	// hash and lost their codings; Unchanged ones kept their codings;
	// Removed ones are no longer in the file and were deleted.
	New, Changed, Unchanged, Removed int
}

// Files lists the files in the store by (source, path).
func (s *Store) Files(ctx context.Context) ([]FileRecord, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT source, path, sha256, size, respondents, units FROM files ORDER BY source, path`)
	if err != nil {
		return nil, fmt.Errorf("store: list files: %w", err)
	}
	defer rows.Close()
	var files []FileRecord
	for rows.Next() {
		var f FileRecord
		if err := rows.Scan(&f.Source, &f.Path, &f.SHA256, &f.Size, &f.Respondents, &f.Units); err != nil {
			return nil, fmt.Errorf("store: list files: %w", err)
		}
		files = append(files, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list files: %w", err)
	}
	return files, nil
}

// storedUnit is what ReplaceFile needs to know about a unit already stored:
// enough to tell whether rewriting the row would change anything.
type storedUnit struct {
	hash       string
	respondent string
	position   string
	seq        int
}

// testHookReplaceFile, when set, runs inside a FileTx's transaction after
// all rows are written and before the commit; the crash test parks there.
var testHookReplaceFile func()

// ReplaceFile makes the store hold exactly what file f contributes now: its
// respondents and units replace the ones it contributed before, in one
// transaction. A unit keeps its codings when its content hash is unchanged;
// changed and new units lose theirs, so they are coded again.
//
// The stored content hash is UnitHash extended with the closed answers of the
// unit's respondent (when that respondent is in respondents), because
// codebook rules may read them: a corrected closed answer must recode.
//
// Every respondent and unit must belong to f's source and path, and their
// IDs must be unique within the file and not held by another file of the
// store (ErrDuplicateID); otherwise nothing is written. So when an input file
// is renamed, RemoveFile the old name before replacing the new one.
//
// It is BeginFile, one Add and Commit; see FileTx for files given in batches.
func (s *Store) ReplaceFile(ctx context.Context, f FileRecord, respondents []study.Respondent, units []study.Unit) (UnitDiff, error) {
	ft, err := s.BeginFile(ctx, f)
	if err != nil {
		return UnitDiff{}, err
	}
	defer ft.Rollback()
	if err := ft.Add(respondents, units); err != nil {
		return UnitDiff{}, err
	}
	return ft.Commit()
}

// ErrDuplicateID is returned (wrapped) by ReplaceFile when a unit or
// respondent ID of the file is already held by another file of the store.
var ErrDuplicateID = errors.New("ID already stored for another file")

// unitClash explains a failed insert of new units: if one of them is held by
// another file, it names both; otherwise it returns err as is. Only on the
// error path, so it may look up every new ID.
func unitClash(ctx context.Context, tx *sql.Tx, f FileRecord, fresh []string, err error) error {
	for _, id := range fresh {
		var source, file string
		switch qerr := tx.QueryRowContext(ctx, `SELECT source, file FROM units WHERE id = ? AND NOT (source = ? AND file = ?)`,
			id, f.Source, f.Path).Scan(&source, &file); {
		case qerr == nil:
			return fmt.Errorf("unit %q is also in %s/%s: %w; unit IDs are source/respondent/question, so "+
				"respondent IDs must be unique within a source (remove the other file first if it was renamed, "+
				"or give each wave its own source or wave-specific respondent IDs)", id, source, file, ErrDuplicateID)
		case !errors.Is(qerr, sql.ErrNoRows):
			return errors.Join(err, qerr)
		}
	}
	// No other file has it: this file gave it twice, in batches far enough
	// apart that only the unique index saw it (a fresh file, see FileTx),
	// or both times in the failed statement.
	if id := repeated(fresh); id != "" {
		return fmt.Errorf("unit %q appears twice", id)
	}
	for _, id := range fresh {
		var twice bool
		if qerr := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE id = ?)`, id).Scan(&twice); qerr == nil && twice {
			return fmt.Errorf("unit %q appears twice", id)
		}
	}
	return err
}

// respondentClash is unitClash for respondents.
func respondentClash(ctx context.Context, tx *sql.Tx, f FileRecord, fresh []string, err error) error {
	for _, id := range fresh {
		var file string
		switch qerr := tx.QueryRowContext(ctx, `SELECT file FROM respondents WHERE source = ? AND id = ? AND file <> ?`,
			f.Source, id, f.Path).Scan(&file); {
		case qerr == nil:
			return fmt.Errorf("respondent %q is also in %s/%s: %w; respondent IDs must be unique within a source "+
				"(remove the other file first if it was renamed, or give each wave its own source)", id, f.Source, file, ErrDuplicateID)
		case !errors.Is(qerr, sql.ErrNoRows):
			return errors.Join(err, qerr)
		}
	}
	if id := repeated(fresh); id != "" {
		return fmt.Errorf("respondent %q appears twice", id)
	}
	for _, id := range fresh {
		var twice bool
		if qerr := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM respondents WHERE source = ? AND id = ?)`, f.Source, id).Scan(&twice); qerr == nil && twice {
			return fmt.Errorf("respondent %q appears twice", id)
		}
	}
	return err
}

// storedRespondent is a respondent row as stored, to tell whether rewriting
// it would change anything.
type storedRespondent struct {
	wave                  string
	weight                float64
	attrs, likert, closed string
}

// RemoveFile deletes a file and everything it contributed (respondents,
// units and their codings) in one transaction, for input files that are
// gone. Removing a file the store does not hold is not an error.
func (s *Store) RemoveFile(ctx context.Context, source, path string) (removedUnits int, err error) {
	where := source + "/" + path
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	defer tx.Rollback()
	// The units' codings go with them (trigger units_delete_codings).
	res, err := tx.ExecContext(ctx, `DELETE FROM units WHERE source = ? AND file = ?`, source, path)
	if err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM respondents WHERE source = ? AND file = ?`, source, path); err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM files WHERE source = ? AND path = ?`, source, path); err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: remove %s: %w", where, err)
	}
	return int(n), nil
}

// UnitHash is the hex SHA-256 of the unit fields that affect coding: text,
// language, question, question label, speaker and the context flag. Fields
// that only locate the unit (ID, source, file, position, seq) are left out,
// so moving a unit does not recode it.
func UnitHash(u study.Unit) string {
	var buf []byte
	return contentHash(&buf, u, nil)
}

// contentHash is UnitHash extended with the respondent's closed answers.
// Every field is length-prefixed so that no two different units hash the
// same input ("ab"+"c" vs "a"+"bc"); a version tag lets a later schema change
// the field set knowingly. buf is scratch space reused across calls, which
// keeps hashing 600,000 units from allocating 600,000 messages.
func contentHash(buf *[]byte, u study.Unit, closed map[string]string) string {
	return hashUnit(buf, u, appendClosed(nil, closed, nil))
}

// appendClosed appends to b the part of contentHash's message that holds
// closed, nothing when it is empty. FileTx encodes it once a respondent
// rather than once a unit. keys, when not nil, is scratch space.
func appendClosed(b []byte, closed map[string]string, keys *[]string) []byte {
	if len(closed) == 0 {
		return b
	}
	if keys == nil {
		keys = new([]string)
	}
	ks := sortedKeys(closed, keys)
	b = appendField(b, "closed")
	for _, k := range ks {
		b = appendField(b, k)
		b = appendField(b, closed[k])
	}
	clear(ks) // let go of the keys
	return b
}

func appendField(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// hashUnit is contentHash with the closed answers' part of the message
// (appendClosed) given.
func hashUnit(buf *[]byte, u study.Unit, closedPart []byte) string {
	b := (*buf)[:0]
	b = appendField(b, "veldstem/unit/v1")
	b = appendField(b, u.Text)
	b = appendField(b, u.Lang)
	b = appendField(b, u.Question)
	b = appendField(b, u.QuestionLabel)
	b = appendField(b, u.Speaker)
	if u.Context {
		b = appendField(b, "context")
	} else {
		b = appendField(b, "")
	}
	b = append(b, closedPart...)
	*buf = b
	sum := sha256.Sum256(b)
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	return string(h[:])
}

// repeated returns the first ID that occurs twice in ids, or "".
func repeated(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}
