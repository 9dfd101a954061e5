package billing_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/schedule"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Issue 15: a vendor line of 92233720368547758 EUR was accepted and made
// an invoice whose total wrapped below zero and was marked paid. Every
// amount a vendor types is bounded (money.MaxUnitPriceText,
// MaxQuantity, MaxAmountText) and refused with a field error.
func TestVendorLineAmountsAreBounded(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Metered"].ID})
		f.pay(f.invoices("customer_direct")[0])
		vendor := f.as("vendor_a")
		for _, c := range []struct{ q, price string }{
			{"1", "92233720368547758"},
			{"1", "99999999999999999999.99"},
			{"1", "1000000000"},
			{"1000000000001", "0.01"},
			{"100000", "999999999"}, // each within bounds, the line above MaxAmountText
		} {
			_, err := f.bill.AddVendorLine(vendor, o.SubscriptionID, billing.VendorLineInput{Description: "Setup",
				Quantity: dec(c.q), UnitPrice: dec(c.price)})
			wantCode(t, err, "too_large")
		}
		if _, err := f.bill.AddVendorLine(vendor, o.SubscriptionID, billing.VendorLineInput{Description: "Setup",
			Quantity: dec("10000"), UnitPrice: dec("999999999")}); err != nil {
			t.Fatalf("a line of %s: %v", money.MaxAmountText, err)
		}
		_, err := f.bill.RecordUsage(vendor, o.SubscriptionID, billing.UsageInput{Item: "api_calls", Quantity: dec("1000000000000.5")})
		wantCode(t, err, "too_large")
	})
}

// A document whose amounts do not fit fails alone: its charges are marked
// failed for an operator, the run reports no error, and the other
// customers are billed. Usage at the largest price and quantity a user may
// enter (10^12 calls at 999999999.999999999) is beyond any Amount.
func TestOverflowingDocumentFailsAlone(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.product("vendor_a", "Firehose", false, plan("Firehose", "renewable_months", "1.00", func(in *catalog.PlanInput) {
			in.Metrics = &[]catalog.MetricInput{{Key: "events", Name: "Events", Unit: "event", Aggregation: "sum",
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: dec(money.MaxUnitPriceText)}}}
		}))
		huge := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Firehose"].ID})
		f.pay(f.invoices("customer_direct")[0])
		f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(f.invoices("customer_a1")[0])
		if _, err := f.bill.RecordUsage(f.as("vendor_a"), huge.SubscriptionID, billing.UsageInput{Item: "events",
			Quantity: dec("1000000000000")}); err != nil {
			t.Fatal(err)
		}
		// Both subscriptions renew at the same time, in one run.
		err := schedule.Advance(context.Background(), f.clock, start.AddDate(0, 1, 0).Add(time.Minute), []schedule.Work{f.subs, f.bill},
			func(ctx context.Context) error { _, err := f.ob.DeliverPending(ctx); return err })
		if err != nil {
			t.Fatalf("one payer's impossible invoice stopped the run: %v", err)
		}
		if n := len(f.invoices("customer_a1")); n != 2 {
			t.Fatalf("customer_a1 has %d invoices, want its renewal too", n)
		}
		if n := len(f.invoices("customer_direct")); n != 1 {
			t.Fatalf("customer_direct has %d invoices, want none for the overflowing period", n)
		}
		var failed int
		var reason string
		if err := f.d.QueryRow(context.Background(), `SELECT count(*), coalesce(max(error), '') FROM charge_states
			WHERE status = 'failed' AND payer_org_id = $1`, f.org("customer_direct")).Scan(&failed, &reason); err != nil {
			t.Fatal(err)
		}
		if failed == 0 || reason == "" {
			t.Fatalf("%d failed charges (%q), want the overflowing document's", failed, reason)
		}
		// The next run does not try (and fail) again.
		if _, err := f.bill.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Staff find the failed charges and why; others may not look.
		list, err := f.bill.FailedCharges(f.as("admin"))
		if err != nil || len(list) != failed || list[0].PayerOrgID != f.org("customer_direct") || list[0].Error == "" {
			t.Fatalf("failed charges: %+v %v", list, err)
		}
		_, err = f.bill.FailedCharges(f.as("customer_direct"))
		wantCode(t, err, "permission_denied")
		wantCode(t, f.bill.RetryCharge(f.as("vendor_a"), list[0].ChargeID), "permission_denied")
		// Retried as it is, it fails again, and still alone.
		for _, c := range list {
			if err := f.bill.RetryCharge(f.as("admin"), c.ChargeID); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, f.bill.RetryCharge(f.as("admin"), list[0].ChargeID), "charge_not_failed")
		if _, err := f.bill.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if again, err := f.bill.FailedCharges(f.as("admin")); err != nil || len(again) != failed {
			t.Fatalf("after the retry: %+v %v", again, err)
		}
		wantCode(t, f.bill.RetryCharge(f.as("admin"), ids.New(billing.ChargeKind)), "charge_not_found")
	})
}

// A recurring vendor line stored before the maxima existed is left out of
// the next periods (and logged) instead of failing every period of its
// subscription; the subscription's licence is billed as ever.
func TestLegacyVendorLineBeyondMaximaIsNotCharged(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.pay(f.invoices("customer_direct")[0])
		vl, err := f.bill.AddVendorLine(f.as("vendor_a"), o.SubscriptionID, billing.VendorLineInput{Description: "Support",
			Quantity: dec("1"), UnitPrice: dec("10"), Recurring: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.Exec(context.Background(), `UPDATE vendor_lines SET unit_price = '92233720368547758' WHERE id = $1`, vl.ID); err != nil {
			t.Fatal(err)
		}
		f.advance(start.AddDate(0, 1, 0).Add(time.Hour))
		invs := f.invoices("customer_direct")
		if len(invs) != 2 || invs[1].Total.String() != "36.60" {
			t.Fatalf("the renewal: %d invoices, %v", len(invs), amounts(invs[len(invs)-1]))
		}
	})
}

// The reason stored with a failed charge is clipped to 1,000 bytes at a
// rune boundary: cut inside one, PostgreSQL refused the text and the run
// that should have failed one document failed as a whole.
func TestFailedChargeReasonStaysValidText(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		reason := errors.New(strings.Repeat("a", 999) + "€ beyond the largest storable amount")
		if err := f.bill.MarkFailed(context.Background(), ids.New(billing.RunKind), []string{ids.New(billing.ChargeKind)}, reason); err != nil {
			t.Fatalf("marking a charge failed with a long reason: %v", err)
		}
	})
}
