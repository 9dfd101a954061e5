package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Issue 15: what fails alone (a document a billing run cannot build, a
// lifecycle step whose price cannot be computed) was listed and retried
// only in the admin panel. Through the API, administrators list both with
// why and retry them; every other role is refused and changes nothing; a
// second retry says there is nothing to retry.
func TestFailedChargesAndStepsAPI(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			m := newMoneyMarket(t, e)
			m.en.t = t
			for _, who := range []string{"supervisor", "vendor_b"} {
				_, m.en.tokens[who] = m.en.world.Login(t, who)
			}
			// Given a direct customer on Firehose who uses 10^12 calls at
			// the largest unit price (an invoice beyond any amount), and a
			// reseller's customer on Firehose whose reseller then marks
			// usage up by 10^9 % (a renewal that cannot be priced),
			huge := m.subscribe(t, "customer_direct", m.plans[1], "")
			marked := m.subscribe(t, "customer_a1", m.plans[1], "")
			if huge == "" || marked == "" {
				t.Fatalf("subscriptions: %q %q", huge, marked)
			}
			m.call(t, "vendor_a", "PUT", "/api/v1/subscriptions/"+huge+"/usage", map[string]any{"item": "calls", "quantity": "1000000000000"})
			usageMarkup := func(pct string) {
				t.Helper()
				mustJSON(t, m.call(t, "reseller_a", "PATCH", "/api/v1/price-catalogs/"+m.sellOut, map[string]any{"markups": map[string]any{
					"recurring": map[string]string{"kind": "percent", "value": "25"}, "usage": map[string]string{"kind": "percent", "value": pct}}}), &struct{}{})
			}
			usageMarkup("999999999")
			// when the month ends, the overflowing document's charges and
			// the unpriceable renewal fail alone,
			m.advance(t, m.en.clock.Now().AddDate(0, 1, 0).Add(time.Hour))
			var charges struct {
				Data       []billing.FailedCharge `json:"data"`
				NextCursor *string                `json:"next_cursor"`
			}
			listCharges := func() {
				t.Helper()
				charges.Data = nil
				mustJSON(t, m.call(t, "admin", "GET", "/api/v1/failed-charges", nil), &charges)
			}
			listCharges()
			if len(charges.Data) == 0 || charges.NextCursor != nil {
				t.Fatalf("failed charges: %+v", charges)
			}
			for _, c := range charges.Data {
				if c.SubscriptionID != huge || c.PayerOrgID != m.en.world.Orgs["customer_direct"].ID || !strings.Contains(c.Error, pricing.CodeAmountOverflow) {
					t.Fatalf("failed charge %+v, want the overflowing document's", c)
				}
			}
			var steps struct {
				Data []subscription.FailedStep `json:"data"`
			}
			listSteps := func() {
				t.Helper()
				steps.Data = nil
				mustJSON(t, m.call(t, "admin", "GET", "/api/v1/failed-lifecycle-steps", nil), &steps)
			}
			listSteps()
			if len(steps.Data) != 1 || steps.Data[0].SubscriptionID != marked || steps.Data[0].CustomerOrgID != m.en.world.Orgs["customer_a1"].ID ||
				!strings.Contains(steps.Data[0].Error, pricing.CodeAmountOverflow) {
				t.Fatalf("failed steps: %+v", steps.Data)
			}
			// which no one else may read or retry (the channel parties
			// manage customers too, but are not the marketplace's staff),
			chargeID := charges.Data[0].ChargeID
			for _, who := range []string{"customer_direct", "customer_a1", "vendor_a", "vendor_b", "reseller_a", "distributor", "supervisor"} {
				for _, r := range []struct{ method, path string }{{"GET", "/api/v1/failed-charges"}, {"GET", "/api/v1/failed-lifecycle-steps"},
					{"POST", "/api/v1/charges/" + chargeID + "/retry"}, {"POST", "/api/v1/subscriptions/" + marked + "/retry-step"}} {
					wantProblem(t, m.en.as(who, r.method, r.path, nil), 403, "permission_denied")
				}
			}
			listCharges()
			listSteps()
			if len(charges.Data) == 0 || charges.Data[0].ChargeID != chargeID || len(steps.Data) != 1 {
				t.Fatalf("the refused retries changed %+v / %+v", charges.Data, steps.Data)
			}
			// and the lists take no paging or other parameters.
			for _, q := range []string{"/api/v1/failed-charges?limit=10", "/api/v1/failed-lifecycle-steps?cursor=x"} {
				p := wantProblem(t, m.en.as("admin", "GET", q, nil), 422, "validation_failed")
				if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["code"] != "unknown_field" {
					t.Fatalf("%s: %v", q, p)
				}
			}
			wantProblem(t, m.en.as("admin", "POST", "/api/v1/charges/"+ids.New(billing.ChargeKind)+"/retry", nil), 404, "charge_not_found")

			// An administrator retries the charges: pending again, and
			// a second retry has nothing to retry.
			for _, c := range charges.Data {
				if r := m.en.as("admin", "POST", "/api/v1/charges/"+c.ChargeID+"/retry", nil); r.Status != 204 || len(r.Body) != 0 {
					t.Fatalf("retry %s: %d %s", c.ChargeID, r.Status, r.Body)
				}
			}
			wantProblem(t, m.en.as("admin", "POST", "/api/v1/charges/"+chargeID+"/retry", nil), 422, "charge_not_failed")
			listCharges()
			if len(charges.Data) != 0 {
				t.Fatalf("retried charges still listed: %+v", charges.Data)
			}
			// Retried as it is, the document fails again at the next run,
			// alone.
			m.advance(t, m.en.clock.Now().Add(time.Minute))
			listCharges()
			if len(charges.Data) == 0 || charges.Data[0].SubscriptionID != huge {
				t.Fatalf("after the retry and a run: %+v", charges.Data)
			}

			// Once the reseller's markup is sane again, the retried step
			// renews the subscription, and nothing is left failed.
			usageMarkup("25")
			if r := m.en.as("admin", "POST", "/api/v1/subscriptions/"+marked+"/retry-step", nil); r.Status != 204 || len(r.Body) != 0 {
				t.Fatalf("retry step: %d %s", r.Status, r.Body)
			}
			wantProblem(t, m.en.as("admin", "POST", "/api/v1/subscriptions/"+marked+"/retry-step", nil), 422, "step_not_failed")
			listSteps()
			if len(steps.Data) != 0 {
				t.Fatalf("retried step still listed: %+v", steps.Data)
			}
			m.advance(t, m.en.clock.Now().Add(time.Hour))
			listSteps()
			var orders struct {
				Data []subscription.Order `json:"data"`
			}
			mustJSON(t, m.call(t, "admin", "GET", "/api/v1/orders?limit=200&subscription_id="+marked, nil), &orders)
			renewals := 0
			for _, o := range orders.Data {
				if o.SubscriptionID == marked && o.Type == subscription.OrderRenewal {
					renewals++
				}
			}
			if len(steps.Data) != 0 || renewals != 1 {
				t.Fatalf("after the retry: %d renewals, failed steps %+v", renewals, steps.Data)
			}
		})
	}
}
