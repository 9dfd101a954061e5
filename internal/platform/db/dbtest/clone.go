package dbtest

import (
	"context"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// CloneRows inserts n copies of table's row id, with overrides giving SQL
// for some columns (g.n numbers the copies from 1): a population of
// thousands made from one row placed through the services, in one
// statement.
func CloneRows(t testing.TB, d *db.DB, table, id string, n int, overrides map[string]string) {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM pragma_table_info($1) ORDER BY cid`
	series := `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < $2)`
	from := `g`
	if d.Engine() == db.Postgres {
		list = `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`
		series, from = ``, `generate_series(1, $2) AS g(n)`
	}
	cols, err := db.Select(ctx, d, func(s db.Scanner) (string, error) {
		var c string
		return c, s.Scan(&c)
	}, list, table)
	if err != nil || len(cols) == 0 {
		t.Fatalf("columns of %s: %v", table, err)
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = "t." + c
		if o, ok := overrides[c]; ok {
			exprs[i] = o
		}
	}
	q := series + ` INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(exprs, ", ") +
		` FROM ` + table + ` t, ` + from + ` WHERE t.id = $1`
	if d.Engine() == db.SQLite {
		q = `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) ` + series + ` SELECT ` + strings.Join(exprs, ", ") +
			` FROM ` + table + ` t, ` + from + ` WHERE t.id = $1`
	}
	if _, err := d.Exec(ctx, q, id, n); err != nil {
		t.Fatalf("clone %s: %v", table, err)
	}
}

// IDExpr is SQL for a valid id of kind made of number expression n.
func IDExpr(e db.Engine, kind, n string) string {
	if e == db.Postgres {
		return `'` + kind + `_01' || lpad(to_hex(` + n + `), 24, '0')`
	}
	return `'` + kind + `_01' || printf('%024x', ` + n + `)`
}

// TextExpr is SQL for number expression n as text.
func TextExpr(e db.Engine, n string) string {
	if e == db.Postgres {
		return n + `::text`
	}
	return `CAST(` + n + ` AS TEXT)`
}
