package db

import (
	"context"
	"database/sql/driver"
	"fmt"
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
