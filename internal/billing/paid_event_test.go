package billing_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A paid invoice pays its orders through the invoice.paid event, not by a
// call from billing's transaction into subscriptions: the payment commits
// alone, the event names the orders, and its delivery pays them once,
// however often it is delivered.
func TestPaidInvoicePaysItsOrdersThroughTheEvent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		inv := f.invoices("customer_direct")[0]
		if _, err := f.bill.RecordPayment(f.as("admin"), inv.ID, billing.PaymentInput{Reference: "SLIP-1", ReceivedOn: start}); err != nil {
			t.Fatal(err)
		}
		order := func() subscription.Order {
			got, err := f.subs.GetOrder(f.as("admin"), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if order().PaidAt != nil || f.sub(o.SubscriptionID).Provisioning != subscription.ProvWaitingPayment {
			t.Fatal("the order was paid inside billing's transaction")
		}
		var data string
		if err := f.d.QueryRow(context.Background(), `SELECT data FROM events WHERE type = 'invoice.paid' AND subject_id = $1`, inv.ID).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var paid billing.InvoicePaid
		if err := json.Unmarshal([]byte(data), &paid); err != nil || len(paid.OrderIDs) != 1 || paid.OrderIDs[0] != o.ID || paid.Number != inv.Number {
			t.Fatalf("invoice.paid data %s (%v), want order %s", data, err, o.ID)
		}
		f.deliver()
		if order().PaidAt == nil || f.sub(o.SubscriptionID).Provisioning != subscription.ProvPending {
			t.Fatal("delivering invoice.paid did not pay the order")
		}
		// Delivering every event again pays nothing twice.
		if _, err := f.d.Exec(context.Background(), `DELETE FROM event_deliveries WHERE subscriber = 'subscription.orders_paid'`); err != nil {
			t.Fatal(err)
		}
		f.deliver()
		var n int
		if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = 'order.paid' AND subject_id = $1`, o.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("order.paid events: %d (%v), want 1", n, err)
		}
	})
}
