package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

func TestDeferredInserts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE kept (id TEXT PRIMARY KEY, n BIGINT NOT NULL, at TIMESTAMP, note TEXT)`); err != nil {
			t.Fatal(err)
		}
		cols := db.Columns("id, n, at, note")
		count := func(ctx context.Context) int {
			t.Helper()
			var n int
			if err := d.QueryRow(ctx, `SELECT count(*) FROM kept`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := d.DeferInserts(ctx); err != nil {
				return err
			}
			if err := d.Insert(ctx, "kept", cols, "a", int64(1), at, nil); err != nil {
				return err
			}
			// A failed savepoint takes its kept rows with it; a good one keeps them.
			if err := d.Savepoint(ctx, func(ctx context.Context) error {
				_ = d.Insert(ctx, "kept", cols, "b", int64(2), at, "gone")
				return boom
			}); !errors.Is(err, boom) {
				return err
			}
			if err := d.Savepoint(ctx, func(ctx context.Context) error {
				return d.Insert(ctx, "kept", cols, "c", int64(3), nil, "kept")
			}); err != nil {
				return err
			}
			// Kept statements run after the kept rows are written, in order;
			// a failed savepoint takes its own with it.
			if err := d.ExecLater(ctx, `UPDATE kept SET n = n + 10 WHERE id = $1`, "a"); err != nil {
				return err
			}
			if err := d.Savepoint(ctx, func(ctx context.Context) error {
				_ = d.ExecLater(ctx, `UPDATE kept SET n = n + 100 WHERE id = $1`, "a")
				return boom
			}); !errors.Is(err, boom) {
				return err
			}
			if err := d.ExecLater(ctx, `UPDATE kept SET n = n * 2 WHERE id = $1`, "a"); err != nil {
				return err
			}
			if n := count(ctx); n != 0 {
				t.Errorf("%d rows visible before the commit, want 0 (kept)", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := db.Select(ctx, d, func(sc db.Scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		}, `SELECT id FROM kept ORDER BY id`)
		if err != nil || len(ids) != 2 || ids[0] != "a" || ids[1] != "c" {
			t.Fatalf("after the commit: %v %v, want [a c]", ids, err)
		}
		var n int64
		if err := d.QueryRow(ctx, `SELECT n FROM kept WHERE id = 'a'`).Scan(&n); err != nil || n != 22 {
			t.Fatalf("a's n after the kept updates: %d %v, want (1 + 10) * 2", n, err)
		}
		// A transaction that fails writes nothing it kept.
		_ = d.InTx(ctx, func(ctx context.Context) error {
			_ = d.DeferInserts(ctx)
			_ = d.Insert(ctx, "kept", cols, "d", int64(4), at, nil)
			return boom
		})
		// Without DeferInserts, Insert writes at once.
		err = d.InTx(ctx, func(ctx context.Context) error {
			if err := d.Insert(ctx, "kept", cols, "e", int64(5), at, nil); err != nil {
				return err
			}
			if n := count(ctx); n != 3 {
				t.Errorf("%d rows inside the transaction, want 3", n)
			}
			return nil
		})
		if err != nil || count(ctx) != 3 {
			t.Fatalf("%v: %d rows, want 3", err, count(ctx))
		}
		// A kept row that breaks a constraint fails the commit, and the
		// transaction's other writes go with it.
		err = d.InTx(ctx, func(ctx context.Context) error {
			_ = d.DeferInserts(ctx)
			if err := d.Insert(ctx, "kept", cols, "f", int64(6), at, nil); err != nil {
				return err
			}
			return d.Insert(ctx, "kept", cols, "a", int64(7), at, nil)
		})
		if err == nil {
			t.Fatalf("a duplicate kept row committed")
		}
		if n := count(ctx); n != 3 {
			t.Fatalf("%d rows after a failed commit, want 3", n)
		}
		if err := d.DeferInserts(ctx); err == nil {
			t.Fatal("DeferInserts outside a transaction succeeded")
		}
	})
}
