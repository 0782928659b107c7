package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// addedUnits remembers the rowid and hash prefix of the units a FileTx
// inserted since its last SaveCodings, so that their codings are written
// with those values instead of looking each unit up by ID in the
// statement (the run codes a batch right after adding it). At 384,000
// units the look-ups were a third of SaveCodings.
//
// SQLite gives an inserted row without a rowid the largest rowid in the
// table plus one (https://sqlite.org/autoinc.html), so the rows of a
// statement get consecutive rowids. That is checked rather than assumed:
// every statement's last rowid must be the one counted from the largest
// rowid at BeginFile, or the record stops and the codings take the
// look-up as before.
type addedUnits struct {
	// next is the rowid the next inserted unit gets, 0 once unknown.
	next     int64
	ids      []string
	rowids   []int64
	prefixes []uint64
	// cur is where the previous find matched; byID indexes ids when
	// codings come in another order than their units.
	cur  int
	byID map[string]int
}

// maxAdded bounds the record, so a file added in one call without codings
// (ReplaceFile) does not keep an entry for each unit: past it, the record
// starts over.
const maxAdded = 1 << 15

// start sets the rowid the transaction's first inserted unit gets, from
// the largest one in the table.
func (a *addedUnits) start(ctx context.Context, tx querier) error {
	var max sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(rowid) FROM units`).Scan(&max); err != nil {
		return err
	}
	// Far from the largest rowid, where SQLite starts picking random ones.
	if max.Int64 >= 0 && max.Int64 < math.MaxInt64/2 {
		a.next = max.Int64 + 1
	}
	return nil
}

// inserted records the rows of an executed insertUnits statement: args
// holds rows of ncol values, the ID first and the hash in column hashCol.
func (a *addedUnits) inserted(res sql.Result, rows, ncol, hashCol int, args []any) {
	if a.next == 0 {
		return
	}
	last, err := res.LastInsertId()
	if err != nil || last != a.next+int64(rows)-1 {
		a.next = 0
		a.reset()
		return
	}
	if len(a.ids)+rows > maxAdded {
		a.reset()
	}
	for j := range rows {
		id, _ := args[j*ncol].(string)
		hash, _ := args[j*ncol+hashCol].(string)
		prefix, ok := hashPrefixOf(hash)
		if !ok {
			// Never for contentHash's hex; such a unit takes the look-up.
			continue
		}
		a.ids = append(a.ids, id)
		a.rowids = append(a.rowids, a.next+int64(j))
		a.prefixes = append(a.prefixes, prefix)
	}
	a.next += int64(rows)
}

// hashPrefixOf is what hashPrefix computes in SQL from a hex hash, as a
// big-endian number; ok is false when that is not 8 bytes.
func hashPrefixOf(hash string) (uint64, bool) {
	if len(hash) < 16 {
		return 0, false
	}
	var b [8]byte
	if _, err := hex.Decode(b[:], []byte(hash[:16])); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:]), true
}

// find returns the rowid and hash prefix of the recorded unit id.
func (a *addedUnits) find(id string) (rowid int64, prefix uint64, ok bool) {
	if a == nil {
		return 0, 0, false
	}
	// Codings come in the order of their units, skipping context units.
	for i := a.cur; i < min(a.cur+8, len(a.ids)); i++ {
		if a.ids[i] == id {
			a.cur = i + 1
			return a.rowids[i], a.prefixes[i], true
		}
	}
	if len(a.ids) == 0 {
		return 0, 0, false
	}
	if a.byID == nil {
		a.byID = make(map[string]int, len(a.ids))
		for i, id := range a.ids {
			a.byID[id] = i
		}
	}
	i, ok := a.byID[id]
	if !ok {
		return 0, 0, false
	}
	a.cur = i + 1
	return a.rowids[i], a.prefixes[i], true
}

// reset forgets the recorded units, keeping the space.
func (a *addedUnits) reset() {
	clear(a.ids) // let go of the ID strings
	a.ids, a.rowids, a.prefixes = a.ids[:0], a.rowids[:0], a.prefixes[:0]
	a.cur, a.byID = 0, nil
}
