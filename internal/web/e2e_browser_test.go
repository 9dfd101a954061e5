package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/clock"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// e2eShotsDir receives the end-to-end scenarios' screenshots.
const e2eShotsDir = "/tmp/nephele-shots-e2e"

// A visitor finds a product, compares its plans, signs up, orders with a
// coupon and sees the invoice to pay; an administrator records the bank
// transfer; the customer sees the subscription; the vendor reports it
// deployed; the customer sees its endpoint. Every step through the pages,
// in Chromium.
func TestE2EVisitorToDeployedSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clock: clock.System{}})
	s := storeCheckoutFixture(t, e)
	sys := actor.With(context.Background(), actor.System)
	b := newBrowser(t, e.srv.URL, e2eShotsDir)

	// The visitor searches and compares the plans.
	b.do("open home", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("store-home-q")))
	b.do("search", chromedp.SendKeys(chromedp.ID("store-home-q"), "mail"), chromedp.Submit(chromedp.ID("store-home-q")),
		chromedp.WaitVisible(chromedp.CSS(".store-filters")), chromedp.WaitVisible(chromedp.CSS(`a[href="/products/`+s.mail.Slug+`"]`)))
	b.shot("1-01-search")
	b.do("open the product", chromedp.Click(chromedp.CSS(`a[href="/products/`+s.mail.Slug+`"]`)), chromedp.WaitVisible(chromedp.CSS(".store-compare")))
	if cmp := b.text(".store-compare"); !strings.Contains(cmp, "Standard") || !strings.Contains(cmp, "Pro") {
		t.Fatalf("the comparison lacks a plan: %s", cmp)
	}
	b.shot("1-02-compare")

	// Ordering asks for an account; the visitor creates one.
	b.do("order Standard", chromedp.Click(chromedp.CSS(`a[aria-label="Order Standard"]`)), chromedp.WaitVisible(chromedp.ID("store-signin-title")),
		chromedp.Click(chromedp.CSS(`main a[href^="/register"]`)), chromedp.WaitVisible(chromedp.ID("register-title")))
	email, password := "ada@lovelace.example", "analytical-engine-1843"
	b.do("sign up", chromedp.SendKeys(chromedp.ID("register-name"), "Ada Lovelace"), chromedp.SendKeys(chromedp.ID("register-email"), email),
		chromedp.SendKeys(chromedp.ID("register-password"), password), chromedp.SendKeys(chromedp.ID("register-org-name"), "Lovelace Computing"),
		chromedp.SetValue(chromedp.ID("register-country"), "IT"))
	b.shot("1-03-sign-up")
	b.do("create the account", chromedp.Submit(chromedp.ID("register-name")), chromedp.WaitVisible(chromedp.ID("store-config")))

	// At checkout a coupon lowers the price as it is typed; the order waits
	// for a bank transfer.
	b.do("type the coupon", chromedp.SendKeys(chromedp.ID("store-coupon"), "SAVE10"))
	b.waitText("coupon", "#store-coupon-feedback", "Coupon SAVE10 applied")
	b.shot("1-04-checkout")
	b.do("place the order", chromedp.Click(chromedp.CSS(`[data-store-order] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".store-confirm-head")))
	b.waitText("invoice pending", "main", "Your invoice is being prepared")
	e.deliver() // the order becomes a subscription and its first invoice
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".store-confirm-head")))
	b.waitText("invoice to pay", "main", "Please pay invoice INV-")
	b.shot("1-05-pay-by-transfer")
	u, err := e.svc.UserByEmail(sys, email)
	if err != nil {
		t.Fatal(err)
	}
	invs, _, err := e.bill.ListInvoices(sys, billing.InvoiceFilter{RecipientOrgID: u.OrgID})
	if err != nil || len(invs) != 1 || invs[0].Status != billing.StatusIssued {
		t.Fatalf("the customer's invoices: %+v %v", invs, err)
	}
	inv := invs[0]
	if !strings.Contains(b.text("main"), inv.Number) {
		t.Fatalf("the confirmation does not name invoice %s", inv.Number)
	}

	// The administrator records the transfer.
	b.signOut()
	b.signIn("admin@example.com")
	b.do("open the invoice", chromedp.Navigate(e.srv.URL+"/admin/invoices/"+inv.ID), chromedp.WaitVisible(chromedp.ID("payment-reference")),
		chromedp.SendKeys(chromedp.ID("payment-reference"), "BANK-2026-0042"))
	b.shot("1-06-record-payment")
	b.do("record the payment", chromedp.Click(chromedp.CSS(`form[action$="/payments"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	if got, err := e.bill.GetInvoice(sys, inv.ID); err != nil || got.Status != billing.StatusPaid {
		t.Fatalf("after the payment the invoice is %s (%v)", got.Status, err)
	}
	e.deliver() // paid: the subscription goes to provisioning

	// The customer sees the subscription.
	subs, _, err := e.subs.ListSubscriptions(sys, subscription.SubscriptionFilter{CustomerOrgID: u.OrgID, Page: page.Request{Limit: 10}})
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions: %+v %v", subs, err)
	}
	sub := subs[0]
	b.signOut()
	b.signIn(email, password)
	b.do("open subscriptions", chromedp.Navigate(e.srv.URL+"/my/subscriptions"), chromedp.WaitVisible(chromedp.CSS("main table")))
	if got := b.text("main table"); !strings.Contains(got, "Cloud Mail") {
		t.Fatalf("the subscriptions page lacks the subscription: %s", got)
	}
	b.shot("1-07-subscription-provisioning")

	// The vendor reports it deployed.
	b.signOut()
	b.signIn("vendor_a@example.com")
	b.do("open the subscription", chromedp.Navigate(e.srv.URL+"/vendor/subscriptions/"+sub.ID), chromedp.WaitVisible(chromedp.ID("deployed-endpoints")),
		chromedp.SendKeys(chromedp.ID("deployed-endpoints"), "Webmail | https://mail.lovelace.example"),
		chromedp.SendKeys(chromedp.ID("deployed-instructions"), "Sign in with your company email."))
	b.shot("1-08-vendor-deploys")
	b.do("report deployed", chromedp.Click(chromedp.CSS(`form[action$="/deployed"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))

	// The customer sees the endpoint.
	b.signOut()
	b.signIn(email, password)
	b.do("open the subscription", chromedp.Navigate(e.srv.URL+"/my/subscriptions/"+sub.ID), chromedp.WaitVisible(chromedp.CSS(".cust-endpoints")))
	if got := b.text(".cust-endpoints"); !strings.Contains(got, "https://mail.lovelace.example") {
		t.Fatalf("endpoints: %s", got)
	}
	b.shot("1-09-endpoint")
}

// An upgrade in the middle of a period shows its prorated price before it
// is confirmed, and that amount is what the next invoice charges.
func TestE2EUpgradeMidPeriod(t *testing.T) {
	t.Parallel()
	// The subscription starts ten days ago; the browser's session is made
	// now (the browser drops cookies that expired).
	clk := clock.NewTest(time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Hour))
	f := customerSetup(t, clk)
	clk.Set(time.Now().UTC())
	sys := actor.With(context.Background(), actor.System)
	b := newBrowser(t, f.srv.URL, e2eShotsDir)
	b.signIn("customer_direct@example.com")

	b.do("open the change page", chromedp.Navigate(f.srv.URL+"/my/subscriptions/"+f.sub.ID+"/change"), chromedp.WaitVisible(chromedp.ID("change-plan-id")),
		chromedp.SetValue(chromedp.ID("change-plan-id"), f.plans["Pro"].ID),
		chromedp.Click(chromedp.CSS(`form[method=get] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".cust-preview")))
	want, err := f.subs.PreviewChange(f.as("customer_direct"), f.sub.ID, subscription.ChangeInput{PlanID: f.plans["Pro"].ID, Quantities: map[string]money.Decimal{}})
	if err != nil {
		t.Fatal(err)
	}
	// Twenty days of the difference between Pro (60.00) and Basic with
	// two seats (40.00): between 0 and 20.00.
	if !want.Subtotal.IsPositive() || want.Subtotal.Minor() >= 2000 {
		t.Fatalf("the prorated due is %s", want.Subtotal)
	}
	shown := b.text(".cust-due")
	if shown != "EUR "+want.Subtotal.String() {
		t.Fatalf("the preview shows %q, want EUR %s", shown, want.Subtotal)
	}
	b.shot("3-01-upgrade-preview")
	b.do("confirm", chromedp.Click(chromedp.CSS(`.cust-preview button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	f.deliver()

	// The change's invoice charges what the preview showed.
	invs, _, err := f.bill.ListInvoices(sys, billing.InvoiceFilter{SubscriptionID: f.sub.ID})
	if err != nil {
		t.Fatal(err)
	}
	var changeInv *billing.Invoice
	for i := range invs {
		if invs[i].ID != f.inv.ID {
			changeInv = &invs[i]
		}
	}
	if changeInv == nil || changeInv.Subtotal.String() != want.Subtotal.String() {
		t.Fatalf("the change's invoice: %+v, want a subtotal of %s", changeInv, want.Subtotal)
	}
	b.do("open the invoice", chromedp.Navigate(f.srv.URL+"/my/invoices/"+changeInv.ID), chromedp.WaitVisible(chromedp.CSS(".cust-lines")))
	if got := b.text("main"); !strings.Contains(got, changeInv.Number) || !strings.Contains(got, "Pro") {
		t.Fatalf("the invoice page: %s", got)
	}
	b.shot("3-02-prorated-invoice")
}

// A vendor onboards a product with a tiered extra resource through the
// forms and submits it; an administrator approves it; visitors find it.
func TestE2EOnboardingToSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{clock: clock.System{}})
	b := newBrowser(t, e.srv.URL, e2eShotsDir)
	vendor := e.world.As(t, "vendor_a")
	save := func(step string) {
		t.Helper()
		b.do(step, chromedp.Click(chromedp.CSS(`.ob-form > .actions button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	}

	b.signIn("vendor_a@example.com")
	b.do("new product", chromedp.Navigate(e.srv.URL+"/vendor/products/new"), chromedp.WaitVisible(chromedp.CSS(`[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`[name="name"]`), "Nimbus Backup"),
		chromedp.SendKeys(chromedp.CSS(`[name="summary"]`), "Backups that restore"),
		chromedp.SendKeys(chromedp.CSS(`[name="category"]`), "Storage"),
		chromedp.SendKeys(chromedp.CSS(`[name="description"]`), "Snapshots every night, encrypted at rest."))
	b.shot("2-01-new-product")
	save("create the product")
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := obProductURLRE.FindStringSubmatch(strings.TrimPrefix(loc, e.srv.URL))
	if m == nil {
		t.Fatalf("after creating the product the browser is at %s", loc)
	}
	productID := m[1]

	b.do("new plan", chromedp.Navigate(e.srv.URL+"/vendor/products/"+productID+"/plans/new"), chromedp.WaitVisible(chromedp.CSS(`[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`[name="name"]`), "Team"),
		chromedp.SetValue(chromedp.CSS(`[name="pricing_kind"]`), "renewable_months"),
		chromedp.SetValue(chromedp.CSS(`[name="currency"]`), "EUR"),
		chromedp.SendKeys(chromedp.CSS(`[name="recurring_price"]`), "20.00"))
	save("create the plan")
	plans, err := e.cat.ListPlans(vendor, productID, false)
	if err != nil || len(plans) != 1 {
		t.Fatalf("plans: %+v %v", plans, err)
	}
	plan := plans[0]

	b.do("new extra resource", chromedp.Navigate(e.srv.URL+"/vendor/products/"+productID+"/plans/"+plan.ID+"/extras/new"),
		chromedp.WaitVisible(chromedp.CSS(`[name="scheme.kind"]`)),
		chromedp.SendKeys(chromedp.CSS(`[name="name"]`), "Users"),
		chromedp.SendKeys(chromedp.CSS(`[name="unit"]`), "user"),
		chromedp.SetValue(chromedp.CSS(`[name="scheme.kind"]`), "tiered"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="scheme.kind"]').dispatchEvent(new Event("change")), {}`),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].from"]`), "1"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].to"]`), "9"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[0].unit_price"]`), "5.00"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[1].from"]`), "10"),
		chromedp.SendKeys(chromedp.CSS(`[name="scheme.ranges[1].unit_price"]`), "3.00"))
	b.shot("2-02-tiered-extra")
	save("create the extra resource")

	b.do("submit for review", chromedp.Navigate(e.srv.URL+"/vendor/products/"+productID),
		chromedp.Click(chromedp.CSS(`form[action$="/submit"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	b.shot("2-03-submitted")
	b.signOut()
	b.do("search before approval", chromedp.Navigate(e.srv.URL+"/catalog?q=nimbus"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if strings.Contains(b.text("main"), "Nimbus Backup") {
		t.Fatal("a product in review is in the catalog")
	}

	b.signIn("admin@example.com")
	b.do("review the product", chromedp.Navigate(e.srv.URL+"/admin/review/products/"+productID), chromedp.WaitVisible(chromedp.CSS(".ob-decision")))
	b.shot("2-04-review")
	b.do("approve", chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash-success")))
	b.signOut()

	b.do("search", chromedp.Navigate(e.srv.URL+"/catalog?q=nimbus"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/products/"]`)))
	if got := b.text("main"); !strings.Contains(got, "Nimbus Backup") {
		t.Fatalf("the approved product is not found: %s", got)
	}
	b.shot("2-05-found")
	b.do("open it", chromedp.Click(chromedp.CSS(`main a[href^="/products/"]`)), chromedp.WaitVisible(chromedp.CSS(".store-compare")))
	if got := b.text(".store-compare"); !strings.Contains(got, "1–9: EUR 5.00 per user") || !strings.Contains(got, "10 and more: EUR 3.00 per user") {
		t.Fatalf("the product page's tiers: %s", got)
	}
	b.shot("2-06-product")
}
