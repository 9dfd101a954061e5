package web

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// A reseller's catalog page shows its prices as the invoice bills them:
// 10.56 + 30 % is the unit price 13.728, billed (and shown) as 13.73, the
// storefront's and the quote's price; never "EUR 13.728".
func TestChannelCatalogPricesRoundLikeTheInvoice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := catalogtest.SeedPlanInput("Odd")
	in.RecurringPrice, in.SetupFee, in.IaaSCost, in.Extras, in.Metrics = catalogtest.DP("10.56"), catalogtest.DP("1.01"), nil, nil, nil
	catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Rounder", in)
	m := &pricing.Markup{Kind: pricing.MarkupPercent, Value: catalogtest.D("30")}
	c, err := e.ch.CreatePriceCatalog(e.world.As(t, "reseller_a"), channel.PriceCatalogInput{Tier: channel.SellOut, Name: catalogtest.Ptr("Shop"),
		Markups: &pricing.ChargeMarkups{Recurring: m, OneOff: m}, IsDefault: catalogtest.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	r := e.client()
	r.login("reseller_a")
	res := r.get("/channel/catalogs/" + c.ID)
	wantStatus(t, res, 200)
	// Licence 10.56 → 13.73 (+3.17, 30 %); setup 1.01 → 1.313 → 1.31.
	wantText(t, res, "EUR 10.56", "EUR 13.73", "+EUR 3.17", "(30 %)", "EUR 1.01", "EUR 1.31")
	wantNoText(t, res, "13.728", "3.168", "1.313")

	// The customer's storefront shows the same licence.
	cust := e.client()
	cust.login("customer_a1")
	wantText(t, cust.get("/products/rounder"), "EUR 13.73")
}
