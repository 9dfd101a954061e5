package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNoRows is returned by Row.Scan and Get when no row matched, on both
// engines.
var ErrNoRows = errors.New("db: no rows")

// Scanner reads the current row into dest.
type Scanner interface {
	Scan(dest ...any) error
}

// Row is the result of QueryRow.
type Row struct {
	sql *sql.Row
	pgx pgx.Row
	err error
}

// Scan reads the row; ErrNoRows when there was none.
func (r Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	var err error
	if r.pgx != nil {
		err = r.pgx.Scan(dest...)
	} else {
		err = r.sql.Scan(dest...)
	}
	return normalize(err)
}

// Rows iterates a query result. Always Close it; on SQLite nothing else can
// run until it is closed.
type Rows struct {
	sql *sql.Rows
	pgx pgx.Rows
}

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.pgx != nil {
		return r.pgx.Next()
	}
	return r.sql.Next()
}

// Scan reads the current row.
func (r *Rows) Scan(dest ...any) error {
	if r.pgx != nil {
		return normalize(r.pgx.Scan(dest...))
	}
	return normalize(r.sql.Scan(dest...))
}

// Err returns the error that ended the iteration, if any.
func (r *Rows) Err() error {
	if r.pgx != nil {
		return normalize(r.pgx.Err())
	}
	return normalize(r.sql.Err())
}

// Close releases the rows.
func (r *Rows) Close() {
	if r.pgx != nil {
		r.pgx.Close()
		return
	}
	_ = r.sql.Close()
}

// Exec runs a statement in the transaction of ctx, or on its own, and returns
// the number of rows it affected.
func (d *DB) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if t := txFrom(ctx, d); t != nil {
		if t.pgx != nil {
			tag, err := t.pgx.Exec(ctx, query, args...)
			return tag.RowsAffected(), normalize(err)
		}
		query, args = positional(query, args)
		return sqlAffected(t.sql.ExecContext(ctx, query, args...))
	}
	if d.pool != nil {
		tag, err := d.pool.Exec(ctx, query, args...)
		return tag.RowsAffected(), normalize(err)
	}
	query, args = positional(query, args)
	return sqlAffected(d.sql.ExecContext(ctx, query, args...))
}

func sqlAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, normalize(err)
	}
	n, err := res.RowsAffected()
	return n, normalize(err)
}

// QueryRow runs a query expected to return at most one row.
func (d *DB) QueryRow(ctx context.Context, query string, args ...any) Row {
	if t := txFrom(ctx, d); t != nil {
		if t.pgx != nil {
			return Row{pgx: t.pgx.QueryRow(ctx, query, args...)}
		}
		query, args = positional(query, args)
		return Row{sql: t.sql.QueryRowContext(ctx, query, args...)}
	}
	if d.pool != nil {
		return Row{pgx: d.pool.QueryRow(ctx, query, args...)}
	}
	query, args = positional(query, args)
	return Row{sql: d.sql.QueryRowContext(ctx, query, args...)}
}

// Query runs a query returning rows. Prefer Select, which cannot leak them.
func (d *DB) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	if t := txFrom(ctx, d); t != nil {
		if t.pgx != nil {
			rows, err := t.pgx.Query(ctx, query, args...)
			if err != nil {
				return nil, normalize(err)
			}
			return &Rows{pgx: rows}, nil
		}
		query, args = positional(query, args)
		rows, err := t.sql.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, normalize(err)
		}
		return &Rows{sql: rows}, nil
	}
	if d.pool != nil {
		rows, err := d.pool.Query(ctx, query, args...)
		if err != nil {
			return nil, normalize(err)
		}
		return &Rows{pgx: rows}, nil
	}
	query, args = positional(query, args)
	rows, err := d.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, normalize(err)
	}
	return &Rows{sql: rows}, nil
}

// Select runs query and scans every row with scan, reading the result fully
// before it returns.
func Select[T any](ctx context.Context, d *DB, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := d.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Get runs query and scans its one row with scan; ErrNoRows when none.
func Get[T any](ctx context.Context, d *DB, scan func(Scanner) (T, error), query string, args ...any) (T, error) {
	return scan(d.QueryRow(ctx, query, args...))
}

func normalize(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ErrNoRows
	}
	return err
}

// Constraint violations, recognised on both engines.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgNotNullViolation    = "23502"
)

// IsUniqueViolation reports whether err is a unique or primary key
// constraint failure.
func IsUniqueViolation(err error) bool {
	return pgCode(err) == pgUniqueViolation ||
		sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_UNIQUE ||
		sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// IsForeignKeyViolation reports whether err is a foreign key failure.
func IsForeignKeyViolation(err error) bool {
	return pgCode(err) == pgForeignKeyViolation || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// IsCheckViolation reports whether err is a CHECK or NOT NULL failure.
func IsCheckViolation(err error) bool {
	c := pgCode(err)
	return c == pgCheckViolation || c == pgNotNullViolation ||
		sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_CHECK || sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_NOTNULL
}

// ConstraintName returns the violated constraint's name on PostgreSQL and
// the "table.column" list on SQLite, for telling which unique key clashed.
func ConstraintName(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.ConstraintName
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if _, after, ok := strings.Cut(se.Error(), "failed: "); ok {
			return strings.TrimSuffix(after, ")")
		}
	}
	return ""
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// In returns "$start, $start+1, ..." for n values and the args unchanged, for
// building IN lists with numbered placeholders.
func In(start, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", start+i)
	}
	return b.String()
}
