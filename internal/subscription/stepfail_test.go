package subscription_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Issue 15: channel markups raised under a running subscription pushed its
// renewal price beyond what can be computed, and the failed renewal
// stopped the lifecycle step for every subscription. It fails alone now:
// the others renew, staff see the failure and retry it once fixed.
func TestOneUnpriceableRenewalFailsAlone(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		pct := func(v string) *pricing.ChargeMarkups {
			return &pricing.ChargeMarkups{Recurring: &pricing.Markup{Kind: pricing.MarkupPercent, Value: dec(v)}}
		}
		var catalogs []string
		for _, l := range []struct{ who, tier string }{{"admin", channel.Wholesale}, {"distributor", channel.SellIn}, {"reseller_a", channel.SellOut}} {
			c, err := f.ch.CreatePriceCatalog(f.as(l.who), channel.PriceCatalogInput{Tier: l.tier, Name: str(l.tier), Markups: pct("0"),
				IsDefault: catalogtest.Ptr(true)})
			if err != nil {
				t.Fatal(err)
			}
			catalogs = append(catalogs, c.ID)
		}
		// Given a reseller's customer and a direct customer on Basic,
		bought := map[string]string{}
		for _, who := range []string{"customer_a1", "customer_direct"} {
			o := f.order(who, subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
			f.pay(o.ID)
			f.deploy(o.SubscriptionID)
			bought[who] = o.SubscriptionID
		}
		// when the channel's markups compound beyond any price the
		// platform can compute (30 × 10^7 × 10^7),
		setMarkups := func(v string) {
			t.Helper()
			for i, who := range []string{"admin", "distributor"} {
				if _, err := f.ch.UpdatePriceCatalog(f.as(who), catalogs[i], channel.PriceCatalogInput{Markups: pct(v)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		setMarkups("999999999")
		// the month's end renews the direct customer, and the reseller's
		// customer's renewal fails alone, recorded for staff.
		f.advance(start.AddDate(0, 1, 1))
		if n := len(f.orders(bought["customer_direct"], subscription.OrderRenewal)); n != 1 {
			t.Fatalf("direct customer: %d renewals, want 1", n)
		}
		if n := len(f.orders(bought["customer_a1"], subscription.OrderRenewal)); n != 0 {
			t.Fatalf("the unpriceable renewal made %d orders", n)
		}
		failed, err := f.svc.FailedSteps(f.as("admin"))
		if err != nil || len(failed) != 1 || failed[0].SubscriptionID != bought["customer_a1"] || !strings.Contains(failed[0].Error, pricing.CodeAmountOverflow) {
			t.Fatalf("failed steps: %+v (%v)", failed, err)
		}
		if got := f.sub(bought["customer_a1"]); got.NextActionAt != nil || got.Status != subscription.StatusActive {
			t.Fatalf("failed subscription: %s, next action %v", got.Status, got.NextActionAt)
		}
		var audited int
		if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'subscription.step_failed'
			AND object_id = $1`, bought["customer_a1"]).Scan(&audited); err != nil || audited != 1 {
			t.Fatalf("audited %d failures (%v)", audited, err)
		}
		if _, err := f.svc.FailedSteps(f.as("customer_a1")); errs.KindOf(err) != errs.KindForbidden {
			t.Fatalf("a customer read failed steps: %v", err)
		}
		// Once the markups are sane again, a retry renews it.
		setMarkups("10")
		if err := f.svc.RetryStep(f.as("admin"), bought["customer_a1"]); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RetryStep(f.as("admin"), bought["customer_a1"]); !errs.Is(err, "step_not_failed") {
			t.Fatalf("second retry: %v", err)
		}
		f.advance(start.AddDate(0, 1, 1).Add(time.Hour))
		renewals := f.orders(bought["customer_a1"], subscription.OrderRenewal)
		if got := f.sub(bought["customer_a1"]); len(renewals) != 1 || !got.Prices.Recurring.Equal(dec("36.30")) || got.NextActionAt == nil {
			t.Fatalf("after the retry: %d renewals, price %s, next action %v", len(renewals), got.Prices.Recurring, got.NextActionAt)
		}
		if failed, err := f.svc.FailedSteps(f.as("admin")); err != nil || len(failed) != 0 {
			t.Fatalf("still failed: %+v (%v)", failed, err)
		}
	})
}

// A step failing with an error that may pass (here a row the service
// cannot read) fails alone too, and is tried again an hour later without
// anyone's help.
func TestStepFailingWithAnInternalErrorIsRetried(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		var subs []string
		for _, p := range []string{"Basic", "Pro"} {
			o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans[p].ID})
			f.pay(o.ID)
			f.deploy(o.SubscriptionID)
			subs = append(subs, o.SubscriptionID)
		}
		ctx := context.Background()
		var chain string
		if err := f.d.QueryRow(ctx, `SELECT chain FROM subscriptions WHERE id = $1`, subs[1]).Scan(&chain); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.Exec(ctx, `UPDATE subscriptions SET chain = '"not a chain"' WHERE id = $1`, subs[1]); err != nil {
			t.Fatal(err)
		}
		end := start.AddDate(0, 1, 0)
		f.advance(end.Add(90 * time.Minute))
		if n := len(f.orders(subs[0], subscription.OrderRenewal)); n != 1 {
			t.Fatalf("the readable subscription renewed %d times", n)
		}
		failed, err := f.svc.FailedSteps(f.as("admin"))
		if err != nil || len(failed) != 1 || failed[0].SubscriptionID != subs[1] || !failed[0].FailedAt.Equal(end.Add(time.Hour)) {
			t.Fatalf("failed steps: %+v (%v)", failed, err) // failed at the end, and again an hour later
		}
		if _, err := f.d.Exec(ctx, `UPDATE subscriptions SET chain = $2 WHERE id = $1`, subs[1], chain); err != nil {
			t.Fatal(err)
		}
		f.advance(end.Add(150 * time.Minute))
		if n := len(f.orders(subs[1], subscription.OrderRenewal)); n != 1 {
			t.Fatalf("the repaired subscription renewed %d times", n)
		}
		if failed, err := f.svc.FailedSteps(f.as("admin")); err != nil || len(failed) != 0 {
			t.Fatalf("still failed: %+v (%v)", failed, err)
		}
	})
}
