package billing_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Rolling the schema back to the one with a row per invoice line and per
// ledger kind, and forward again, keeps every document, line and ledger
// entry as the services read them.
func TestMigrationsKeepBillingData(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(f.invoices("customer_direct")[0])
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Pro"].ID})
		f.advance(start.Add(10 * 24 * time.Hour))
		if _, err := f.subs.ChangePlan(f.as("customer_direct"), o.SubscriptionID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID}); err != nil {
			t.Fatal(err)
		}
		f.run()
		invs := f.invoices("customer_direct")
		part := "5.00"
		if _, err := f.bill.CreateCreditNote(f.as("admin"), invs[1].ID, billing.CreditNoteInput{
			Lines: []billing.CreditLineInput{{LineNo: 1, Amount: &part}}, Reason: "goodwill"}); err != nil {
			t.Fatal(err)
		}
		f.advance(start.AddDate(0, 1, 1))

		snapshot := func() string {
			t.Helper()
			out := map[string]any{}
			var lines int
			for _, who := range []string{"customer_direct", "vendor_a", "operator"} {
				docs := f.invoices(who)
				for _, d := range docs {
					lines += len(d.Lines)
				}
				sums, err := f.led.Sums(ctx, f.org(who), time.Time{}, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				out[who] = map[string]any{"documents": docs, "ledger": sums}
			}
			if lines < 6 {
				t.Fatalf("only %d lines to carry across the migrations", lines)
			}
			if err := f.led.Check(ctx); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		// Every charge's state: its status, the run or charge that took it,
		// the invoice that billed it.
		states := func(from string) []string {
			rows, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
				var id, status, run string
				var inv *string
				err := sc.Scan(&id, &status, &run, &inv)
				if inv == nil {
					return id + " " + status + " " + run, err
				}
				return id + " " + status + " " + run + " " + *inv, err
			}, `SELECT `+from+` ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		const current = `charge_id, status, run_id, invoice_id FROM charge_states`
		before, charges := snapshot(), states(current)
		charged := 0
		for _, c := range charges {
			if strings.Count(c, " ") == 3 {
				charged++
			}
		}
		if charged == 0 {
			t.Fatalf("no charge knows its invoice: %v", charges)
		}

		if _, err := f.d.MigrateDownTo(ctx, 9); err != nil {
			t.Fatal(err)
		}
		var rows, kinds int
		if err := f.d.QueryRow(ctx, `SELECT count(*) FROM invoice_lines`).Scan(&rows); err != nil || rows == 0 {
			t.Fatalf("%d invoice lines after rolling back: %v", rows, err)
		}
		if err := f.d.QueryRow(ctx, `SELECT count(DISTINCT kind) FROM ledger_entries`).Scan(&kinds); err != nil || kinds < 3 {
			t.Fatalf("%d ledger kinds after rolling back: %v", kinds, err)
		}
		// Version 9 kept the state on the charge, and knew invoices by lines.
		var old []string
		for _, c := range charges {
			if parts := strings.Fields(c); len(parts) > 3 {
				old = append(old, strings.Join(parts[:3], " "))
			} else {
				old = append(old, c)
			}
		}
		if got := states(`id, status, run_id, NULL FROM charges`); !slices.Equal(got, old) {
			t.Fatalf("charge states after rolling back:\n%v\nwant\n%v", got, old)
		}
		if _, err := f.d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := states(current); !slices.Equal(got, charges) {
			t.Fatalf("charge states after migrating forward:\n%v\nwant\n%v", got, charges)
		}
		if after := snapshot(); after != before {
			t.Fatalf("the documents and ledger changed across the migrations:\nbefore %s\nafter  %s", before, after)
		}
	})
}
