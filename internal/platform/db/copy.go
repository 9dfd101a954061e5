package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CopyIn inserts rows into table's columns inside the transaction of ctx:
// the fast path for batch writers such as the billing run. On PostgreSQL it
// is a COPY in the native transaction; on SQLite one prepared single-row
// INSERT executed per row (modernc parses a statement's parameters in
// quadratic time, so multi-row VALUES lists are slower there than repeated
// single rows). Values are what Exec takes; driver.Valuers (decimals,
// amounts) are converted first. It returns the number of rows inserted.
func (d *DB) CopyIn(ctx context.Context, table string, columns []string, rows [][]any) (int64, error) {
	t := txFrom(ctx, d)
	if t == nil {
		return 0, ErrNoTx
	}
	if len(rows) == 0 {
		return 0, nil
	}
	if t.pgx != nil {
		for _, r := range rows {
			for i, v := range r {
				if val, ok := v.(driver.Valuer); ok {
					x, err := val.Value()
					if err != nil {
						return 0, fmt.Errorf("copy into %s: %w", table, err)
					}
					r[i] = x
				}
			}
		}
		n, err := t.pgx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return n, fmt.Errorf("copy into %s: %w", table, normalize(err))
		}
		return n, nil
	}
	// Anonymous placeholders: the driver looks up the name of every
	// numbered one on every row.
	marks := make([]string, len(columns))
	for i := range marks {
		marks[i] = "?"
	}
	st, err := t.sql.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(columns, ", ")+") VALUES ("+strings.Join(marks, ", ")+")")
	if err != nil {
		return 0, fmt.Errorf("copy into %s: %w", table, normalize(err))
	}
	defer st.Close()
	for i, r := range rows {
		if _, err := st.ExecContext(ctx, r...); err != nil {
			return int64(i), fmt.Errorf("copy into %s: %w", table, normalize(err))
		}
	}
	return int64(len(rows)), nil
}

// InsertNew inserts those of rows (values of columns, in order) whose
// value of the unique column key no row has yet, and reports which it
// inserted. The database decides, by its unique index, whatever its
// statistics say (a read of the existing keys first was planned as a
// scan of the whole table on PostgreSQL while the table grew) and however
// many transactions insert the same key at once (the later ones wait for
// the first and skip it). On PostgreSQL a multi-row INSERT ... ON CONFLICT
// DO NOTHING RETURNING per chunk of rows, on SQLite one prepared
// single-row insert per row.
func (d *DB) InsertNew(ctx context.Context, table string, columns []string, key string, rows [][]any) ([]bool, error) {
	t := txFrom(ctx, d)
	if t == nil {
		return nil, ErrNoTx
	}
	k := slices.Index(columns, key)
	if k < 0 {
		return nil, fmt.Errorf("insert into %s: no column %s", table, key)
	}
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	tail := " ON CONFLICT (" + key + ") DO NOTHING"
	inserted := make([]bool, len(rows))
	if t.pgx == nil {
		st, err := t.sql.PrepareContext(ctx, head+"("+strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")+")"+tail)
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", table, normalize(err))
		}
		defer st.Close()
		for i, r := range rows {
			n, err := sqlAffected(st.ExecContext(ctx, r...))
			if err != nil {
				return nil, fmt.Errorf("insert into %s: %w", table, err)
			}
			inserted[i] = n == 1
		}
		return inserted, nil
	}
	per := max(1, 60000/len(columns)) // PostgreSQL takes at most 65,535 parameters
	for lo := 0; lo < len(rows); lo += per {
		chunk := rows[lo:min(lo+per, len(rows))]
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, len(chunk)*len(columns))
		at := make(map[string]int, len(chunk))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range columns {
				if j > 0 {
					q.WriteString(", ")
				}
				args = append(args, r[j])
				q.WriteString("$" + strconv.Itoa(len(args)))
			}
			q.WriteString(")")
			at[fmt.Sprint(r[k])] = lo + i
		}
		q.WriteString(tail + " RETURNING " + key)
		got, err := Select(ctx, d, func(sc Scanner) (string, error) {
			var v string
			return v, sc.Scan(&v)
		}, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", table, err)
		}
		for _, v := range got {
			inserted[at[v]] = true
		}
	}
	return inserted, nil
}
