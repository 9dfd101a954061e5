package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openCachingConn opens a SQLite file through the caching driver and
// returns the one connection with its cache.
func openCachingConn(t *testing.T) (*sql.Conn, *cachingConn) {
	t.Helper()
	sdb, err := openSQLiteDB("file:" + filepath.Join(t.TempDir(), "c.db") + "?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	ctx := context.Background()
	conn, err := sdb.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var cc *cachingConn
	if err := conn.Raw(func(dc any) error {
		cc = dc.(*cachingConn)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE TABLE n (id INTEGER PRIMARY KEY, v TEXT)`,
		`INSERT INTO n (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c')`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return conn, cc
}

func TestStatementCacheReusesAndNests(t *testing.T) {
	t.Parallel()
	conn, cc := openCachingConn(t)
	ctx := context.Background()
	const q = `SELECT v FROM n WHERE id >= ? ORDER BY id`
	read := func(from int) []string {
		rows, err := conn.QueryContext(ctx, q, from)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := fmt.Sprint(read(2)); got != "[b c]" {
		t.Fatalf("first read %s", got)
	}
	s := cc.byQuery[q]
	if s == nil {
		t.Fatal("the query's statement was not kept")
	}
	if got := fmt.Sprint(read(1)); got != "[a b c]" {
		t.Fatalf("second read %s", got)
	}
	if cc.byQuery[q] != s {
		t.Fatal("the second read compiled the query again")
	}

	// The same text inside its own loop: the outer rows keep their place.
	rows, err := conn.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, v+fmt.Sprint(read(3)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if got := fmt.Sprint(pairs); got != "[a[c] b[c] c[c]]" {
		t.Fatalf("nested reads %s", got)
	}

	// A changed schema recompiles the kept statement.
	if _, err := conn.ExecContext(ctx, `ALTER TABLE n ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE n SET v = v || '!' WHERE id = ?`, 3); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(read(3)); got != "[c!]" {
		t.Fatalf("read after ALTER TABLE %s", got)
	}

	// Scripts are not kept.
	script := `UPDATE n SET w = 'x'; UPDATE n SET w = 'y' WHERE id = 1`
	if _, err := conn.ExecContext(ctx, script); err != nil {
		t.Fatal(err)
	}
	if _, ok := cc.byQuery[script]; ok {
		t.Fatal("a script was kept")
	}
	var w string
	if err := conn.QueryRowContext(ctx, `SELECT w FROM n WHERE id = 1`).Scan(&w); err != nil || w != "y" {
		t.Fatalf("script ran to %q, %v", w, err)
	}

	// A statement that does not compile is an error, and not kept.
	if _, err := conn.ExecContext(ctx, `UPDATE nowhere SET v = 1`); err == nil {
		t.Fatal("a statement on a missing table ran")
	}
	if _, ok := cc.byQuery[`UPDATE nowhere SET v = 1`]; ok {
		t.Fatal("a failed statement was kept")
	}
}

// Evicting a statement whose rows are open closes it only when they close.
func TestStatementCacheEvictsBusyStatementsLate(t *testing.T) {
	t.Parallel()
	conn, cc := openCachingConn(t)
	ctx := context.Background()
	const q = `SELECT v FROM n ORDER BY id`
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal("no first row")
	}
	busy := cc.byQuery[q]
	for i := range stmtCacheSize + 10 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + count(*) FROM n`, i)).Scan(&n); err != nil || n != i+3 {
			t.Fatalf("query %d: %d, %v", i, n, err)
		}
	}
	if cc.lru.Len() != stmtCacheSize || len(cc.byQuery) != stmtCacheSize {
		t.Fatalf("cache holds %d (%d by text), want %d", cc.lru.Len(), len(cc.byQuery), stmtCacheSize)
	}
	if _, ok := cc.byQuery[q]; ok || !busy.evicted {
		t.Fatal("the busy statement was not evicted")
	}
	var got []string
	for ok := true; ok; ok = rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[a b c]" {
		t.Fatalf("rows of the evicted statement: %v", got)
	}
	// Run again, it is compiled and kept afresh.
	var v string
	if err := conn.QueryRowContext(ctx, q).Scan(&v); err != nil || v != "a" {
		t.Fatalf("after eviction: %q, %v", v, err)
	}
	if s := cc.byQuery[q]; s == nil || s == busy {
		t.Fatal("the query was not kept afresh")
	}
}
