package db_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// A timestamp read through Dialect.TimeText and TimeDest is the one read
// as it is, NULL included, on both engines; on SQLite also for text the
// driver did not write.
func TestTimeTextReadsWhatThePlainColumnReads(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ddl := `CREATE TABLE tt (id INTEGER PRIMARY KEY, at TIMESTAMP)`
		if d.Engine() == db.Postgres {
			ddl = `CREATE TABLE tt (id INTEGER PRIMARY KEY, at TIMESTAMPTZ)`
		}
		if _, err := d.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		values := []any{
			time.Date(2026, 1, 31, 23, 30, 0, 123456000, time.FixedZone("CET", 3600)),
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			nil,
		}
		if d.Engine() == db.SQLite {
			// Text written by SQL rather than the driver.
			values = append(values, "2026-01-02 03:04:05", "2026-01-02T03:04:05.5Z", "2026-07-01")
		}
		for i, v := range values {
			if _, err := d.Exec(ctx, `INSERT INTO tt (id, at) VALUES ($1, $2)`, i, v); err != nil {
				t.Fatal(err)
			}
		}
		dia := d.Dialect()
		rows, err := d.Query(ctx, `SELECT at, `+dia.TimeText("at")+`, `+dia.TimeText("at")+` FROM tt ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var plain, text *time.Time
			var required time.Time
			dest := []any{&plain, dia.NullTimeDest(&text), dia.TimeDest(&required)}
			if values[n] == nil {
				dest[2] = new(any)
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatalf("row %d: %v", n, err)
			}
			switch {
			case plain == nil || text == nil:
				if plain != nil || text != nil {
					t.Errorf("row %d: plain %v, through TimeText %v", n, plain, text)
				}
			case !plain.Equal(*text) || !text.Equal(required) || text.Location() != time.UTC:
				t.Errorf("row %d: plain %v, through TimeText %v and %v", n, plain, text, required)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != len(values) {
			t.Fatalf("read %d rows, want %d", n, len(values))
		}

		// NULL into a required timestamp is an error, not a zero time.
		var required time.Time
		err = d.QueryRow(ctx, `SELECT `+dia.TimeText("at")+` FROM tt WHERE id = 3`).Scan(dia.TimeDest(&required))
		if err == nil {
			t.Fatalf("NULL scanned into a required timestamp as %v", required)
		}
	})
}

func TestParseStoredTime(t *testing.T) {
	t.Parallel()
	good := map[string]time.Time{
		"2026-01-31 23:30:00.123456+01:00":    time.Date(2026, 1, 31, 22, 30, 0, 123456000, time.UTC),
		"2026-01-31 23:30:00-05:30":           time.Date(2026, 2, 1, 5, 0, 0, 0, time.UTC),
		"2026-01-31T23:30:00Z":                time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC),
		"2026-01-31 23:30:00.999999999+00:00": time.Date(2026, 1, 31, 23, 30, 0, 999999999, time.UTC),
		"2024-02-29 00:00:00+00:00":           time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"2026-01-31 23:30":                    time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC),
		"2026-01-31":                          time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC),
	}
	for in, want := range good {
		got, err := db.ParseStoredTime(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseStoredTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-02-30 00:00:00+00:00", "2026-13-01 00:00:00", "2026-01-01 24:00:00",
		"2026-01-01 00:00:00.+00:00", "2026-01-01 00:00:00+0100", "2026-01-01 00:00:00 +00:00"} {
		if got, err := db.ParseStoredTime(in); err == nil {
			t.Errorf("ParseStoredTime(%q) = %v, want an error", in, got)
		}
	}
	// Whatever the driver's layout writes reads back as the same instant.
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		at := time.Unix(r.Int64N(4102444800), r.Int64N(1e9)).In(time.FixedZone("", (r.IntN(28*4)-14*4)*900))
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00"} {
			s := at.Format(layout)
			got, err := db.ParseStoredTime(s)
			if err != nil || !got.Equal(at) {
				t.Fatalf("ParseStoredTime(%q) = %v, %v; want %v", s, got, err, at)
			}
		}
	}
}
