package db

import (
	"context"

	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Deferred inserts. A batch that writes hundreds of rows into tables it
// never reads back in the same transaction (events, audit entries, orders
// of a lifecycle batch) writes them with CopyIn before it commits instead
// of one statement each: on PostgreSQL a round trip per row becomes one
// COPY per table.
//
//	err := d.InTx(ctx, func(ctx context.Context) error {
//		d.DeferInserts(ctx)
//		for ... { d.Insert(ctx, "events", cols, ...) } // kept
//		return nil
//	}) // written before the commit, in the order the tables were first used
//
// A deferred row is invisible to reads until it is written (at Flush or at
// the commit), so only rows nothing in the transaction reads back may be
// deferred; a constraint a deferred row breaks fails the commit, not the
// Insert. Outside a deferring transaction Insert is a plain INSERT.

// deferredRows are the rows kept for one table and column list.
type deferredRows struct {
	table string
	cols  []string
	rows  [][]any
}

// deferred is a transaction's kept rows, tables in first-use order, and
// its kept statements (ExecLater), in order.
type deferred struct {
	tables []*deferredRows
	byKey  map[string]*deferredRows
	execs  []deferredExec
}

// deferredExec is a statement ExecLater kept.
type deferredExec struct {
	query string
	args  []any
}

// DeferInserts makes the write transaction of ctx keep the rows given to
// Insert and write them before it commits.
func (d *DB) DeferInserts(ctx context.Context) error {
	t := txFrom(ctx, d)
	if t == nil || t.snapshot {
		return ErrNoTx
	}
	if t.deferred == nil {
		t.deferred = &deferred{byKey: map[string]*deferredRows{}}
	}
	return nil
}

// Insert inserts a row of vals into table's columns cols: kept for later
// in a transaction that defers inserts (see DeferInserts), at once
// otherwise.
func (d *DB) Insert(ctx context.Context, table string, cols []string, vals ...any) error {
	if len(vals) != len(cols) {
		return errors.New("db: insert into " + table + ": " + strconv.Itoa(len(vals)) + " values for " + strconv.Itoa(len(cols)) + " columns")
	}
	if t := txFrom(ctx, d); t != nil && t.deferred != nil {
		t.deferred.add(table, cols, vals)
		return nil
	}
	_, err := d.Exec(ctx, insertSQL(table, cols), vals...)
	return err
}

// ExecLater executes a statement whose result nothing needs: kept for
// later in a transaction that defers inserts, and then sent with the
// others in one round trip (PostgreSQL) after the kept rows are written;
// at once otherwise. What it changes is invisible to reads until then: a
// lifecycle batch saves each subscription it stepped this way, and reads
// none of them again.
func (d *DB) ExecLater(ctx context.Context, query string, args ...any) error {
	if t := txFrom(ctx, d); t != nil && t.deferred != nil {
		t.deferred.execs = append(t.deferred.execs, deferredExec{query, args})
		return nil
	}
	_, err := d.Exec(ctx, query, args...)
	return err
}

// Flush writes the rows the transaction of ctx keeps, if any, then runs
// the statements it keeps.
func (d *DB) Flush(ctx context.Context) error {
	t := txFrom(ctx, d)
	if t == nil || t.deferred == nil {
		return nil
	}
	for _, r := range t.deferred.tables {
		rows := r.rows
		r.rows = nil
		if _, err := d.CopyIn(ctx, r.table, r.cols, rows); err != nil {
			return err
		}
	}
	execs := t.deferred.execs
	t.deferred.execs = nil
	if t.pgx != nil && len(execs) > 0 {
		return sendBatch(ctx, t.pgx, execs)
	}
	for _, e := range execs {
		if _, err := d.Exec(ctx, e.query, e.args...); err != nil {
			return err
		}
	}
	return nil
}

// sendBatch sends statements to PostgreSQL in one round trip.
func sendBatch(ctx context.Context, tx pgx.Tx, execs []deferredExec) error {
	b := &pgx.Batch{}
	for _, e := range execs {
		b.Queue(e.query, e.args...)
	}
	br := tx.SendBatch(ctx, b)
	for range execs {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return normalize(err)
		}
	}
	return normalize(br.Close())
}

func (f *deferred) add(table string, cols []string, vals []any) {
	key := table + "(" + strings.Join(cols, ",")
	r := f.byKey[key]
	if r == nil {
		r = &deferredRows{table: table, cols: cols}
		f.byKey[key] = r
		f.tables = append(f.tables, r)
	}
	r.rows = append(r.rows, vals)
}

// mark is how many statements and rows of each table are kept, for a
// savepoint to go back to.
func (f *deferred) mark() []int {
	if f == nil {
		return nil
	}
	m := []int{len(f.execs)}
	for _, r := range f.tables {
		m = append(m, len(r.rows))
	}
	return m
}

// undo drops the statements and rows kept since mark m.
func (f *deferred) undo(m []int) {
	if f == nil || len(m) == 0 {
		return
	}
	f.execs = f.execs[:m[0]]
	for i, r := range f.tables {
		if i+1 < len(m) {
			r.rows = r.rows[:m[i+1]]
		} else {
			r.rows = nil
		}
	}
}

// insertSQLs caches the INSERT statement of each table and column list.
var insertSQLs sync.Map

// insertSQL is the single-row INSERT into table's columns cols.
func insertSQL(table string, cols []string) string {
	key := table + "(" + strings.Join(cols, ",")
	if q, ok := insertSQLs.Load(key); ok {
		return q.(string)
	}
	marks := make([]string, len(cols))
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(i+1)
	}
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
	insertSQLs.Store(key, q)
	return q
}

// Columns splits a column list as written in SQL ("id, type, ...").
func Columns(list string) []string {
	var out []string
	for c := range strings.SplitSeq(list, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}
