package db_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

func TestMigrationVersionsMatchAcrossEngines(t *testing.T) {
	t.Parallel()
	versions := func(e db.Engine) []string {
		entries, err := fs.ReadDir(db.MigrationsFS(e), ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, en := range entries {
			v, _, _ := strings.Cut(en.Name(), "_")
			out = append(out, v)
		}
		return out
	}
	s, p := versions(db.SQLite), versions(db.Postgres)
	if len(s) == 0 || !slices.Equal(s, p) {
		t.Fatalf("migration versions differ: sqlite %v, postgres %v", s, p)
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in     string
		engine db.Engine
		target string
		ok     bool
	}{
		{"sqlite:data/n.db", db.SQLite, "data/n.db", true},
		{"sqlite:///abs/n.db", db.SQLite, "/abs/n.db", true},
		{"file:n.db", db.SQLite, "n.db", true},
		{"postgres://u@h/db", db.Postgres, "postgres://u@h/db", true},
		{"postgresql://u@h/db", db.Postgres, "postgresql://u@h/db", true},
		{"mysql://u@h/db", "", "", false},
		{"", "", "", false},
	}
	for _, c := range cases {
		e, target, err := db.ParseURL(c.in)
		if (err == nil) != c.ok || e != c.engine || target != c.target {
			t.Errorf("ParseURL(%q) = %q, %q, %v", c.in, e, target, err)
		}
	}
	if got := db.Redact("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("Redact kept the password: %s", got)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		applied, err := d.Migrate(context.Background())
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate applied %v, err %v", applied, err)
		}
		v, err := d.SchemaVersion(context.Background())
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, err %v", v, err)
		}
	})
}

func TestConcurrentMigrationsOfTwoProcesses(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			u := dbtest.NewDatabaseURL(t, e)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d, err := db.Open(context.Background(), db.Config{URL: u})
					if err != nil {
						errs[i] = err
						return
					}
					defer d.Close()
					_, errs[i] = d.Migrate(context.Background())
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		put := func(ctx context.Context, k, v string) error {
			_, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, v, d.Now(ctx))
			return err
		}
		get := func(k string) (string, error) {
			var v string
			err := d.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, k).Scan(&v)
			return v, err
		}

		// Given a transaction that writes and then fails, nothing is kept.
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := put(ctx, "a", "1"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx returned %v", err)
		}
		if _, err := get("a"); !errors.Is(err, db.ErrNoRows) {
			t.Fatalf("rolled back row is visible: %v", err)
		}

		// A nested InTx joins the outer one; the outer failure undoes both.
		_ = d.InTx(ctx, func(ctx context.Context) error {
			if err := d.InTx(ctx, func(ctx context.Context) error { return put(ctx, "b", "1") }); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if _, err := get("b"); !errors.Is(err, db.ErrNoRows) {
			t.Fatalf("inner write survived outer rollback: %v", err)
		}

		// A panic rolls back and propagates.
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic swallowed")
				}
			}()
			_ = d.InTx(ctx, func(ctx context.Context) error {
				_ = put(ctx, "c", "1")
				panic("bang")
			})
		}()
		if _, err := get("c"); !errors.Is(err, db.ErrNoRows) {
			t.Fatalf("write before panic survived: %v", err)
		}

		// Commit keeps the write; AfterCommit runs only after commit.
		var ran bool
		err = d.InTx(ctx, func(ctx context.Context) error {
			d.AfterCommit(ctx, func() { ran = true })
			if ran {
				t.Fatal("AfterCommit ran before commit")
			}
			return put(ctx, "d", "x")
		})
		if err != nil || !ran {
			t.Fatalf("commit: err %v, after-commit ran %v", err, ran)
		}
		if v, err := get("d"); err != nil || v != "x" {
			t.Fatalf("committed row: %q, %v", v, err)
		}
	})
}

func TestNowIsCapturedOncePerTransaction(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewTest(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
			d := dbtest.Open(t, e, dbtest.Options{Clock: clk})
			err := d.InTx(context.Background(), func(ctx context.Context) error {
				first := d.Now(ctx)
				clk.Advance(time.Hour)
				if got := d.Now(ctx); !got.Equal(first) {
					t.Errorf("Now moved inside a transaction: %v then %v", first, got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Now(context.Background()); !got.Equal(clk.Now()) {
				t.Errorf("Now outside a transaction = %v, want the clock's %v", got, clk.Now())
			}
		})
	}
}

func TestConstraintErrorsAreRecognised(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := d.Now(ctx)
		ins := `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`
		if _, err := d.Exec(ctx, ins, "k", "v", now); err != nil {
			t.Fatal(err)
		}
		_, err := d.Exec(ctx, ins, "k", "v", now)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate key not recognised: %v", err)
		}
		_, err = d.Exec(ctx, `INSERT INTO event_deliveries (event_id, subscriber, delivered_at) VALUES ($1, $2, $3)`, "evt_missing", "s", now)
		if !db.IsForeignKeyViolation(err) {
			t.Fatalf("foreign key failure not recognised: %v", err)
		}
		_, err = d.Exec(ctx, `INSERT INTO login_attempts (key, failures, window_start) VALUES ($1, NULL, $2)`, "x", now)
		if !db.IsCheckViolation(err) {
			t.Fatalf("not-null failure not recognised: %v", err)
		}
	})
}

func TestSelectReadsEveryRowInOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, k := range []string{"c", "a", "b"} {
			if _, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, strings.ToUpper(k), d.Now(ctx)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Select(ctx, d, func(s db.Scanner) (string, error) {
			var k, v string
			err := s.Scan(&k, &v)
			return k + v, err
		}, `SELECT key, value FROM settings WHERE key IN (`+db.In(1, 3)+`) ORDER BY key`, "a", "b", "c")
		if err != nil || !slices.Equal(got, []string{"aA", "bB", "cC"}) {
			t.Fatalf("Select = %v, %v", got, err)
		}
	})
}

// A savepoint undoes only what its function wrote, even after a statement
// failed inside it (which aborts a whole transaction on PostgreSQL without
// one), and the transaction commits the rest.
func TestSavepointUndoesOnlyItsPart(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		put := func(ctx context.Context, k string) error {
			_, err := d.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)`, k, "v", d.Now(ctx))
			return err
		}
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := put(ctx, "kept-1"); err != nil {
				return err
			}
			err := d.Savepoint(ctx, func(ctx context.Context) error {
				if err := put(ctx, "undone"); err != nil {
					return err
				}
				return put(ctx, "kept-1") // a unique violation
			})
			if !db.IsUniqueViolation(err) {
				t.Errorf("savepoint returned %v, want the unique violation", err)
			}
			if err := d.Savepoint(ctx, func(ctx context.Context) error { return errors.Join(put(ctx, "undone-2"), boom) }); !errors.Is(err, boom) {
				t.Errorf("savepoint returned %v", err)
			}
			if err := d.Savepoint(ctx, func(ctx context.Context) error { return put(ctx, "kept-2") }); err != nil {
				return err
			}
			return put(ctx, "kept-3")
		})
		if err != nil {
			t.Fatal(err)
		}
		keys, err := db.Select(ctx, d, func(s db.Scanner) (string, error) {
			var k string
			return k, s.Scan(&k)
		}, `SELECT key FROM settings WHERE key LIKE 'kept-%' OR key LIKE 'undone%' ORDER BY key`)
		if err != nil || !slices.Equal(keys, []string{"kept-1", "kept-2", "kept-3"}) {
			t.Fatalf("kept %v (%v)", keys, err)
		}
	})
}
