package subscription_test

import (
	"context"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A bundle subscription has one price chain per component, so it carries
// no own_prices: a channel party reads its own buy and sell prices of
// each component in component_own_prices, and nobody else gets any.
func TestBundleComponentOwnPrices(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		sys := actor.With(context.Background(), actor.System)
		for _, l := range []struct{ who, tier, markup string }{{"admin", channel.Wholesale, "10"}, {"distributor", channel.SellIn, "20"},
			{"reseller_a", channel.SellOut, "30"}} {
			m := &pricing.ChargeMarkups{Recurring: &pricing.Markup{Kind: pricing.MarkupPercent, Value: dec(l.markup)}}
			if _, err := f.ch.CreatePriceCatalog(f.as(l.who), channel.PriceCatalogInput{Tier: l.tier, Name: str(l.tier), Markups: m,
				IsDefault: catalogtest.Ptr(true)}); err != nil {
				t.Fatal(err)
			}
		}
		b, err := f.cat.CreateProduct(sys, catalog.CreateProductInput{OwnerOrgID: f.w.Orgs["operator"].ID, Kind: catalog.KindBundle,
			ProductInput: catalog.ProductInput{Name: str("Office")}})
		if err != nil {
			t.Fatal(err)
		}
		bp, err := f.cat.CreatePlan(sys, b.ID, catalog.PlanInput{Name: str("Office"), PricingKind: str("renewable_months"), Currency: str("EUR"),
			Components: &[]catalog.ComponentInput{{PlanID: f.plans["Basic"].ID, DiscountPercent: dec("10")}, {PlanID: f.plans["Mail"].ID, DiscountPercent: dec("50")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cat.SubmitProduct(sys, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cat.ApproveProduct(sys, b.ID); err != nil {
			t.Fatal(err)
		}
		o := f.order("customer_a1", subscription.PlaceOrderInput{PlanID: bp.ID})
		// Basic's recurring 30.00 and Mail's 12.00, at W (+10 %), I (+20 %)
		// and O (+30 %).
		type level struct{ buys, sells [2]string }
		want := map[string]*level{
			"distributor": {buys: [2]string{"33", "13.2"}, sells: [2]string{"39.6", "15.84"}},
			"reseller_a":  {buys: [2]string{"39.6", "15.84"}, sells: [2]string{"51.48", "20.592"}},
			"customer_a1": nil, "admin": nil, "supervisor": nil,
		}
		for who, w := range want {
			sub, err := f.svc.GetSubscription(f.as(who), o.SubscriptionID)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			if sub.OwnPrices != nil {
				t.Errorf("%s: a bundle's own_prices %+v", who, sub.OwnPrices)
			}
			if w == nil {
				if sub.ComponentOwnPrices != nil {
					t.Errorf("%s: component_own_prices %+v, want none", who, sub.ComponentOwnPrices)
				}
				continue
			}
			if len(sub.ComponentOwnPrices) != 2 {
				t.Fatalf("%s: component_own_prices %+v, want both components", who, sub.ComponentOwnPrices)
			}
			for i, c := range sub.ComponentOwnPrices {
				if c.Component != i || c.Buys == nil || !c.Buys.Recurring.Equal(dec(w.buys[i])) || !c.Sells.Recurring.Equal(dec(w.sells[i])) {
					t.Errorf("%s, component %d: %+v, want buys %s sells %s", who, i, c, w.buys[i], w.sells[i])
				}
			}
		}
	})
}
