package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// tx is a transaction in flight, carried in the context.
type tx struct {
	db          *DB
	sql         *sql.Tx
	pgx         pgx.Tx
	now         time.Time
	afterCommit []func()
	snapshot    bool      // a read-only snapshot (InSnapshot)
	savepoints  int       // savepoints made, to name the next one
	deferred    *deferred // rows kept until the commit (DeferInserts)
}

type txKey struct{}

func txFrom(ctx context.Context, d *DB) *tx {
	t, _ := ctx.Value(txKey{}).(*tx)
	if t == nil || (d != nil && t.db != d) {
		return nil
	}
	return t
}

// InTx runs fn inside one transaction and commits when fn returns nil. The
// transaction travels in the context handed to fn: every store call made
// with that context joins it. Called inside a transaction of the same
// database, InTx joins it (the outermost call commits). The business time is
// captured once, when the outermost transaction begins; read it with Now.
// If fn panics the transaction rolls back and the panic continues.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if t := txFrom(ctx, d); t != nil {
		if t.snapshot {
			return errors.New("db: a write transaction cannot join a snapshot")
		}
		return fn(ctx)
	}
	t := &tx{db: d, now: d.clock.Now()}
	if d.pool != nil {
		t.pgx, err = d.pool.Begin(ctx)
	} else {
		t.sql, err = d.sql.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			t.rollback()
			panic(p)
		}
	}()
	tctx := context.WithValue(ctx, txKey{}, t)
	if err := fn(tctx); err != nil {
		t.rollback()
		return err
	}
	if err := d.Flush(tctx); err != nil {
		t.rollback()
		return err
	}
	if t.pgx != nil {
		err = t.pgx.Commit(ctx)
	} else {
		err = t.sql.Commit()
	}
	if err != nil {
		return fmt.Errorf("commit: %w", normalize(err))
	}
	for _, f := range t.afterCommit {
		f()
	}
	return nil
}

// Savepoint runs fn in the transaction carried by ctx so that an error of
// fn undoes only what fn wrote: the transaction goes on, and fn's error is
// returned. Batch work uses it to let one item fail alone. Outside a
// transaction it is InTx.
func (d *DB) Savepoint(ctx context.Context, fn func(ctx context.Context) error) error {
	t := txFrom(ctx, d)
	if t == nil {
		return d.InTx(ctx, fn)
	}
	if t.snapshot {
		return errors.New("db: a write transaction cannot join a snapshot")
	}
	t.savepoints++
	name := fmt.Sprintf("sp%d", t.savepoints)
	if _, err := d.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	kept := t.deferred.mark()
	if err := fn(ctx); err != nil {
		t.deferred.undo(kept)
		if _, rerr := d.Exec(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("roll back to savepoint: %w", rerr))
		}
		if _, rerr := d.Exec(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("release savepoint: %w", rerr))
		}
		return err
	}
	_, err := d.Exec(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

// CanSnapshot reports whether InSnapshot can read beside the writer: on a
// SQLite file, whose single writer connection would otherwise serialise
// every read behind the transaction in flight.
func (d *DB) CanSnapshot() bool { return d.reader != nil }

// InSnapshot runs fn in a read-only transaction on a connection of its own
// (SQLite files, see CanSnapshot), so it can read while another goroutine's
// write transaction is in flight. fn sees one consistent snapshot: the
// database as committed when its first read ran. Writes inside it fail.
func (d *DB) InSnapshot(ctx context.Context, fn func(ctx context.Context) error) error {
	if d.reader == nil {
		return errors.New("db: snapshots need a SQLite file")
	}
	if txFrom(ctx, d) != nil {
		return errors.New("db: a snapshot cannot start inside a transaction")
	}
	st, err := d.reader.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	t := &tx{db: d, sql: st, now: d.clock.Now(), snapshot: true}
	defer t.rollback()
	return fn(context.WithValue(ctx, txKey{}, t))
}

// WriteMark identifies the database's state as the writer connection sees
// it, inside a SQLite transaction: it changes whenever anything is written,
// by this process (the connection's total_changes) or by another
// (data_version). Two equal marks read in two transactions prove nothing
// was written between them. On PostgreSQL it reports ok false.
func (d *DB) WriteMark(ctx context.Context) (mark [2]int64, ok bool, err error) {
	t := txFrom(ctx, d)
	if t == nil || t.sql == nil || t.snapshot {
		return mark, false, nil
	}
	if err := t.sql.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&mark[0]); err != nil {
		return mark, false, fmt.Errorf("write mark: %w", err)
	}
	if err := t.sql.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&mark[1]); err != nil {
		return mark, false, fmt.Errorf("write mark: %w", err)
	}
	return mark, true, nil
}

func (t *tx) rollback() {
	// Use a fresh context: the caller's may be cancelled, which is often why
	// we are rolling back.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if t.pgx != nil {
		_ = t.pgx.Rollback(ctx)
	} else {
		_ = t.sql.Rollback()
	}
}

// InTransaction reports whether ctx carries a transaction of d.
func (d *DB) InTransaction(ctx context.Context) bool { return txFrom(ctx, d) != nil }

// Now returns the business time of the transaction in ctx, captured once when
// it began, so every row a transaction writes carries the same time. Outside
// a transaction it reads the clock.
func (d *DB) Now(ctx context.Context) time.Time {
	if t := txFrom(ctx, d); t != nil {
		return t.now
	}
	return d.clock.Now()
}

// AfterCommit runs f once the transaction in ctx commits (never if it rolls
// back). Outside a transaction f runs at once. For nudges that must not
// happen before the data is visible, such as waking a worker.
func (d *DB) AfterCommit(ctx context.Context, f func()) {
	if t := txFrom(ctx, d); t != nil {
		t.afterCommit = append(t.afterCommit, f)
		return
	}
	f()
}

// SQLTx returns the *sql.Tx in ctx (SQLite), for libraries that must join
// the business transaction, such as the job queue.
func (d *DB) SQLTx(ctx context.Context) (*sql.Tx, bool) {
	if t := txFrom(ctx, d); t != nil && t.sql != nil {
		return t.sql, true
	}
	return nil, false
}

// PgxTx returns the pgx.Tx in ctx (PostgreSQL), for libraries that must join
// the business transaction, such as the job queue.
func (d *DB) PgxTx(ctx context.Context) (pgx.Tx, bool) {
	if t := txFrom(ctx, d); t != nil && t.pgx != nil {
		return t.pgx, true
	}
	return nil, false
}

// ErrNoTx is returned by operations that must run inside a transaction.
var ErrNoTx = errors.New("db: no transaction in context")

// MustTx returns ErrNoTx unless ctx carries a transaction of d.
func (d *DB) MustTx(ctx context.Context) error {
	if txFrom(ctx, d) == nil {
		return ErrNoTx
	}
	return nil
}
