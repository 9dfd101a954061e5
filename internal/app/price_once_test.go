package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Price once: what an order says is due is what its first invoice charges,
// for every plan of the demo catalog (setup fees, tiered and volume
// extras, bundles, hourly and yearly plans) bought direct and through
// resellers (their channel prices), with and without coupons, approved at
// once or later. The period's charges are rated once, when the order is
// priced; the invoice charges those lines.
func TestOrderDueIsItsFirstInvoiceForEveryPlan(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			clk := clock.NewTest(dbtest.DefaultStart)
			cfg := app.Config{DatabaseURL: dbtest.NewDatabaseURL(t, e), MarketplaceName: "Demo", Version: "test", LogFormat: "json"}
			a, err := app.New(context.Background(), cfg, app.Options{Clock: clk, Hash: identitytest.CheapHash, Log: discard()})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.SeedDemo(context.Background()); err != nil {
				t.Fatal(err)
			}
			sys := actor.With(context.Background(), actor.System)
			deliver := func() {
				t.Helper()
				if _, err := a.Outbox.DeliverPending(sys); err != nil {
					t.Fatal(err)
				}
			}
			deliver()
			// A launch discount that ends before orders waiting for
			// approval are approved: the order's due counts it, so its
			// invoice must.
			op, err := a.Identity.Operator(sys)
			if err != nil {
				t.Fatal(err)
			}
			admin, err := a.Identity.UserByEmail(sys, "admin@nephele.example")
			if err != nil {
				t.Fatal(err)
			}
			asAdmin := actor.With(context.Background(), actor.Actor{Kind: actor.KindUser, UserID: admin.ID, OrgID: op.ID,
				OrgKind: string(identity.Operator), Role: string(admin.Role)})
			until := clk.Now().Add(2 * 24 * time.Hour)
			if _, err := a.Catalog.CreateCoupon(asAdmin, catalog.CouponInput{Code: "LAUNCH", Kind: "discount_percent", Percent: money.MustDecimal("20"),
				ValidUntil: &until}); err != nil {
				t.Fatal(err)
			}
			buyers := map[string]string{}
			orgs, _, err := a.Identity.ListOrganizations(sys, identity.OrganizationFilter{Kind: identity.CustomerOrg, Page: page.Request{Limit: 50}})
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range orgs {
				buyers[o.Name] = o.ID
			}
			products, _, err := a.Catalog.SearchProducts(sys, catalog.ProductFilter{Page: page.Request{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			var orders []subscription.Order
			for _, p := range products {
				plans, err := a.Catalog.ListPlans(sys, p.ID, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, plan := range plans {
					quantities := map[string]money.Decimal{}
					for _, x := range plan.Extras {
						if x.Billing != "postpaid" {
							quantities[x.ID] = money.MustDecimal("15")
						}
					}
					for _, buyer := range []string{"Umbrella Ltd", "Acme Corp", "Initech S.L."} {
						for _, coupon := range []string{"", "WELCOME10", "SAVE5", "SKYLINE20", "LAUNCH"} {
							o, err := a.Subs.PlaceOrder(sys, subscription.PlaceOrderInput{PlanID: plan.ID, Quantities: quantities,
								CustomerOrgID: buyers[buyer], CouponCode: coupon})
							var e *errs.Error
							if errors.As(err, &e) && e.Kind != errs.KindInternal {
								continue // not offered to this buyer, a coupon that does not apply
							}
							if err != nil {
								t.Fatalf("%s %s for %s with %q: %v", p.Name, plan.Name, buyer, coupon, err)
							}
							orders = append(orders, o)
						}
					}
				}
			}
			// Orders waiting for approval are approved eight days later,
			// when SAVE5 no longer applies to a period that starts.
			clk.Advance(8 * 24 * time.Hour)
			for i, o := range orders {
				if o.Status == subscription.OrderRequiresApproval {
					if orders[i], err = a.Subs.ApproveOrder(sys, o.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			deliver()
			if _, err := a.Billing.RunDue(sys); err != nil {
				t.Fatal(err)
			}
			if len(orders) < 20 {
				t.Fatalf("only %d orders placed", len(orders))
			}
			charged := map[string]money.Amount{} // by subscription
			invs, _, err := a.Billing.ListInvoices(sys, billing.InvoiceFilter{Page: page.Request{Limit: page.MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range invs {
				full, err := a.Billing.GetInvoice(sys, inv.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range full.Lines {
					sum, ok := charged[l.SubscriptionID]
					if !ok {
						sum = money.NewAmount(0, l.Amount.Currency())
					}
					if charged[l.SubscriptionID], err = sum.Add(l.Amount); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, o := range orders {
				got, ok := charged[o.SubscriptionID]
				if o.Subtotal.IsZero() && !ok {
					continue // a free first period: no invoice
				}
				if !ok || got != *o.Subtotal {
					t.Errorf("order %s (plan %s, coupon %q): due %s, its first invoice charges %s", o.ID, o.PlanID, o.CouponCode, o.Subtotal, got)
				}
			}
		})
	}
}
