package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// customers creates n more customers of the operator and orders the Basic
// plan for each, without running billing.
func (f *fixture) customers(n int) []string {
	f.t.Helper()
	var out []string
	for i := range n {
		o, err := f.w.Svc.CreateOrganization(sys(), identity.CreateOrganizationInput{Kind: identity.CustomerOrg, Name: fmt.Sprintf("Load %02d", i), Country: "IT"})
		if err != nil {
			f.t.Fatal(err)
		}
		if _, err := f.subs.PlaceOrder(sys(), subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID, CustomerOrgID: o.ID}); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, o.ID)
	}
	if _, err := f.ob.DeliverPending(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// checkOnce checks every charge was invoiced once, each payer got one
// invoice, and the issuer's numbers run 1..n without a gap.
func (f *fixture) checkOnce(n int) {
	f.t.Helper()
	ctx := context.Background()
	var charges, linked, lines, invoices, pending int
	q := func(sql string, dst *int) {
		if err := f.d.QueryRow(ctx, sql).Scan(dst); err != nil {
			f.t.Fatal(err)
		}
	}
	q(`SELECT count(*) FROM charge_states WHERE status = 'invoiced'`, &charges)
	q(`SELECT count(*) FROM charge_states WHERE invoice_id IS NOT NULL`, &linked)
	// Every invoiced charge is on the lines of exactly one invoice.
	ids, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	}, `SELECT id FROM invoices ORDER BY id`)
	if err != nil {
		f.t.Fatal(err)
	}
	onLines := map[string]string{}
	for _, id := range ids {
		inv, err := f.bill.GetInvoice(sys(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, l := range inv.Lines {
			if prev, ok := onLines[l.ChargeID]; ok && prev != inv.ID {
				f.t.Fatalf("charge %s is on invoices %s and %s", l.ChargeID, prev, inv.ID)
			}
			if l.ChargeID != "" {
				onLines[l.ChargeID] = inv.ID
			}
		}
	}
	lines = len(onLines)
	q(`SELECT count(*) FROM invoices`, &invoices)
	q(`SELECT count(*) FROM charges c JOIN charge_states cs ON cs.charge_id = c.id WHERE cs.status = 'pending' AND c.kind = 'advance'`, &pending)
	if charges != n || linked != n || lines != n || invoices != n || pending != 0 {
		f.t.Fatalf("%d charges invoiced, %d linked to an invoice, %d charged on lines, %d invoices, %d pending; want %d", charges, linked, lines, invoices, pending, n)
	}
	numbers, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	}, `SELECT number FROM invoices ORDER BY number`)
	if err != nil {
		f.t.Fatal(err)
	}
	for i, num := range numbers {
		if want := billing.FormatNumber(billing.KindInvoice, 2026, int64(i+1)); num != want {
			f.t.Fatalf("number %d is %s, want %s", i+1, num, want)
		}
	}
}

// Two processes running billing on one PostgreSQL invoice each charge
// once, with gapless numbers.
func TestTwoProcessesInvoiceOnce(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		if e != db.Postgres {
			continue
		}
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			f := setup(t, e)
			const n = 40
			f.customers(n)
			d2, err := db.Open(context.Background(), db.Config{URL: f.url, Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			defer d2.Close()
			_, _, _, _, bill2, _, _ := services2(t, d2)
			var wg sync.WaitGroup
			done := make([]int, 2)
			for i, svc := range []*billing.Service{f.bill, bill2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						k, err := svc.RunDue(context.Background())
						if err != nil {
							t.Error(err)
						}
						done[i] += k
					}
				}()
			}
			wg.Wait()
			f.checkOnce(n)
			t.Logf("process 1 issued %d, process 2 issued %d", done[0], done[1])
		})
	}
}

// A run killed in the middle loses only its open batch; the next run
// finishes the job, each charge invoiced once and no number skipped.
func TestKilledRunResumes(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		const n = 7
		f.customers(n)
		died := errors.New("killed")
		f.bill.SetBatchHook(func(batch int) error {
			if batch == 2 {
				return died
			}
			return nil
		})
		if _, err := f.bill.RunDue(context.Background()); !errors.Is(err, died) {
			t.Fatalf("first run: %v", err)
		}
		var invoices int
		if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM invoices`).Scan(&invoices); err != nil || invoices == 0 || invoices == n {
			t.Fatalf("after the killed run %d invoices (%v)", invoices, err)
		}
		f.bill.SetBatchHook(nil)
		f.clock.Advance(time.Minute)
		if _, err := f.bill.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.checkOnce(n)
	})
}

// On SQLite a run builds the next batch on a snapshot while the current one
// writes. What was built is used only if nothing was written since; a
// write between two batches (here a customer renamed) makes the next batch
// build again, so its invoice carries the new name.
func TestReadAheadOnlyWhenNothingChanged(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if f.d.Engine() != db.SQLite {
			t.Skip("PostgreSQL runs batches on parallel workers instead")
		}
		ctx := context.Background()
		payers := f.customers(6) // three batches of two payers
		renamed := "Renamed between batches"
		f.bill.SetBetweenBatches(func(batch int) {
			if batch != 1 {
				return
			}
			for _, p := range payers {
				if _, err := f.w.Svc.UpdateOrganization(sys(), p, identity.UpdateOrganizationInput{Name: &renamed}); err != nil {
					t.Error(err)
				}
			}
		})
		if _, err := f.bill.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		f.checkOnce(6)
		// Batch 1 was built while the run marked overdue invoices: used as
		// built. Batch 2 was built during batch 1, before the rename: built
		// again. Batch 3 was built during batch 2, after it: used as built.
		if got := f.bill.ReadAhead(); got != 2 {
			t.Fatalf("%d batches used what was built ahead, want 2", got)
		}
		var stale, fresh int
		if err := f.d.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE recipient LIKE '%Load 0%'`).Scan(&stale); err != nil {
			t.Fatal(err)
		}
		if err := f.d.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE recipient LIKE '%`+renamed+`%'`).Scan(&fresh); err != nil {
			t.Fatal(err)
		}
		if stale != 2 || fresh != 4 {
			t.Fatalf("%d invoices with the old names, %d with the new; want 2 and 4", stale, fresh)
		}
	})
}

// A payer with more due charges than a batch reads (eight a payer) gets
// them all on one invoice, whether its batch was read ahead or not, and
// the payers after it are still invoiced.
func TestPayerWithManyChargesInOneBatch(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		first := f.customers(2) // batch 1: read in its transaction
		many, err := f.w.Svc.CreateOrganization(sys(), identity.CreateOrganizationInput{Kind: identity.CustomerOrg, Name: "Many", Country: "IT"})
		if err != nil {
			t.Fatal(err)
		}
		const orders = 20 // more than BatchPayers (2) × 8
		for range orders {
			if _, err := f.subs.PlaceOrder(sys(), subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID, CustomerOrgID: many.ID}); err != nil {
				t.Fatal(err)
			}
		}
		after := f.customers(3)
		if _, err := f.ob.DeliverPending(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := f.bill.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		var pending int
		if err := f.d.QueryRow(ctx, `SELECT count(*) FROM charges c JOIN charge_states cs ON cs.charge_id = c.id
			WHERE cs.status = 'pending' AND c.kind = 'advance'`).Scan(&pending); err != nil || pending != 0 {
			t.Fatalf("%d advance charges left pending: %v", pending, err)
		}
		for _, org := range append(append(first, many.ID), after...) {
			list, _, err := f.bill.ListInvoices(sys(), billing.InvoiceFilter{RecipientOrgID: org})
			if err != nil || len(list) != 1 {
				t.Fatalf("%s got %d invoices: %v", org, len(list), err)
			}
			inv, err := f.bill.GetInvoice(sys(), list[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if org == many.ID {
				want = orders
			}
			subs := map[string]bool{}
			for _, l := range inv.Lines {
				subs[l.SubscriptionID] = true
			}
			if len(subs) != want {
				t.Fatalf("%s's invoice charges %d subscriptions, want %d", org, len(subs), want)
			}
		}
	})
}
