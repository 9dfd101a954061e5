package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// TestOptimizeAfterGrowthSeeksAgain: statistics taken while tables held a
// handful of rows make SQLite scan the inner table of a join; a boundary
// grows them to thousands within minutes. Optimize brings the seek back,
// on every connection of the pool.
func TestOptimizeAfterGrowthSeeksAgain(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.SQLite, dbtest.Options{})
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE grow_a (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`)
	exec(`CREATE TABLE grow_b (a_id TEXT PRIMARY KEY, v TEXT NOT NULL)`)
	exec(`CREATE INDEX grow_a_n ON grow_a (n)`)
	fill := func(from, to int) {
		t.Helper()
		var a, b [][]any
		for i := from; i < to; i++ {
			a = append(a, []any{fmt.Sprintf("a%06d", i), i})
			b = append(b, []any{fmt.Sprintf("a%06d", i), "v"})
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.CopyIn(ctx, "grow_a", []string{"id", "n"}, a); err != nil {
				return err
			}
			_, err := d.CopyIn(ctx, "grow_b", []string{"a_id", "v"}, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	const q = `EXPLAIN QUERY PLAN SELECT a.id, b.v FROM grow_a a JOIN grow_b b ON b.a_id = a.id WHERE a.n > $1`
	var asked atomic.Int64
	explain := func(ctx context.Context) string {
		// A new text each time: an EXPLAIN kept in the statement cache
		// shows the plan it was prepared with, whatever happened since.
		rows, err := d.Query(ctx, fmt.Sprintf("%s -- %d", q, asked.Add(1)), 19990)
		if err != nil {
			return err.Error()
		}
		defer rows.Close()
		var plan string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err.Error()
			}
			plan += detail + "; "
		}
		return plan
	}
	inSnapshot := func() string {
		var plan string
		err := d.InSnapshot(ctx, func(ctx context.Context) error {
			// A read first: an EXPLAIN runs no code that would notice a
			// changed schema, a query does (and so do billing's reads).
			var n int
			if err := d.QueryRow(ctx, `SELECT count(*) FROM grow_b`).Scan(&n); err != nil {
				return err
			}
			plan = explain(ctx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return plan
	}
	// The snapshot reader and the pool's connections, several at once.
	plans := func() []string {
		t.Helper()
		out := make([]string, 4)
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i] = explain(ctx)
			}()
		}
		wg.Wait()
		return append(out, inSnapshot())
	}
	fill(0, 3)
	exec(`ANALYZE`)
	_ = plans() // every connection has read the handful's statistics
	fill(3, 20000)
	for _, p := range plans() {
		if !strings.Contains(p, "SCAN") {
			t.Logf("statistics of a handful of rows no longer mislead: %s", p)
		}
	}
	if _, err := d.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range plans() {
		if strings.Contains(p, "SCAN") {
			t.Errorf("after Optimize a connection still scans: %s (of %q)", p, plans())
		}
	}
}

// On PostgreSQL Optimize analyzes a table that grew since its last
// analysis, without waiting for autovacuum.
func TestOptimizeAnalyzesGrownTablesOnPostgres(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if d.Engine() != db.Postgres {
			t.Skip("SQLite: see TestOptimizeAfterGrowthSeeksAgain")
		}
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE grown (id TEXT PRIMARY KEY) WITH (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO grown SELECT 'r' || g FROM generate_series(1, 3) g`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `ANALYZE grown`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(ctx, `INSERT INTO grown SELECT 'r' || g FROM generate_series(4, 5000) g`); err != nil {
			t.Fatal(err)
		}
		believed := func() float64 {
			var n float64
			if err := d.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'grown'::regclass`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The server's activity counters reach pg_stat_user_tables within a second.
		deadline := clock.System{}.Now().Add(10 * time.Second)
		for believed() < 5000 {
			if _, err := d.Optimize(ctx); err != nil {
				t.Fatal(err)
			}
			if (clock.System{}).Now().After(deadline) {
				t.Fatalf("after Optimize the planner believes the table holds %.0f rows, not 5,000", believed())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
