package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// channelEnv is a server whose marketplace sells one published product of
// vendor_a: the seed plan, 20.00 a month with a 10.00 setup fee and 4.00
// of infrastructure, in EUR.
func channelEnv(t *testing.T) (*env, catalog.Product, catalog.Plan) {
	t.Helper()
	e := newEnv(t)
	p, plans := catalogtest.Published(t, e.cat, e.world.Orgs["vendor_a"].ID, "Mailbox")
	return e, p, plans[0]
}

// channelCatalogs lists the catalogs name owns.
func channelCatalogs(t *testing.T, e *env, name string) []channel.PriceCatalog {
	t.Helper()
	cats, err := e.ch.ListPriceCatalogs(e.world.As(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []channel.PriceCatalog
	for _, c := range cats {
		if c.Relation == "owner" && !c.IsDefault { // defaults are made at set-up
			out = append(out, c)
		}
	}
	return out
}

// channelCreated returns the id at the end of a redirect's location.
func channelCreated(t *testing.T, res *response, prefix string) string {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirect to %q, want %s…", loc, prefix)
	}
	return strings.TrimPrefix(loc, prefix)
}

func TestChannelPanelAccess(t *testing.T) {
	t.Parallel()
	e, _, _ := channelEnv(t)

	anon := e.client()
	res := anon.get("/channel")
	wantRedirect(t, res, "/login?next=%2Fchannel")

	for _, name := range []string{"customer_a1", "vendor_a"} {
		c := e.client()
		c.login(name)
		for _, path := range []string{"/channel", "/channel/catalogs", "/channel/customers", "/channel/orders", "/channel/proceeds",
			"/channel/customers/" + e.world.Orgs["customer_a1"].ID} {
			res := c.get(path)
			wantStatus(t, res, http.StatusForbidden)
		}
		res := c.postForm("/", "/channel/customers", url.Values{"name": {"Sneaky"}})
		wantStatus(t, res, http.StatusForbidden)
	}

	res2 := e.client()
	res2.login("reseller_a")
	page := res2.get("/channel")
	wantStatus(t, page, http.StatusOK)
	wantText(t, page, "Channel", "reseller_a", "2 customers", "0 orders to approve", "Proceeds")
	if !strings.Contains(page.Body, `href="/channel" aria-current="page"`) {
		t.Error("the main navigation does not mark the channel panel")
	}

	dist := e.client()
	dist.login("distributor")
	page = dist.get("/channel")
	wantStatus(t, page, http.StatusOK)
	// Its own customer and its resellers' three; two resellers.
	wantText(t, page, "4 customers", "2 resellers")
}

func TestChannelCatalogMarkups(t *testing.T) {
	t.Parallel()
	e, _, plan := channelEnv(t)
	c := e.client()
	c.login("reseller_a")

	// A percentage below -100 and a value that is no number are refused
	// next to their inputs, with what was typed kept; nothing is created.
	res := c.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"ISP retail"}, "tier": {"sell_out"},
		"markups.recurring.kind": {"percent"}, "markups.recurring.value": {"-150"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Value a percentage must not be below -100")
	if !strings.Contains(res.Body, `value="-150"`) || !strings.Contains(res.Body, `value="ISP retail"`) {
		t.Error("the submitted values were not kept")
	}
	res = c.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"ISP retail"}, "tier": {"sell_out"},
		"markups.one_off.kind": {"fixed"}, "markups.one_off.value": {"ten"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Value is not a number")
	res = c.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"ISP retail"}, "tier": {"sell_in"}})
	wantStatus(t, res, http.StatusUnprocessableEntity) // a reseller sells out only
	if n := len(channelCatalogs(t, e, "reseller_a")); n != 0 {
		t.Fatalf("%d catalogs created from refused forms", n)
	}

	// Without the CSRF token nothing happens.
	res = c.post("/channel/catalogs", url.Values{"name": {"ISP retail"}, "tier": {"sell_out"}})
	wantStatus(t, res, http.StatusForbidden)

	// A 12.5 % markup on the licence: the page shows the sell price the
	// channel service computes, to the cent.
	res = c.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"ISP retail"}, "tier": {"sell_out"},
		"markups.recurring.kind": {"percent"}, "markups.recurring.value": {"12.5"}})
	id := channelCreated(t, res, "/channel/catalogs/")
	prices, err := e.ch.CatalogPrices(e.world.As(t, "reseller_a"), id)
	if err != nil || len(prices) != 1 {
		t.Fatalf("prices %+v, %v", prices, err)
	}
	sell := money.FormatPrice(prices[0].Sells.Recurring, prices[0].Sells.Currency)
	if sell != "EUR 22.50" {
		t.Fatalf("the service sells at %s", sell)
	}
	res = c.get("/channel/catalogs/" + id)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "was created", "ISP retail", "Mailbox", "Standard", "EUR 20.00", "+EUR 2.50 (12.5 %)", sell, "Licence +12.5 %")

	// A fixed markup replaces it; the page shows the new price.
	res = c.postForm("/channel/catalogs/"+id, "/channel/catalogs/"+id, url.Values{"name": {"ISP retail"},
		"markups.recurring.kind": {"fixed"}, "markups.recurring.value": {"4.99"}, "markups.one_off.kind": {"percent"}, "markups.one_off.value": {"-100"}})
	wantRedirect(t, res, "/channel/catalogs/"+id)
	res = c.get("/channel/catalogs/" + id)
	wantText(t, res, "was saved", "EUR 24.99", "EUR 10.00 → EUR 0.00")

	// A plan of its own: an unknown plan is refused, a price override wins.
	res = c.postForm("/channel/catalogs/"+id, "/channel/catalogs/"+id+"/plans", url.Values{"plan_id": {channelUnknownPlan(plan)},
		"override.recurring": {"30"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Plan no such plan")
	res = c.postForm("/channel/catalogs/"+id, "/channel/catalogs/"+id+"/plans", url.Values{"plan_id": {plan.ID}, "override.recurring": {"thirty"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Licence price is not a price")
	res = c.postForm("/channel/catalogs/"+id, "/channel/catalogs/"+id+"/plans", url.Values{"plan_id": {plan.ID}, "override.recurring": {"30"}})
	wantRedirect(t, res, "/channel/catalogs/"+id)
	res = c.get("/channel/catalogs/" + id)
	wantText(t, res, "own prices", "EUR 30.00", "+EUR 10.00 (50 %)")
	res = c.postForm("/channel/catalogs/"+id, "/channel/catalogs/"+id+"/plans", url.Values{"plan_id": {plan.ID}, "action": {"remove"}})
	wantRedirect(t, res, "/channel/catalogs/"+id)
	wantText(t, c.get("/channel/catalogs/"+id), "default markups again", "EUR 24.99")

	// Another reseller sees neither the catalog nor its prices, and cannot
	// change it.
	b := e.client()
	b.login("reseller_b")
	wantStatus(t, b.get("/channel/catalogs/"+id), http.StatusNotFound)
	wantStatus(t, b.get("/channel/catalogs/not-an-id"), http.StatusNotFound)
	res = b.postForm("/channel/catalogs", "/channel/catalogs/"+id, url.Values{"name": {"Mine now"}})
	wantStatus(t, res, http.StatusNotFound)
	res = b.postForm("/channel/catalogs", "/channel/catalogs/"+id+"/plans", url.Values{"plan_id": {plan.ID}, "override.recurring": {"1"}})
	wantStatus(t, res, http.StatusNotFound)
	list := b.get("/channel/catalogs")
	wantNoText(t, list, "ISP retail")
	if cat, err := e.ch.GetPriceCatalog(e.world.As(t, "reseller_a"), id); err != nil || cat.Name != "ISP retail" {
		t.Fatalf("catalog %+v, %v", cat, err)
	}

	// The reseller reads what it buys at in the distributor's catalog,
	// without the distributor's markups.
	res = c.get("/channel/catalogs")
	wantText(t, res, "You buy from Reseller price list")
	m := regexp.MustCompile(`href="/channel/catalogs/(pcat_[^"]+)">See what you buy at`).FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatal("no link to the source catalog")
	}
	res = c.get("/channel/catalogs/" + m[1])
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "What you buy at", "EUR 20.00")
	wantNoText(t, res, "You buy at", "Save catalog")
}

func TestChannelCustomers(t *testing.T) {
	t.Parallel()
	e, _, _ := channelEnv(t)
	c := e.client()
	c.login("reseller_a")

	res := c.get("/channel/customers")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "customer_a1", "customer_a2")
	wantNoText(t, res, "customer_b1", "customer_dist")

	// A blank name and a bad country are refused next to the fields.
	res = c.postForm("/channel/customers", "/channel/customers", url.Values{"name": {" "}, "email": {"ops@acme.test"}, "country": {"XX"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Name is required", "Country")
	if !strings.Contains(res.Body, `value="ops@acme.test"`) {
		t.Error("the email typed was not kept")
	}
	res = c.post("/channel/customers", url.Values{"name": {"Acme"}})
	wantStatus(t, res, http.StatusForbidden) // no CSRF token
	sys := actor.With(context.Background(), actor.System)
	acme := func() []identity.Organization {
		orgs, _, err := e.svc.ListOrganizations(sys, identity.OrganizationFilter{Query: "Acme", Page: page.Request{}})
		if err != nil {
			t.Fatal(err)
		}
		return orgs
	}
	if n := len(acme()); n != 0 {
		t.Fatalf("%d organizations created from refused forms", n)
	}

	res = c.postForm("/channel/customers", "/channel/customers", url.Values{"name": {"Acme S.p.A."}, "email": {"ops@acme.test"},
		"country": {"it"}, "tax_id": {"IT01234567890"}})
	id := channelCreated(t, res, "/channel/customers/")
	orgs := acme()
	if len(orgs) != 1 || orgs[0].ID != id || orgs[0].Kind != identity.CustomerOrg || orgs[0].ParentID != e.world.Orgs["reseller_a"].ID ||
		orgs[0].Country != "IT" {
		t.Fatalf("created %+v", orgs)
	}
	res = c.get("/channel/customers/" + id)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "was created", "Acme S.p.A.", "ops@acme.test", "No subscriptions yet.", "No orders yet.", "Buys from")

	// The customer can be moved to another of the reseller's catalogs.
	vip := "VIP"
	cat, err := e.ch.CreatePriceCatalog(e.world.As(t, "reseller_a"), channel.PriceCatalogInput{Tier: channel.SellOut, Name: &vip})
	if err != nil {
		t.Fatal(err)
	}
	res = c.postForm("/channel/customers/"+id, "/channel/customers/"+id+"/catalog", url.Values{"catalog_id": {"pcat_nope"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = c.postForm("/channel/customers/"+id, "/channel/customers/"+id+"/catalog", url.Values{"catalog_id": {cat.ID}})
	wantRedirect(t, res, "/channel/customers/"+id)
	if as, err := e.ch.GetAssignment(sys, id); err != nil || as.CatalogID != cat.ID || as.Default {
		t.Fatalf("assignment %+v, %v", as, err)
	}
	res = c.get("/channel/customers/" + id)
	wantText(t, res, "price catalog was changed", "Buys from VIP")
	if !strings.Contains(res.Body, `<option value="`+cat.ID+`" selected>`) {
		t.Error("the catalog select does not show the assigned catalog")
	}

	// Another reseller's customer, a reseller and a malformed id are not
	// found.
	b := e.client()
	b.login("reseller_b")
	for _, path := range []string{"/channel/customers/" + id, "/channel/customers/" + e.world.Orgs["customer_a1"].ID,
		"/channel/customers/" + e.world.Orgs["reseller_b"].ID, "/channel/customers/nope",
		"/channel/customers/" + id + "/orders/new"} {
		wantStatus(t, b.get(path), http.StatusNotFound)
	}
	wantNoText(t, b.get("/channel/customers"), "Acme")
	res = b.postForm("/channel/customers", "/channel/customers/"+id+"/catalog", url.Values{"catalog_id": {""}})
	wantStatus(t, res, http.StatusNotFound)
	if as, _ := e.ch.GetAssignment(sys, id); as.CatalogID != cat.ID {
		t.Fatalf("another reseller changed the assignment: %+v", as)
	}
}

func TestChannelPushOrder(t *testing.T) {
	t.Parallel()
	e, _, plan := channelEnv(t)
	c := e.client()
	c.login("reseller_a")
	cust := e.world.Orgs["customer_a1"]
	base := "/channel/customers/" + cust.ID + "/orders/new"

	res := c.get(base)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "New order for customer_a1", "Mailbox — Standard (EUR 20.00)", "Choose a plan and the quantities")

	// The quote is the channel service's quote for this customer.
	res = c.get(base + "?step=quote&plan_id=" + plan.ID + "&quantities." + plan.Extras[0].ID + "=15")
	wantStatus(t, res, http.StatusOK)
	q, err := e.ch.Quote(e.world.As(t, "reseller_a"), channel.QuoteInput{PlanID: plan.ID, CustomerOrgID: cust.ID,
		Quantities: map[string]money.Decimal{plan.Extras[0].ID: money.MustDecimal("15")}})
	if err != nil {
		t.Fatal(err)
	}
	wantText(t, res, "Subtotal "+money.Format(q.FirstInvoice), "Users (tiered)", "EUR 63.00", "Place the order for customer_a1")
	if money.Format(q.FirstInvoice) != "EUR 97.00" { // 10 setup + 20 licence + 4 infrastructure + 63 users
		t.Fatalf("quote %s", money.Format(q.FirstInvoice))
	}

	// Bad input: an unknown plan, a quantity that is no number.
	res = c.get(base + "?step=quote&plan_id=" + plan.ID + "&quantities." + plan.Extras[0].ID + "=many")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Users (tiered) is not a quantity")
	wantNoText(t, res, "Place the order")
	res = c.postForm(base, base, url.Values{"plan_id": {channelUnknownPlan(plan)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Plan no such plan")
	res = c.post(base, url.Values{"plan_id": {plan.ID}})
	wantStatus(t, res, http.StatusForbidden) // no CSRF token
	subs := func() []subscription.Subscription {
		list, _, err := e.subs.ListSubscriptions(actor.With(context.Background(), actor.System), subscription.SubscriptionFilter{CustomerOrgID: cust.ID})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	if n := len(subs()); n != 0 {
		t.Fatalf("%d subscriptions from refused orders", n)
	}

	// Confirming places the order for the customer, pushed by the reseller.
	res = c.postForm(base, base, url.Values{"plan_id": {plan.ID}, "quantities." + plan.Extras[0].ID: {"15"}})
	wantRedirect(t, res, "/channel/customers/"+cust.ID)
	list := subs()
	if len(list) != 1 || list[0].PlanID != plan.ID || list[0].SellerOrgID != e.world.Orgs["reseller_a"].ID {
		t.Fatalf("subscriptions %+v", list)
	}
	o, err := e.subs.GetOrder(e.world.As(t, "customer_a1"), list[0].OrderID)
	if err != nil || !o.Push || o.PlacedByOrgID != e.world.Orgs["reseller_a"].ID || o.CustomerOrgID != cust.ID ||
		money.Format(*o.Subtotal) != money.Format(q.FirstInvoice) {
		t.Fatalf("order %+v, %v", o, err)
	}
	res = c.get("/channel/customers/" + cust.ID)
	wantText(t, res, "The order was placed for customer_a1", "Mailbox — Standard", "Placed by you", "Approved")
	// The reseller's pages and the customer's agree on the order's total.
	if o.Total == nil {
		t.Fatal("the order has no total")
	}
	wantText(t, res, "The order was placed for customer_a1: "+money.Format(*o.Total)+" in total.", "Placed by you "+money.Format(*o.Total))
	cust1 := e.client()
	cust1.login("customer_a1")
	wantText(t, cust1.get("/my/orders/"+o.ID), "Total "+money.Format(*o.Total))

	// A distributor does not place orders; another reseller cannot for
	// this customer.
	d := e.client()
	d.login("distributor")
	wantStatus(t, d.get(base), http.StatusForbidden)
	b := e.client()
	b.login("reseller_b")
	res = b.postForm("/channel/customers", base, url.Values{"plan_id": {plan.ID}})
	wantStatus(t, res, http.StatusNotFound)
	if n := len(subs()); n != 1 {
		t.Fatalf("%d subscriptions", n)
	}
}

func TestChannelApprovals(t *testing.T) {
	t.Parallel()
	e, p, plan := channelEnv(t)
	sys := actor.With(context.Background(), actor.System)
	if _, err := e.cat.UpdateProduct(sys, p.ID, catalog.ProductInput{RequiresApproval: catalogtest.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	// The customer orders itself: the order waits for its reseller.
	place := func(customer string) subscription.Order {
		o, err := e.subs.PlaceOrder(e.world.As(t, customer), subscription.PlaceOrderInput{PlanID: plan.ID})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != subscription.OrderRequiresApproval || o.AuditorOrgID != e.world.Orgs["reseller_a"].ID {
			t.Fatalf("order %+v", o)
		}
		return o
	}
	o1, o2 := place("customer_a1"), place("customer_a2")

	c := e.client()
	c.login("reseller_a")
	wantText(t, c.get("/channel"), "2 orders to approve")
	res := c.get("/channel/orders")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Waiting for you", "customer_a1", "customer_a2", "Mailbox — Standard", "EUR 34.00")

	// Another reseller sees none of it and cannot decide.
	b := e.client()
	b.login("reseller_b")
	wantNoText(t, b.get("/channel/orders"), "customer_a1")
	wantStatus(t, b.postForm("/channel/orders", "/channel/orders/"+o1.ID+"/approve", url.Values{}), http.StatusNotFound)

	// A rejection needs a reason.
	res = c.postForm("/channel/orders", "/channel/orders/"+o2.ID+"/reject", url.Values{"reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Reason is required")
	res = c.post("/channel/orders/"+o1.ID+"/approve", url.Values{})
	wantStatus(t, res, http.StatusForbidden) // no CSRF token

	ctx := e.world.As(t, "reseller_a")
	for _, id := range []string{o1.ID, o2.ID} {
		if o, _ := e.subs.GetOrder(ctx, id); o.Status != subscription.OrderRequiresApproval {
			t.Fatalf("order %s decided by refused forms: %s", id, o.Status)
		}
	}
	res = c.postForm("/channel/orders", "/channel/orders/"+o1.ID+"/approve", url.Values{})
	wantRedirect(t, res, "/channel/orders")
	res = c.postForm("/channel/orders", "/channel/orders/"+o2.ID+"/reject", url.Values{"reason": {"Out of licences"}})
	wantRedirect(t, res, "/channel/orders")
	if o, _ := e.subs.GetOrder(ctx, o1.ID); o.Status != subscription.OrderApproved {
		t.Fatalf("order 1 %s", o.Status)
	}
	if o, _ := e.subs.GetOrder(ctx, o2.ID); o.Status != subscription.OrderRejected || o.Reason != "Out of licences" {
		t.Fatalf("order 2 %s %q", o.Status, o.Reason)
	}
	res = c.get("/channel/orders")
	wantText(t, res, "was rejected", "No order waits for your approval.")
	res = c.postForm("/channel/orders", "/channel/orders/"+o1.ID+"/approve", url.Values{})
	wantRedirect(t, res, "/channel/orders") // already decided: said on the page
	wantText(t, c.get("/channel/orders"), "The order is approved.")
}

func TestChannelProceeds(t *testing.T) {
	t.Parallel()
	e, _, plan := channelEnv(t)
	c := e.client()
	c.login("reseller_a")

	// The reseller sells at 10 % over the licence it buys at 20.00.
	res := c.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"Retail"}, "tier": {"sell_out"}, "is_default": {"on"},
		"markups.recurring.kind": {"percent"}, "markups.recurring.value": {"10"}})
	channelCreated(t, res, "/channel/catalogs/")
	base := "/channel/customers/" + e.world.Orgs["customer_a1"].ID + "/orders/new"
	wantRedirect(t, c.postForm(base, base, url.Values{"plan_id": {plan.ID}}), "/channel/customers/"+e.world.Orgs["customer_a1"].ID)

	res = c.get("/channel/proceeds")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Nothing was invoiced in January 2026")

	e.deliver()
	rep, err := e.bill.ChannelProceeds(e.world.As(t, "reseller_a"), e.world.Orgs["reseller_a"].ID, "2026-01")
	if err != nil || len(rep.Lines) != 1 {
		t.Fatalf("proceeds %+v, %v", rep, err)
	}
	if got := money.Format(rep.Lines[0].Margin); got != "EUR 2.00" {
		t.Fatalf("margin %s", got)
	}
	res = c.get("/channel/proceeds?month=2026-01")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Margin of January 2026", "EUR "+money.FormatNumber(rep.Lines[0].Sales), "EUR "+money.FormatNumber(rep.Lines[0].Purchases),
		"EUR 2.00", "Statement", "Closing balance", "customer_a1", "distributor")
	if !strings.Contains(res.Body, `value="2026-01"`) {
		t.Error("the month picker does not show the month")
	}

	// A bad month is refused next to the picker; another reseller's
	// proceeds hold nothing of this one's.
	res = c.get("/channel/proceeds?month=2026-13")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Month: a month such as 2026-11")
	b := e.client()
	b.login("reseller_b")
	res = b.get("/channel/proceeds?month=2026-01")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Nothing was invoiced in January 2026", "No ledger lines in this month.")
	wantNoText(t, res, "customer_a1")
}

// channelUnknownPlan is a well-formed plan id that names no plan.
func channelUnknownPlan(p catalog.Plan) string {
	last := "0"
	if strings.HasSuffix(p.ID, "0") {
		last = "1"
	}
	return p.ID[:len(p.ID)-1] + last
}

// A distributor's sell-in catalog prices what its resellers buy at.
func TestChannelDistributorSellIn(t *testing.T) {
	t.Parallel()
	e, _, _ := channelEnv(t)
	d := e.client()
	d.login("distributor")
	res := d.get("/channel/catalogs")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, `<option value="sell_in"`) || !strings.Contains(res.Body, `<option value="sell_out"`) {
		t.Error("a distributor is not offered both tiers")
	}
	res = d.postForm("/channel/catalogs", "/channel/catalogs", url.Values{"name": {"Resellers 2026"}, "tier": {"sell_in"}, "is_default": {"on"},
		"markups.recurring.kind": {"percent"}, "markups.recurring.value": {"10"}})
	id := channelCreated(t, res, "/channel/catalogs/")
	wantText(t, d.get("/channel/catalogs/"+id), "Sell-in · default catalog", "EUR 20.00", "+EUR 2.00 (10 %)", "EUR 22.00")

	// The reseller now buys at 22.00, and never sees the distributor's
	// markups nor its buy price.
	r := e.client()
	r.login("reseller_a")
	res = r.get("/channel/catalogs/" + id)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "What you buy at", "EUR 22.00")
	wantNoText(t, res, "EUR 20.00", "Licence +10 %", "Markup")
	// The distributor sees its resellers' customers but orders for none.
	res = d.get("/channel/customers")
	wantText(t, res, "customer_a1", "reseller_a", "customer_dist")
	wantNoText(t, res, "New order")
	res = d.get("/channel/customers/" + e.world.Orgs["customer_a1"].ID)
	wantStatus(t, res, http.StatusOK)
	wantNoText(t, res, "New order for this customer", "Change catalog")
}
