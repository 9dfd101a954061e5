package billing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// A billing run reads due charges by seeking, however the charge tables
// grew since the planner's statistics were taken: a boundary takes them
// from a handful of rows to hundreds of thousands within minutes, and a
// run that read them with the handful's plan scanned every charge for
// every charge (quadratic: a 5,000-subscription day spent 15 s there).
func TestRunRefreshesStatisticsAfterTheChargesGrew(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if f.d.Engine() != db.SQLite {
			t.Skip("PostgreSQL's autovacuum analyzes on its own")
		}
		ctx := sys()
		payer, issuer := f.org("customer_direct"), f.org("operator")
		grow := func(from, to int) {
			t.Helper()
			var charges, states, details [][]any
			for i := from; i < to; i++ {
				id := fmt.Sprintf("chg_grown%06d", i)
				charges = append(charges, []any{id, id, "advance", payer, issuer, issuer, "EUR", false, f.clock.Now(), f.clock.Now()})
				// Pending, but a year ahead: in the pending index, not due.
				states = append(states, []any{id, payer, f.clock.Now().AddDate(1, 0, 0), "pending"})
				details = append(details, []any{id, "{}"})
			}
			err := f.d.InTx(ctx, func(ctx context.Context) error {
				for _, c := range []struct {
					table string
					cols  []string
					rows  [][]any
				}{
					{"charges", []string{"id", "key", "kind", "payer_org_id", "issuer_org_id", "vendor_org_id", "currency", "self_billed", "bill_at", "created_at"}, charges},
					{"charge_states", []string{"charge_id", "payer_org_id", "bill_at", "status"}, states},
					{"charge_details", []string{"charge_id", "detail"}, details},
				} {
					if _, err := f.d.CopyIn(ctx, c.table, c.cols, c.rows); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		grow(0, 3)
		if _, err := f.d.Exec(ctx, `ANALYZE`); err != nil {
			t.Fatal(err)
		}
		grow(3, 3000)
		if _, err := f.bill.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		// The statistics the planner reads count the charges there are now
		// (each row of sqlite_stat1 starts with its table's row count).
		for _, table := range []string{"charges", "charge_states", "charge_details"} {
			var rows int
			if err := f.d.QueryRow(ctx, `SELECT coalesce(max(CAST(stat AS INTEGER)), 0) FROM sqlite_stat1 WHERE tbl = $1`, table).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows < 3000 {
				t.Errorf("after a run the planner believes %s holds %d rows, not 3,000", table, rows)
			}
		}
	})
}
