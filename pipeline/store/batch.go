package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// batchRows is how many rows one multi-row statement carries. Per statement
// database/sql and the driver cost about as much as SQLite's work for a
// whole row, so 64 rows a statement roughly halves the import time; more
// gains little and 64 × 13 columns stays far below SQLite's 32766-parameter
// limit.
const batchRows = 64

// batch executes a statement that repeats a row pattern ("(?, ?, ?)") once
// per row, collecting rows until batchRows are due. The statement for full
// batches is prepared once per transaction; the tail gets its own.
type batch struct {
	ctx  context.Context
	tx   *sql.Tx
	sql  func(rows string) string // the statement around the repeated rows
	row  string
	ncol int

	full *sql.Stmt
	args []any
	// pre are values every statement binds as ?1, ?2, ..., written in the
	// statement before the rows (a bare ? after them is numbered on).
	pre []any

	// conn, when known, is the connection tx runs on, and full statements
	// go to its driver directly (raw, with nv) instead of through
	// database/sql, which per statement converted every value and
	// allocated a slice of them (33 KB for 64 units), about 6% of storing
	// a new file (issue 10).
	conn *sql.Conn
	raw  driver.Stmt
	nv   []driver.NamedValue

	// failed holds the rows of the last statement that failed, for
	// explaining the failure (see failedIDs).
	failed []any
	// after runs after each executed statement with the result and the
	// number of rows it carried.
	after func(res sql.Result, rows int, args []any) error
}

// newBatch makes a batch of statements in tx; conn, which may be nil, is
// the connection tx runs on.
func newBatch(ctx context.Context, tx *sql.Tx, conn *sql.Conn, row string, stmt func(rows string) string) *batch {
	return &batch{ctx: ctx, tx: tx, conn: conn, sql: stmt, row: row, ncol: strings.Count(row, "?")}
}

func (b *batch) text(rows int) string {
	return b.sql(strings.TrimSuffix(strings.Repeat(b.row+", ", rows), ", "))
}

// add queues one row of values; it must have as many as the row pattern.
func (b *batch) add(values ...any) error {
	if len(values) != b.ncol {
		panic(fmt.Sprintf("store: batch row has %d values, pattern %q wants %d", len(values), b.row, b.ncol))
	}
	b.args = append(b.args, values...)
	if len(b.args) < batchRows*b.ncol {
		return nil
	}
	res, err := b.execFull()
	return b.executed(res, err, batchRows)
}

// execFull executes a full batch of the queued rows.
func (b *batch) execFull() (sql.Result, error) {
	if b.conn == nil {
		if b.full == nil {
			st, err := b.tx.PrepareContext(b.ctx, b.text(batchRows))
			if err != nil {
				return nil, err
			}
			b.full = st
		}
		return b.full.ExecContext(b.ctx, b.withPre()...)
	}
	// Outside database/sql nothing stops a statement after tx is done,
	// which would run it on its own. tx ends before Commit or Rollback
	// only when ctx is done, and then the driver refuses to execute; a
	// rollback for ctx waits for the connection, so a statement already
	// executing runs inside tx and is rolled back with it.
	var res driver.Result
	err := b.conn.Raw(func(dc any) error {
		if b.raw == nil {
			st, err := dc.(driver.ConnPrepareContext).PrepareContext(b.ctx, b.text(batchRows))
			if err != nil {
				return err
			}
			b.raw = st
		}
		nv := b.nv[:0]
		for _, vs := range [2][]any{b.pre, b.args} {
			for _, v := range vs {
				// What database/sql's conversion would do for the values
				// a batch is given.
				switch x := v.(type) {
				case int:
					v = int64(x)
				case driver.Valuer:
					var err error
					if v, err = x.Value(); err != nil {
						return err
					}
				}
				nv = append(nv, driver.NamedValue{Ordinal: len(nv) + 1, Value: v})
			}
		}
		b.nv = nv
		var err error
		res, err = b.raw.(driver.StmtExecContext).ExecContext(b.ctx, nv)
		clear(nv) // let go of the values
		return err
	})
	return res, err
}

// withPre is the values of a statement of the queued rows.
func (b *batch) withPre() []any {
	if len(b.pre) == 0 {
		return b.args
	}
	return append(b.pre[:len(b.pre):len(b.pre)], b.args...)
}

// drain executes the queued rows, keeping the prepared statement.
func (b *batch) drain() error {
	if len(b.args) == 0 {
		return nil
	}
	rows := len(b.args) / b.ncol
	res, err := b.tx.ExecContext(b.ctx, b.text(rows), b.withPre()...)
	return b.executed(res, err, rows)
}

// executed ends a statement of the queued rows, which gave res and err:
// it runs after, keeps the rows for failedIDs if either failed, and
// empties the queue.
func (b *batch) executed(res sql.Result, err error, rows int) error {
	if err != nil {
		b.keepFailed(err)
	} else if b.after != nil {
		if err = b.after(res, rows, b.args); err != nil {
			b.failed = append(b.failed[:0], b.args...)
		}
	}
	b.args = b.args[:0]
	return err
}

// keepFailed keeps the queued rows, which err failed, for failedIDs.
// An INSERT OR FAIL (see BeginFile) that breaks a constraint keeps the
// rows before the one that broke it: those are in the table now and would
// pass for repeats when the failure is explained, so only the rows from
// the breaking one on are kept, counting the others with changes(). That
// count is only this statement's when the statement ran, hence only for a
// constraint error; any other keeps every row.
func (b *batch) keepFailed(err error) {
	done := 0
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteConstraint {
		if qerr := b.tx.QueryRowContext(b.ctx, `SELECT changes()`).Scan(&done); qerr != nil || done < 0 || done*b.ncol > len(b.args) {
			done = 0
		}
	}
	b.failed = append(b.failed[:0], b.args[done*b.ncol:]...)
}

// sqliteConstraint is SQLITE_CONSTRAINT, the primary result code of a
// constraint violation.
const sqliteConstraint = 19

// close releases the prepared statement without executing queued rows.
func (b *batch) close() {
	if b.full != nil {
		b.full.Close()
		b.full = nil
	}
	if b.raw != nil {
		b.conn.Raw(func(any) error { return b.raw.Close() })
		b.raw = nil
	}
	b.args = b.args[:0]
}

// failedIDs is the first column of the rows of the statement that failed.
func (b *batch) failedIDs() []string {
	var out []string
	for i := 0; i < len(b.failed); i += b.ncol {
		if s, ok := b.failed[i].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// flush executes the queued rows and releases the prepared statement.
func (b *batch) flush() error {
	defer b.close()
	return b.drain()
}
