package db_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// A snapshot reads beside a write transaction in flight and sees the
// database as committed; writes inside it fail.
func TestSnapshotReadsBesideTheWriter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, _ := dbtest.OpenURL(t, db.SQLite, dbtest.Options{})
	if !d.CanSnapshot() {
		t.Fatal("a SQLite file cannot snapshot")
	}
	put := func(ctx context.Context, k string) error {
		_, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, 'v', $2)`, k, d.Now(ctx))
		return err
	}
	count := func(ctx context.Context) (n int) {
		if err := d.QueryRow(ctx, `SELECT count(*) FROM settings WHERE key LIKE 'snap.%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := put(ctx, "snap.a"); err != nil {
		t.Fatal(err)
	}
	err := d.InTx(ctx, func(ctx context.Context) error {
		if err := put(ctx, "snap.b"); err != nil {
			return err
		}
		// The single writer connection is busy; the snapshot reads anyway.
		return d.InSnapshot(context.Background(), func(sctx context.Context) error {
			if n := count(sctx); n != 1 {
				t.Errorf("snapshot sees %d rows, want the 1 committed", n)
			}
			if err := put(sctx, "snap.c"); err == nil {
				t.Error("a snapshot wrote")
			}
			if err := d.InTx(sctx, func(context.Context) error { return nil }); err == nil {
				t.Error("a write transaction joined a snapshot")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(ctx); n != 2 {
		t.Fatalf("%d rows after commit, want 2", n)
	}
	if err := d.InTx(ctx, func(ctx context.Context) error {
		return d.InSnapshot(ctx, func(context.Context) error { return nil })
	}); err == nil {
		t.Fatal("a snapshot started inside a transaction")
	}
}

// Two equal write marks prove nothing was written between them, whether
// by this process or by another.
func TestWriteMarkChangesOnEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, u := dbtest.OpenURL(t, db.SQLite, dbtest.Options{})
	other, err := db.Open(ctx, db.Config{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mark := func() (m [2]int64) {
		if err := d.InTx(ctx, func(ctx context.Context) error {
			var ok bool
			var err error
			if m, ok, err = d.WriteMark(ctx); err == nil && !ok {
				t.Fatal("SQLite has no write mark")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	put := func(d *db.DB, k string) {
		if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, 'v', $2)`, k, d.Now(ctx)); err != nil {
			t.Fatal(err)
		}
	}
	m0 := mark()
	if m := mark(); m != m0 {
		t.Fatalf("mark moved without a write: %v then %v", m0, m)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM settings`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if m := mark(); m != m0 {
		t.Fatalf("a read moved the mark: %v then %v", m0, m)
	}
	put(d, "mark.here")
	m1 := mark()
	if m1 == m0 {
		t.Fatal("a write by this process left the mark")
	}
	put(other, "mark.other")
	if m := mark(); m == m1 {
		t.Fatal("a write by another process left the mark")
	}
	if _, ok, err := d.WriteMark(ctx); ok || err != nil {
		t.Fatalf("a write mark outside a transaction: %v, %v", ok, err)
	}
}
