package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/catalog/catalogtest"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// storeCheckoutFixture adds to the shop a 10 % coupon on the licence and
// extras, Italian VAT at 22 % and bank-transfer instructions, with invoices
// issued as billing makes them.
func storeCheckoutFixture(t *testing.T, e *env) storeShop {
	t.Helper()
	s := storeFixture(t, e)
	admin := e.world.As(t, "admin")
	if _, err := e.cat.CreateCoupon(admin, catalog.CouponInput{Code: "SAVE10", Kind: "discount_percent", Scope: "licence_extras",
		Percent: money.MustDecimal("10"), Usage: catalog.Reusable}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bill.CreateTaxRate(admin, billing.TaxRateInput{Country: catalogtest.Ptr("IT"), Rate: catalogtest.DP("22"),
		Name: catalogtest.Ptr("VAT IT")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.bill.UpdateSettings(admin, billing.SettingsInput{
		PaymentInstructions: catalogtest.Ptr("Bank transfer to Test Marketplace S.r.l.\nIBAN IT60 X054 2811 1010 0000 0123 456")}); err != nil {
		t.Fatal(err)
	}
	return s
}

// storeOrders lists the orders of customer.
func storeOrders(t *testing.T, e *env, customer string) []subscription.Order {
	t.Helper()
	os, _, err := e.subs.ListOrders(e.world.As(t, customer), subscription.OrderFilter{Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		t.Fatal(err)
	}
	return os
}

func TestStoreCheckoutQuote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	plan := s.mailPlans[0]
	tiered := plan.Extras[0].ID
	c := e.client()
	c.login("customer_direct")

	// The page prices the defaults at once.
	res := c.get("/checkout?plan=" + plan.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Checkout", "Cloud Mail", "Standard", "Setup fee", "EUR 10.00", "Licence", "EUR 20.00", "Infrastructure", "EUR 4.00",
		"Subtotal EUR 34.00", "VAT IT 22 % (estimated) EUR 7.48", "Total due now EUR 41.48", "Place order · EUR 41.48",
		"Then EUR 24.00 per month incl. infrastructure, plus tax", "Users (tiered)", "1–9: EUR 5.00 per user", "Update price")
	if !strings.Contains(res.Body, `src="/static/store.js?v=`) {
		t.Error("checkout does not load store.js")
	}

	// 15 tiered users (9 × 5.00 + 6 × 3.00 = 63.00) and SAVE10 (10 % of
	// the licence and extras: 8.30), as the quote fragment store.js swaps in.
	q := url.Values{"plan": {plan.ID}, "quantities." + tiered: {"15"}, "coupon": {"save10"}, "periods": {"1"}}
	res = c.get("/checkout/quote?" + q.Encode())
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `data-store-slot="summary"`) || !strings.Contains(res.Body, `data-store-slot="order"`) {
		t.Fatalf("the quote fragment is not the summary's slots:\n%s", res.Body)
	}
	wantText(t, res, "Users (tiered)", "× 15", "9 × EUR 5.00", "6 × EUR 3.00", "EUR 63.00",
		"Coupon SAVE10 applied: you save EUR 8.30.", "Coupon SAVE10 (-10 %) EUR -8.30",
		"Subtotal EUR 88.70", "VAT IT 22 % (estimated) EUR 19.51", "Total due now EUR 108.21", "You save EUR 8.30",
		"Place order · EUR 108.21")
	// The order form carries exactly what was quoted.
	for _, f := range []string{`name="plan" value="` + plan.ID + `"`, `name="quantities.` + tiered + `" value="15"`, `name="coupon" value="SAVE10"`,
		`name="periods" value="1"`, `name="csrf_token"`} {
		if !strings.Contains(res.Body, f) {
			t.Errorf("the order form lacks %s", f)
		}
	}

	// Without JavaScript the same inputs reload the page with the quote.
	res = c.get("/checkout?" + q.Encode())
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Total due now EUR 108.21", "Coupon SAVE10 applied")
	if !strings.Contains(res.Body, `name="quantities.`+tiered+`" type="number" min="0" step="any" inputmode="decimal" value="15"`) {
		t.Error("the quantity typed is not kept")
	}

	// A bad coupon is refused next to its field, with no order button.
	q.Set("coupon", "NOPE")
	res = c.get("/checkout/quote?" + q.Encode())
	wantText(t, res, "Coupon: No coupon has this code.", "Total due now EUR 118.34", "Fix or remove the coupon code to order.")
	wantNoText(t, res, "Place order", "You save")
	if !strings.Contains(res.Body, `data-store-invalid="true"`) {
		t.Error("the coupon slot does not mark its input invalid")
	}
	// A quantity that is not a number, out of range.
	q.Set("coupon", "")
	q.Set("quantities."+tiered, "abc")
	res = c.get("/checkout?" + q.Encode())
	wantText(t, res, "must be a number, 0 or more", "Correct your options to see the price.")
	q.Set("quantities."+tiered, "2.5")
	res = c.get("/checkout?" + q.Encode())
	wantNoText(t, res, "Place order")

	// Unknown plans, and unpublished products' plans, are not found.
	wantStatus(t, c.get("/checkout?plan=pln_nope"), http.StatusNotFound)
	wantStatus(t, c.get("/checkout"), http.StatusNotFound)
	plans, err := e.cat.ListPlans(e.world.As(t, "vendor_a"), s.draft.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.get("/checkout?plan="+plans[0].ID), http.StatusNotFound)

	// Visitors are asked to sign in or sign up, coming back here.
	res = e.client().get("/checkout?plan=" + plan.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Sign in to order", "Create an account")
	if !strings.Contains(res.Body, `href="/register?next=%2fcheckout%3fplan%3d`+plan.ID+`"`) {
		t.Errorf("the sign-up link does not come back to checkout:\n%s", res.Body)
	}
	// Users who do not buy for themselves are refused.
	v := e.client()
	v.login("vendor_a")
	wantStatus(t, v.get("/checkout?plan="+plan.ID), http.StatusForbidden)
}

func TestStoreCheckoutPlaceOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	plan := s.mailPlans[0]
	tiered := plan.Extras[0].ID
	c := e.client()
	c.login("customer_direct")
	from := "/checkout?plan=" + plan.ID
	order := url.Values{"plan": {plan.ID}, "quantities." + tiered: {"15"}, "periods": {"1"}, "auto_renew": {"on"}}

	// Without the CSRF token nothing is ordered.
	res := c.post("/checkout", order)
	wantStatus(t, res, http.StatusForbidden)
	// A bad coupon is refused next to the field, and nothing is ordered.
	bad := url.Values{}
	for k, v := range order {
		bad[k] = v
	}
	bad.Set("coupon", "NOPE")
	res = c.postForm(from, "/checkout", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Coupon: No coupon has this code.")
	if !strings.Contains(res.Body, `name="coupon" type="text" value="NOPE"`) {
		t.Error("the coupon typed is not kept")
	}
	if os := storeOrders(t, e, "customer_direct"); len(os) != 0 {
		t.Fatalf("ordered despite the errors: %+v", os)
	}

	// The order is placed as the quote said and the buyer lands on its
	// confirmation.
	order.Set("coupon", "SAVE10")
	page := c.get(from + "&coupon=SAVE10&quantities." + tiered + "=15")
	ref := regexp.MustCompile(`name="client_ref" value="([A-Za-z0-9]+)"`).FindStringSubmatch(page.Body)
	if ref == nil {
		t.Fatal("the order form carries no client reference")
	}
	order.Set("client_ref", ref[1])
	res = c.postForm(from, "/checkout", order)
	wantStatus(t, res, http.StatusSeeOther)
	// The same form submitted again places no second order.
	again := c.postForm(from, "/checkout", order)
	wantRedirect(t, again, res.Header.Get("Location"))
	order.Del("client_ref")
	os := storeOrders(t, e, "customer_direct")
	if len(os) != 1 {
		t.Fatalf("%d orders, want 1", len(os))
	}
	o := os[0]
	if o.PlanID != plan.ID || o.Type != subscription.OrderNormal || o.CouponCode != "SAVE10" || !o.Quantities[tiered].Equal(money.MustDecimal("15")) ||
		o.Subtotal.String() != "88.70" || o.CustomerOrgID != e.world.Orgs["customer_direct"].ID {
		t.Fatalf("order %+v (due %s)", o, o.Subtotal)
	}
	wantRedirect(t, res, "/checkout/orders/"+o.ID)
	res = c.get("/checkout/orders/" + o.ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Thank you: your order is placed.", "Thank you for your order", o.ID, "Cloud Mail", "Standard",
		"Bank transfer to Test Marketplace S.r.l.", "IBAN IT60 X054 2811 1010 0000 0123 456", "EUR 88.70", "SAVE10")

	// Once billing has issued the invoice, its number and amount show.
	e.deliver()
	invs, _, err := e.bill.ListInvoices(e.world.As(t, "customer_direct"), billing.InvoiceFilter{SubscriptionID: o.SubscriptionID})
	if err != nil || len(invs) != 1 || invs[0].Number == "" {
		t.Fatalf("invoices %+v, %v", invs, err)
	}
	res = c.get("/checkout/orders/" + o.ID)
	wantText(t, res, "Please pay invoice "+invs[0].Number+" by bank transfer.", "Amount to pay "+money.Format(invs[0].AmountDue),
		"EUR 108.21", "IBAN IT60")
	wantNoText(t, res, "Your invoice is being prepared")

	// Another customer's confirmation is not found; so is a made-up one.
	other := e.client()
	other.login("customer_a1")
	wantStatus(t, other.get("/checkout/orders/"+o.ID), http.StatusNotFound)
	wantStatus(t, other.get("/checkout/orders/ord_nope"), http.StatusNotFound)
	wantStatus(t, e.client().get("/checkout/orders/"+o.ID), http.StatusSeeOther) // visitors sign in first
}

func TestStoreCheckoutInvoicePending(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	if _, err := e.bill.UpdateSettings(e.world.As(t, "admin"), billing.SettingsInput{AutoIssue: catalogtest.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.login("customer_direct")
	res := c.postForm("/checkout?plan="+s.mailPlans[1].ID, "/checkout", url.Values{"plan": {s.mailPlans[1].ID}})
	wantStatus(t, res, http.StatusSeeOther)
	e.deliver() // a draft: no number yet
	res = c.get(res.Header.Get("Location"))
	wantText(t, res, "Your invoice is being prepared.", "Amount due EUR 71.98", "Subtotal EUR 59.00", "Total EUR 71.98", "IBAN IT60")
}

func TestStoreCheckoutTrial(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	plan := s.mailPlans[0]
	c := e.client()
	c.login("customer_direct")
	from := "/checkout?plan=" + plan.ID + "&type=trial"
	res := c.get(from)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Free trial 14 days", "Nothing to pay today.", "Start free trial", "Continue as a paid subscription when the trial ends")
	res = c.postForm(from, "/checkout", url.Values{"plan": {plan.ID}, "type": {"trial"}, "convert_after_trial": {"1"}})
	wantStatus(t, res, http.StatusSeeOther)
	os := storeOrders(t, e, "customer_direct")
	if len(os) != 1 || os[0].Type != subscription.OrderTrial || !os[0].Subtotal.IsZero() {
		t.Fatalf("orders %+v", os)
	}
	sub, err := e.subs.GetSubscription(e.world.As(t, "customer_direct"), os[0].SubscriptionID)
	if err != nil || sub.Kind != subscription.KindTrial || !sub.ConvertAfterTrial {
		t.Fatalf("subscription %+v, %v", sub, err)
	}
	res = c.get(res.Header.Get("Location"))
	wantText(t, res, "Your trial is on its way", "Nothing to pay now.")

	// One trial per product: a second one is refused on the page.
	res = c.postForm(from, "/checkout", url.Values{"plan": {plan.ID}, "type": {"trial"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "One trial per product per customer.")
	if n := len(storeOrders(t, e, "customer_direct")); n != 1 {
		t.Fatalf("%d orders after a refused trial", n)
	}
}

func TestStoreCheckoutPushOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	plan := s.mailPlans[1]
	r := e.client()
	r.login("reseller_a")
	from := "/checkout?plan=" + plan.ID

	// A reseller chooses which of its customers it orders for.
	res := r.get(from)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Customer", "customer_a1", "customer_a2", "The customer pays by bank transfer")
	wantNoText(t, res, "customer_b1", "customer_direct")
	// Not another reseller's customer.
	b1 := e.world.Orgs["customer_b1"].ID
	res = r.get(from + "&customer_org_id=" + b1)
	wantText(t, res, "Choose one of your customers.")
	wantNoText(t, res, "Place order")
	res = r.postForm(from, "/checkout", url.Values{"plan": {plan.ID}, "customer_org_id": {b1}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantText(t, res, "Choose one of your customers.")
	if n := len(storeOrders(t, e, "customer_b1")); n != 0 {
		t.Fatalf("ordered for another reseller's customer: %d", n)
	}

	a2 := e.world.Orgs["customer_a2"].ID
	res = r.postForm(from+"&customer_org_id="+a2, "/checkout", url.Values{"plan": {plan.ID}, "customer_org_id": {a2}})
	wantStatus(t, res, http.StatusSeeOther)
	os := storeOrders(t, e, "customer_a2")
	if len(os) != 1 || !os[0].Push || os[0].CustomerOrgID != a2 || os[0].PlacedByOrgID != e.world.Orgs["reseller_a"].ID {
		t.Fatalf("orders %+v", os)
	}
	res = r.get(res.Header.Get("Location"))
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "placed", "for customer_a2", "Cloud Mail", "Pro")
	// The customer sees it too; its sibling does not.
	c := e.client()
	c.login("customer_a2")
	wantStatus(t, c.get("/checkout/orders/"+os[0].ID), http.StatusOK)
	c1 := e.client()
	c1.login("customer_a1")
	wantStatus(t, c1.get("/checkout/orders/"+os[0].ID), http.StatusNotFound)
}
