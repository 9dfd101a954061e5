package web

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// channelShotsDir receives the panel's screenshots, for people to look at.
const channelShotsDir = "/tmp/nephele-shots-channel"

// TestBrowserChannelPanel walks a reseller through its panel in a real
// browser, on desktop and phone widths, and checks the pages render.
func TestBrowserChannelPanel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clock: clock.System{}})
	sys := actor.With(context.Background(), actor.System)
	p, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Mailbox")
	gated, gatedPlans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Secure Backup")
	if _, err := e.cat.UpdateProduct(sys, gated.ID, catalog.ProductInput{RequiresApproval: catalogtest.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_ = p
	reseller := e.world.As(t, "reseller_a")
	name := "ISP retail"
	if _, err := e.ch.CreatePriceCatalog(reseller, channel.PriceCatalogInput{Tier: channel.SellOut, Name: &name, IsDefault: catalogtest.Ptr(true),
		Markups: &pricing.ChargeMarkups{Recurring: &pricing.Markup{Kind: pricing.MarkupPercent, Value: money.MustDecimal("12.5")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.subs.PlaceOrder(reseller, subscription.PlaceOrderInput{PlanID: plans[0].ID, CustomerOrgID: e.world.Orgs["customer_a1"].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.subs.PlaceOrder(e.world.As(t, "customer_a2"), subscription.PlaceOrderInput{PlanID: gatedPlans[0].ID}); err != nil {
		t.Fatal(err)
	}
	e.deliver()

	b := newBrowser(t, e.srv.URL, channelShotsDir)
	do, shot := b.do, b.shot

	do("sign in",
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login-email"), "reseller_a@example.com"),
		chromedp.SendKeys(chromedp.ID("login-password"), identitytest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".functions")))
	do("overview", chromedp.Navigate(e.srv.URL+"/channel"), chromedp.WaitVisible(chromedp.CSS(".channel-stats")))
	shot("01-overview")
	do("catalogs", chromedp.Navigate(e.srv.URL+"/channel/catalogs"), chromedp.WaitVisible(chromedp.CSS(".channel-markups")))
	shot("02-catalogs")
	do("refused catalog",
		chromedp.SendKeys(chromedp.ID("create-name"), "Promo"),
		chromedp.SetValue(chromedp.ID("create-recurring-kind"), "percent"),
		chromedp.SendKeys(chromedp.ID("create-recurring-value"), "-150"),
		chromedp.Click(chromedp.CSS(`form[action="/channel/catalogs"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shot("03-catalog-error")
	do("open catalog", chromedp.Navigate(e.srv.URL+"/channel/catalogs"), chromedp.Click(chromedp.CSS(`table a[href^="/channel/catalogs/pcat_"]`)),
		chromedp.WaitVisible(chromedp.CSS(".channel-prices")))
	shot("04-catalog")
	do("customers", chromedp.Navigate(e.srv.URL+"/channel/customers"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot("05-customers")
	do("customer", chromedp.Navigate(e.srv.URL+"/channel/customers/"+e.world.Orgs["customer_a1"].ID), chromedp.WaitVisible(chromedp.ID("subs-title")))
	shot("06-customer")
	do("quote", chromedp.Navigate(e.srv.URL+"/channel/customers/"+e.world.Orgs["customer_a2"].ID+"/orders/new?step=quote&plan_id="+plans[0].ID),
		chromedp.WaitVisible(chromedp.CSS(".facts")))
	shot("07-order-quote")
	do("orders", chromedp.Navigate(e.srv.URL+"/channel/orders"), chromedp.WaitVisible(chromedp.CSS(".channel-decision")))
	shot("08-orders")
	do("proceeds", chromedp.Navigate(e.srv.URL+"/channel/proceeds"), chromedp.WaitVisible(chromedp.ID("statement-title")))
	shot("09-proceeds")
}
