package billing_test

import (
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A boundary's charges for one customer land on one invoice however the
// work is interleaved: the lifecycle works two customers a batch, and
// billing runs after every event it delivers, yet each customer gets one
// invoice for the new month of its three subscriptions (and last month's
// usage), not one per subscription.
func TestBoundaryIsOneInvoicePerCustomer(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		customers := []string{"customer_direct", "customer_dist", "customer_a1", "customer_a2", "customer_b1"}
		for _, c := range customers {
			for _, p := range []string{"Basic", "Pro", "Metered"} {
				f.order(c, subscription.PlaceOrderInput{PlanID: f.plans[p].ID})
			}
			for _, inv := range f.invoices(c) {
				f.pay(inv)
			}
		}
		boundary := start.AddDate(0, 1, 0)
		f.clock.Set(boundary.Add(2 * time.Hour)) // past the hold of last month's usage
		ctx := sys()
		if _, err := f.subs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		events, err := db.Select(ctx, f.d, func(sc db.Scanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		}, `SELECT id FROM events WHERE type LIKE 'subscription.%' AND occurred_at >= $1 ORDER BY id`, boundary)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 {
			t.Fatal("the boundary announced nothing")
		}
		for _, id := range events {
			if err := f.ob.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := f.bill.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		f.run()
		for _, c := range customers {
			var n int
			if err := f.d.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE recipient_org_id = $1 AND issued_at >= $2`, f.org(c), boundary).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%s: %d invoices for the boundary, want 1", c, n)
			}
		}
	})
}
