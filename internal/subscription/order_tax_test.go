package subscription_test

import (
	"context"
	"errors"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// tenPercent is a tax estimator charging 10 % of the lines, or failing.
type tenPercent struct {
	fail  bool
	calls int
}

func (e *tenPercent) EstimateOrderTax(_ context.Context, _, _, _ string, cur money.Currency, lines []pricing.QuoteLine) (money.Amount, error) {
	e.calls++
	if e.fail {
		return money.Amount{}, errors.New("tax tables unavailable")
	}
	var sum int64
	for _, l := range lines {
		sum += l.Amount.Minor()
	}
	return money.NewAmount(sum/10, cur), nil
}

// An order records the tax estimated when it is placed, and its total;
// what remains to pay follows its payment; an order placed before orders
// recorded their tax says so (no tax, no total, its subtotal due).
func TestOrderRecordsItsTax(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		est := &tenPercent{}
		f.withTaxes(est)
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		amounts := func(o subscription.Order) [4]string {
			s := func(a *money.Amount) string {
				if a == nil {
					return "-"
				}
				return a.String()
			}
			return [4]string{s(o.Subtotal), s(o.Tax), s(o.Total), s(o.AmountDue)}
		}
		if got, want := amounts(o), [4]string{"40.00", "4.00", "44.00", "44.00"}; got != want {
			t.Fatalf("placed: subtotal, tax, total, amount due %v, want %v", got, want)
		}
		got, err := f.svc.GetOrder(f.as("customer_direct"), o.ID)
		if err != nil || amounts(got) != amounts(o) {
			t.Fatalf("read back %v (%v), placed %v", amounts(got), err, amounts(o))
		}
		f.pay(o.ID)
		got, _ = f.svc.GetOrder(f.as("customer_direct"), o.ID)
		if want := [4]string{"40.00", "4.00", "44.00", "0.00"}; amounts(got) != want || got.PaidAt == nil {
			t.Fatalf("paid: %v, want %v", amounts(got), want)
		}
		// The order.paid event says so too.
		var due string
		if err := f.d.QueryRow(context.Background(), `SELECT data->'amount_due'->>'amount' FROM events WHERE type = 'order.paid' AND subject_id = $1`,
			o.ID).Scan(&due); err != nil || due != "0.00" {
			t.Fatalf("order.paid event: amount due %q (%v)", due, err)
		}

		// Before orders recorded their tax.
		legacy := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		if _, err := f.d.Exec(context.Background(), `UPDATE orders SET tax_minor = NULL WHERE id = $1`, legacy.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.GetOrder(f.as("customer_direct"), legacy.ID)
		if want := [4]string{"40.00", "-", "-", "40.00"}; amounts(got) != want {
			t.Fatalf("an order without its tax: %v, want %v", amounts(got), want)
		}

		// An estimate that fails fails the order: nothing is placed.
		est.fail = true
		before := len(f.orders("", ""))
		if _, err := f.svc.PlaceOrder(f.as("customer_direct"), subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID}); err == nil {
			t.Fatal("placed an order whose tax could not be estimated")
		}
		if after := len(f.orders("", "")); after != before {
			t.Fatalf("%d orders, want %d", after, before)
		}
	})
}
