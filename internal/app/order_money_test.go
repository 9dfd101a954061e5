package app_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// orderMoney is an order's amounts as the API answers them.
type orderMoney struct {
	ID               string `json:"id"`
	Subtotal         *struct{ Amount string }
	Tax              *struct{ Amount string }
	Total            *struct{ Amount string }
	AmountDue        *struct{ Amount string } `json:"amount_due"`
	DurationSubtotal *struct{ Amount string } `json:"duration_subtotal"`
	PaidAt           *string                  `json:"paid_at"`
}

func amountOf(a *struct{ Amount string }) string {
	if a == nil {
		return "-"
	}
	return a.Amount
}

// An order speaks the invoice's vocabulary: its subtotal, the tax billing
// will add and its total are its first invoice's, and once that invoice
// is paid nothing is due (issue 15: the paid order showed "Due EUR 88.70"
// before tax while checkout charged 108.21 with it).
func TestOrderTotalIsTheFirstInvoiceWithTax(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			en := newEnv(t, e)
			sys := actor.With(context.Background(), actor.System)
			// 8.70 once + 80.00 per month (three months at least): VAT 22 %
			// on 88.70 is 19.514, billed as 19.51.
			_, plans := catalogtest.Published(t, en.app.Catalog, en.world.Orgs["vendor_a"].ID, "Cloud Drive", catalog.PlanInput{
				Name: catalogtest.Ptr("Team"), PricingKind: catalogtest.Ptr("renewable_months"), Currency: catalogtest.Ptr("EUR"),
				SetupFee: catalogtest.DP("8.70"), RecurringPrice: catalogtest.DP("80.00"), MinPeriods: catalogtest.Ptr(3)})
			mustJSON(t, en.as("admin", "POST", "/api/v1/tax-rates", map[string]any{"country": "IT", "rate": "22", "name": "VAT IT"}), &struct{}{})

			var o orderMoney
			mustJSON(t, en.as("customer_direct", "POST", "/api/v1/orders", map[string]any{"plan_id": plans[0].ID}), &o)
			got := [5]string{amountOf(o.Subtotal), amountOf(o.Tax), amountOf(o.Total), amountOf(o.AmountDue), amountOf(o.DurationSubtotal)}
			if want := [5]string{"88.70", "19.51", "108.21", "108.21", "248.70"}; got != want {
				t.Fatalf("placed order: subtotal, tax, total, amount due, duration subtotal = %v, want %v", got, want)
			}

			if _, err := en.app.Outbox.DeliverPending(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := en.app.Billing.RunDue(sys); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Data []struct {
					ID                   string
					Subtotal, Tax, Total struct{ Amount string }
				} `json:"data"`
			}
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/invoices", nil), &list)
			if len(list.Data) != 1 {
				t.Fatalf("invoices: %+v", list.Data)
			}
			inv := list.Data[0]
			if inv.Subtotal.Amount != amountOf(o.Subtotal) || inv.Tax.Amount != amountOf(o.Tax) || inv.Total.Amount != amountOf(o.Total) {
				t.Fatalf("the invoice says %+v, the order %v", inv, got)
			}

			mustJSON(t, en.as("admin", "POST", "/api/v1/invoices/"+inv.ID+"/payments", map[string]any{"amount": inv.Total.Amount,
				"reference": "BANK-1", "received_on": "2026-01-01T00:00:00Z"}), &struct{}{})
			if _, err := en.app.Outbox.DeliverPending(sys); err != nil { // invoice.paid pays the order
				t.Fatal(err)
			}
			var paid orderMoney
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/orders/"+o.ID, nil), &paid)
			if paid.PaidAt == nil || amountOf(paid.AmountDue) != "0.00" || amountOf(paid.Total) != "108.21" {
				t.Fatalf("paid order: paid at %v, amount due %s, total %s", paid.PaidAt, amountOf(paid.AmountDue), amountOf(paid.Total))
			}
			var orders struct{ Data []orderMoney }
			mustJSON(t, en.as("customer_direct", "GET", "/api/v1/orders", nil), &orders)
			if len(orders.Data) != 1 || amountOf(orders.Data[0].AmountDue) != "0.00" || amountOf(orders.Data[0].Total) != "108.21" {
				t.Fatalf("orders list: %+v", orders.Data)
			}
		})
	}
}
