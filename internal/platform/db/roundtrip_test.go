package db_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// The storage rules for money and time hold on both engines: rounded amounts
// as BIGINT minor units, unit prices and rates as decimal NUMERIC
// (PostgreSQL) or TEXT (SQLite), times as UTC microseconds.
func TestMoneyAndTimeRoundTrip(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ddl := `CREATE TABLE rt (id INTEGER PRIMARY KEY, minor BIGINT NOT NULL, currency TEXT NOT NULL,
			price TEXT NOT NULL, at TIMESTAMP NOT NULL, data TEXT NOT NULL, flag INTEGER NOT NULL)`
		if d.Engine() == db.Postgres {
			ddl = `CREATE TABLE rt (id INTEGER PRIMARY KEY, minor BIGINT NOT NULL, currency TEXT NOT NULL,
				price NUMERIC NOT NULL, at TIMESTAMPTZ NOT NULL, data JSONB NOT NULL, flag BOOLEAN NOT NULL)`
		}
		if _, err := d.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		eur := money.MustCurrency("EUR")
		rome := time.FixedZone("CET", 3600)
		cases := []struct {
			amount money.Amount
			price  string
			at     time.Time
		}{
			{money.NewAmount(6300, eur), "10.10", time.Date(2026, 1, 31, 23, 30, 0, 123456000, rome)},
			{money.NewAmount(-1, eur), "12345678901234567.123456789012", time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)},
			{money.NewAmount(math.MaxInt64, money.MustCurrency("JPY")), "0.000000001", time.Date(2100, 6, 1, 0, 0, 0, 0, time.UTC)},
			{money.NewAmount(0, money.MustCurrency("BHD")), "-3.5", time.Date(2026, 3, 29, 1, 30, 0, 1000, rome)},
		}
		for i, c := range cases {
			price := money.MustDecimal(c.price)
			_, err := d.Exec(ctx, `INSERT INTO rt (id, minor, currency, price, at, data, flag) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				i, c.amount.Minor(), c.amount.Currency(), price, c.at, `{"k": "v"}`, i%2 == 0)
			if err != nil {
				t.Fatal(err)
			}
			var minor int64
			var cur money.Currency
			var gotPrice money.Decimal
			var at time.Time
			var data string
			var flag bool
			err = d.QueryRow(ctx, `SELECT minor, currency, price, at, data, flag FROM rt WHERE id = $1`, i).
				Scan(&minor, &cur, &gotPrice, &at, &data, &flag)
			if err != nil {
				t.Fatal(err)
			}
			if got := money.NewAmount(minor, cur); got != c.amount {
				t.Errorf("amount %v came back as %v", c.amount, got)
			}
			if !gotPrice.Equal(price) || gotPrice.String() != price.String() {
				t.Errorf("price %s came back as %s", price, gotPrice)
			}
			if !at.Equal(c.at) || at.Location() != time.UTC {
				t.Errorf("time %v came back as %v (%v)", c.at, at, at.Location())
			}
			if flag != (i%2 == 0) {
				t.Errorf("flag came back as %v", flag)
			}
			if data == "" || data[0] != '{' {
				t.Errorf("json came back as %q", data)
			}
		}
		// Minor units sum exactly in SQL on both engines.
		var sum int64
		if err := d.QueryRow(ctx, `SELECT sum(minor) FROM rt WHERE currency = $1`, "EUR").Scan(&sum); err != nil || sum != 6299 {
			t.Fatalf("sum = %d, %v", sum, err)
		}
		// Times compare correctly in SQL on both engines.
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM rt WHERE at < $1`, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)).Scan(&n); err != nil || n != 2 {
			t.Fatalf("time comparison counted %d, %v", n, err)
		}
	})
}

// CopyIn writes what Exec writes, on both engines, inside the transaction.
func TestCopyIn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ddl := `CREATE TABLE cp (id TEXT PRIMARY KEY, minor BIGINT NOT NULL, price TEXT NOT NULL, at TIMESTAMP, data TEXT NOT NULL, flag INTEGER NOT NULL)`
		if d.Engine() == db.Postgres {
			ddl = `CREATE TABLE cp (id TEXT PRIMARY KEY, minor BIGINT NOT NULL, price NUMERIC NOT NULL, at TIMESTAMPTZ, data JSONB NOT NULL, flag BOOLEAN NOT NULL)`
		}
		if _, err := d.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		if _, err := d.CopyIn(ctx, "cp", []string{"id"}, [][]any{{"x"}}); err != db.ErrNoTx {
			t.Fatalf("outside a transaction: %v", err)
		}
		at := time.Date(2026, 4, 1, 10, 0, 0, 123000, time.UTC)
		rows := [][]any{
			{"a", int64(6300), money.MustDecimal("10.10"), at, `{"k": "v"}`, true},
			{"b", int64(-1), money.MustDecimal("12345678901234567.123456789012"), nil, `[]`, false},
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			n, err := d.CopyIn(ctx, "cp", []string{"id", "minor", "price", "at", "data", "flag"}, rows)
			if err == nil && n != 2 {
				t.Errorf("%d rows copied", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var price money.Decimal
		var got *time.Time
		var flag bool
		if err := d.QueryRow(ctx, `SELECT price, at, flag FROM cp WHERE id = 'a'`).Scan(&price, &got, &flag); err != nil {
			t.Fatal(err)
		}
		if !price.Equal(money.MustDecimal("10.10")) || got == nil || !got.Equal(at) || !flag {
			t.Fatalf("row a: %s %v %v", price, got, flag)
		}
		if err := d.QueryRow(ctx, `SELECT price, at FROM cp WHERE id = 'b'`).Scan(&price, &got); err != nil || got != nil || price.String() != "12345678901234567.123456789012" {
			t.Fatalf("row b: %s %v %v", price, got, err)
		}
		// A failing row rolls the whole transaction back.
		err = d.InTx(ctx, func(ctx context.Context) error {
			_, err := d.CopyIn(ctx, "cp", []string{"id", "minor", "price", "data", "flag"}, [][]any{
				{"c", int64(1), money.MustDecimal("1"), `{}`, true}, {"a", int64(1), money.MustDecimal("1"), `{}`, true}})
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate key: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM cp`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d rows after a failed copy", n)
		}
	})
}

func TestOptimize(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if _, err := d.Optimize(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// Shard splits the values of a column into disjoint shards that cover
// them all.
func TestShardPartitions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE sharded (v TEXT PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		err := d.InTx(ctx, func(ctx context.Context) error {
			var rows [][]any
			for i := range 500 {
				rows = append(rows, []any{fmt.Sprintf("org_%04d", i)})
			}
			_, err := d.CopyIn(ctx, "sharded", []string{"v"}, rows)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n := d.Dialect().Writers()
		seen := map[string]int{}
		for i := range n {
			vs, err := db.Select(ctx, d, func(sc db.Scanner) (string, error) {
				var v string
				return v, sc.Scan(&v)
			}, `SELECT v FROM sharded WHERE `+d.Dialect().Shard("v", n, i))
			if err != nil {
				t.Fatal(err)
			}
			if n > 1 && (len(vs) < 100 || len(vs) > 400) {
				t.Errorf("shard %d of %d holds %d of 500 values", i, n, len(vs))
			}
			for _, v := range vs {
				seen[v]++
			}
		}
		for v, k := range seen {
			if k != 1 {
				t.Errorf("%s is in %d shards", v, k)
			}
		}
		if len(seen) != 500 {
			t.Errorf("the shards hold %d of 500 values", len(seen))
		}
	})
}

// InsertNew inserts the rows whose key is new and says which; two
// transactions inserting the same keys at once insert each once.
func TestInsertNew(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Exec(ctx, `CREATE TABLE keyed (id TEXT PRIMARY KEY, k TEXT NOT NULL UNIQUE, n BIGINT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		cols := []string{"id", "k", "n"}
		insert := func(ctx context.Context, prefix string, keys ...string) ([]bool, error) {
			var rows [][]any
			for i, k := range keys {
				rows = append(rows, []any{fmt.Sprintf("%s%d", prefix, i), k, int64(i)})
			}
			var got []bool
			err := d.InTx(ctx, func(ctx context.Context) error {
				var err error
				got, err = d.InsertNew(ctx, "keyed", cols, "k", rows)
				return err
			})
			return got, err
		}
		if got, err := insert(ctx, "a", "x", "y"); err != nil || !slices.Equal(got, []bool{true, true}) {
			t.Fatalf("first insert: %v %v", got, err)
		}
		if got, err := insert(ctx, "b", "y", "z", "x"); err != nil || !slices.Equal(got, []bool{false, true, false}) {
			t.Fatalf("second insert: %v %v, want only z new", got, err)
		}
		if _, err := d.InsertNew(ctx, "keyed", cols, "k", nil); !errors.Is(err, db.ErrNoTx) {
			t.Fatalf("outside a transaction: %v", err)
		}
		// Four transactions insert the same 300 keys at once.
		keys := make([]string, 300)
		for i := range keys {
			keys[i] = fmt.Sprintf("key%03d", i)
		}
		results := make([][]bool, 4)
		var wg sync.WaitGroup
		for w := range results {
			wg.Go(func() {
				var err error
				if results[w], err = insert(ctx, fmt.Sprintf("w%d_", w), keys...); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for i := range keys {
			n := 0
			for _, r := range results {
				if len(r) > i && r[i] {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%s reported inserted by %d transactions", keys[i], n)
			}
		}
		var rows int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM keyed`).Scan(&rows); err != nil || rows != 303 {
			t.Fatalf("%d rows, want 303 (%v)", rows, err)
		}
	})
}
